"""The label palette shared by the world, the models, the GUI and the command line.

A label map is an (H, W) uint8 array of label ids. On disk it is a palette PNG whose colors are the
display colors below (so it can be painted in any image editor), or a single-channel PNG of ids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from igan_app import imaging


@dataclass(frozen=True)
class Label:
    id: int
    name: str
    color: tuple[int, int, int]  # display color, RGB 0-255


# Display colors are far apart (every pair at least 80 RGB units) so that slightly shifted colors
# (a color profile, a careless brush) snap back to the right label. Edges blended by JPEG chroma
# subsampling or bilinear resizing are halfway between labels and are refused: keep maps in PNG.
LABELS: tuple[Label, ...] = (
    Label(0, "sky", (90, 160, 230)),
    Label(1, "cloud", (200, 200, 220)),
    Label(2, "mountain", (160, 90, 40)),
    Label(3, "snow", (255, 255, 255)),
    Label(4, "rock", (100, 100, 100)),
    Label(5, "water", (20, 60, 170)),
    Label(6, "sand", (235, 205, 120)),
    Label(7, "grass", (110, 200, 60)),
    Label(8, "tree", (20, 110, 40)),
)
NUM_LABELS = len(LABELS)
BY_NAME = {label.name: label for label in LABELS}
COLORS = np.array([label.color for label in LABELS], dtype=np.uint8)  # (NUM_LABELS, 3)

# A pixel farther than this from every display color is an error, not a guess.
MAX_COLOR_DISTANCE = 40.0


class LabelMapError(ValueError):
    """A label map file that cannot be read as labels; the message names the file and the reason."""


def label_id(name: str) -> int:
    """The id of a label by name; an unknown name raises KeyError listing the known names."""
    try:
        return BY_NAME[name].id
    except KeyError:
        raise KeyError(f"unknown label {name!r}; known labels: {', '.join(BY_NAME)}") from None


def colorize(labels: np.ndarray) -> np.ndarray:
    """(H, W) ids → (H, W, 3) uint8 display colors."""
    _check_ids(labels, "label map")
    return COLORS[labels]


def colors_to_labels(rgb: np.ndarray, *, source: str = "label map") -> np.ndarray:
    """(H, W, 3) uint8 display colors → (H, W) ids, snapping each color to the nearest label.

    Raises LabelMapError, one line naming the first pixel (in reading order) farther than
    MAX_COLOR_DISTANCE from every label color, how many such pixels there are, and what to do.
    """
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    # Label maps hold few distinct colors: match those, not every pixel.
    uniques, inverse = np.unique(packed.ravel(), return_inverse=True)
    colors = np.stack([(uniques >> 16) & 255, (uniques >> 8) & 255, uniques & 255], axis=1)
    dist = np.linalg.norm(colors[:, None, :].astype(np.float32) - COLORS[None].astype(np.float32), axis=2)
    nearest = dist.argmin(axis=1)
    far = dist[np.arange(len(uniques)), nearest] > MAX_COLOR_DISTANCE
    if far.any():
        bad = far[inverse]  # per pixel, in reading order
        where = int(np.argmax(bad))
        y, x = divmod(where, rgb.shape[1])
        count = int(bad.sum())
        color = tuple(int(c) for c in rgb[y, x])
        which = (f"{count} pixels are not a label color, the first {color} at (x={x}, y={y})"
                 if count > 1 else f"the pixel at (x={x}, y={y}), {color}, is not a label color")
        raise LabelMapError(f"{source}: {which}; paint only in the {NUM_LABELS} label colors (the "
                            "README's table, the paint tab's palette) and save as PNG, not JPEG")
    return nearest.astype(np.uint8)[inverse].reshape(rgb.shape[:2])


def save_labels(path: str | os.PathLike, labels: np.ndarray) -> None:
    """Write a label map as a palette PNG in the display colors (atomically)."""
    _check_ids(labels, os.fspath(path))
    imaging.write_palette_png(path, labels.astype(np.uint8), COLORS)


def load_labels(path: str | os.PathLike) -> np.ndarray:
    """Read a label map: a color (or palette) PNG in the display colors, or a single-channel PNG of ids."""
    data = imaging.read_label_source(path)
    if data.ndim == 2:
        _check_ids(data, os.fspath(path))
        return data.astype(np.uint8)
    return colors_to_labels(data, source=os.fspath(path))


def _check_ids(labels: np.ndarray, source: str) -> None:
    if labels.ndim != 2:
        raise LabelMapError(f"{source}: a label map is (H, W), got shape {labels.shape}")
    if labels.size and int(labels.max()) >= NUM_LABELS:
        raise LabelMapError(
            f"{source}: id {int(labels.max())} is not a label; ids run from 0 to {NUM_LABELS - 1} "
            f"({', '.join(f'{lab.id} {lab.name}' for lab in LABELS)})"
        )
