"""The strokes bench/fidelity.py edits every photo with, made from the photo itself so that every
figure reruns: a sky recolour, a ground recolour, a sketch line and a warp.

    python bench/fidelity_strokes.py --out FOLDER [--resolution 64]

writes NN-name.KIND.json strokes files for the photo set, so that `igan edit PHOTO --strokes
FILE` can be run on any of them by hand. Every stroke lies inside the model's frame (the
largest centred square, `Frame.centre`), in photo pixels, as the editor would draw it.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import Stroke, StrokeSet, Warp

KINDS = ("sky", "ground", "sketch", "warp")
COLOR_KINDS = ("sky", "ground")
# Two candidates per band; the one farther (Lab) from the photo's own mean there is asked for,
# so that the change is always one a person would see.
SKY_COLORS = ((235, 130, 50), (35, 70, 170))  # warm orange, deep blue
GROUND_COLORS = ((60, 125, 45), (150, 85, 35))  # green, autumn brown
# Bands as (centre, width) fractions of the frame's side: the brush covers centre ± width / 2.
SKY_BAND = (0.12, 0.18)
GROUND_BAND = (0.86, 0.18)
MARGIN = 0.06  # how far from the frame's left and right sides the colour strokes start
# A ridge across the middle, (x, y) fractions of the frame, drawn 1.5 model pixels wide.
RIDGE = ((0.05, 0.50), (0.28, 0.40), (0.50, 0.30), (0.72, 0.41), (0.95, 0.47))
RIDGE_WIDTH = 1.5
WARP_SIZE = 0.22  # the moved patch's side, of the frame's
WARP_SHIFT = 0.14  # how far it moves, of the frame's side
PHOTO_SET = Path.home() / ".cache" / "igan-studio" / "photo-set"  # scripts/photo_set.py's


def photo_paths(folder: Path = PHOTO_SET) -> list[Path]:
    """The set's photos, in photos.csv's order (else every NN-name.jpg)."""
    table = folder / "photos.csv"
    if table.exists():
        with open(table, newline="") as f:
            listed = [folder / row["file"] for row in csv.DictReader(f)]
        return [path for path in listed if path.exists()]  # the set may be being rewritten
    return sorted(folder.glob("[0-9][0-9]-*.jpg"))


def lab(rgb) -> np.ndarray:
    """RGB uint8 (..., 3) → CIELAB float32 (L 0–100)."""
    rgb = np.asarray(rgb, np.float32)
    flat = rgb.reshape(-1, 1, 3) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2LAB).reshape(rgb.shape)


def farthest_color(mean_rgb, candidates) -> tuple[int, int, int]:
    """The candidate farthest in Lab from `mean_rgb`."""
    distances = np.linalg.norm(lab(candidates) - lab(mean_rgb), axis=-1)
    return tuple(int(v) for v in candidates[int(np.argmax(distances))])


def _band_mean(photo: np.ndarray, frame: Frame, band: tuple[float, float]) -> np.ndarray:
    left, top, right, _ = frame.box
    side = right - left
    centre, width = band
    y0, y1 = int(top + side * (centre - width / 2)), int(top + side * (centre + width / 2))
    return photo[max(y0, top):y1, left:right].reshape(-1, 3).mean(0)


def _band_stroke(photo: np.ndarray, frame: Frame, band: tuple[float, float],
                 colors) -> Stroke:
    left, top, right, _ = frame.box
    side = right - left
    centre, width = band
    # The brush is round: the ends sit half a width in, so the stroke stays inside the frame.
    inset = side * max(MARGIN, width / 2)
    y = top + side * centre
    color = farthest_color(_band_mean(photo, frame, band), colors)
    return Stroke("color", ((left + inset, y), (right - inset, y)), side * width, color)


def _most_textured(photo: np.ndarray, frame: Frame, size: float) -> tuple[float, float]:
    """The centre, among a 3×3 grid over the middle of the frame, of the patch with the most
    local contrast: moving it is a change a person sees."""
    left, top, right, _ = frame.box
    side = right - left
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    edges = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    best, where = -1.0, (left + side / 2, top + side / 2)
    for fy in (0.4, 0.5, 0.6):
        for fx in (0.3, 0.5, 0.7):
            cx, cy = left + side * fx, top + side * fy
            h = size / 2
            score = float(edges[int(cy - h):int(cy + h), int(cx - h):int(cx + h)].mean())
            if score > best:
                best, where = score, (cx, cy)
    return where


def photo_strokes(photo: np.ndarray, resolution: int) -> dict[str, StrokeSet]:
    """The four edits of `photo` (RGB uint8) through a model of `resolution`, by kind (KINDS),
    each a StrokeSet of one item inside `Frame.centre`."""
    frame = Frame.centre(photo.shape[:2], resolution)
    left, top, right, _ = frame.box
    side = right - left
    size = photo.shape[:2]
    ridge = tuple((left + side * x, top + side * y) for x, y in RIDGE)
    patch = side * WARP_SIZE
    sx, sy = _most_textured(photo, frame, patch)
    shift = side * WARP_SHIFT * (1 if sx < left + side / 2 else -1)  # towards the middle
    return {
        "sky": StrokeSet(size, (_band_stroke(photo, frame, SKY_BAND, SKY_COLORS),)),
        "ground": StrokeSet(size, (_band_stroke(photo, frame, GROUND_BAND, GROUND_COLORS),)),
        "sketch": StrokeSet(size, (Stroke("sketch", ridge, RIDGE_WIDTH * side / resolution),)),
        "warp": StrokeSet(size, (Warp((sx, sy), patch, (sx + shift, sy)),)),
    }


def _polyline(stroke: Stroke) -> np.ndarray:
    return np.round(np.array(stroke.points) * 16).astype(np.int32).reshape(-1, 1, 2)


def painted(strokes: StrokeSet) -> tuple[np.ndarray, np.ndarray]:
    """The colour strokes' area at photo size: (mask (H, W) bool, colors (H, W, 3) uint8, the
    colour each painted pixel asks for; later strokes over earlier ones)."""
    height, width = strokes.photo_size
    mask = np.zeros((height, width), np.uint8)
    colors = np.zeros((height, width, 3), np.uint8)
    for item in strokes.items:
        if isinstance(item, Stroke) and item.kind == "color":
            one = np.zeros_like(mask)
            # shift=4: sub-pixel points; round caps and joins, as the brush
            cv2.polylines(one, [_polyline(item)], False, 1, max(1, round(item.width)),
                          cv2.LINE_8, 4)
            mask |= one
            colors[one > 0] = item.color
    return mask > 0, colors


def draw(photo: np.ndarray, strokes: StrokeSet) -> np.ndarray:
    """`photo` with `strokes` drawn on it, as a person would see them in the editor: colour
    strokes half transparent, sketch lines black on white, warps as two squares and an arrow."""
    out = photo.copy()
    scale = max(photo.shape[:2]) / 640  # lines a readable width at any size
    line = max(1, round(2 * scale))
    for item in strokes.items:
        if isinstance(item, Warp):
            for (x, y), color in ((item.source, (255, 255, 255)),
                                  (item.destination, (255, 220, 0))):
                h = item.size / 2
                cv2.rectangle(out, (round(x - h), round(y - h)), (round(x + h), round(y + h)),
                              color, line)
            cv2.arrowedLine(out, tuple(round(v) for v in item.source),
                            tuple(round(v) for v in item.destination), (255, 220, 0), line,
                            tipLength=0.2)
        elif item.kind == "sketch":
            width = max(1, round(item.width))
            cv2.polylines(out, [_polyline(item)], False, (255, 255, 255),
                          width + 2 * line, cv2.LINE_AA, 4)
            cv2.polylines(out, [_polyline(item)], False, (0, 0, 0), width + line,
                          cv2.LINE_AA, 4)
    mask, colors = painted(strokes)
    out[mask] = (0.35 * out[mask] + 0.65 * colors[mask]).astype(np.uint8)
    return out


def main() -> int:
    from igan_app import imaging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the strokes files")
    parser.add_argument("--photos", type=Path, default=PHOTO_SET, help="the photo set's folder")
    parser.add_argument("--resolution", type=int, default=64, help="the model's side")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in photo_paths(args.photos):
        for kind, strokes in photo_strokes(imaging.read_image(path), args.resolution).items():
            target = args.out / f"{path.stem}.{kind}.json"
            strokes.save(target)
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
