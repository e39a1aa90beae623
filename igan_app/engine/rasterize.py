"""Rasterization: a `StrokeSet` in photo pixels, painted into `Targets` in the model's frame.

`rasterize` paints the items in drawing order through a `Frame`, at `frame.resolution`: brush
strokes antialiased by supersampling, layers resampled into the frame, warps copied from the
generated image now shown. The costs that compare generated images with the targets live in
`constraints`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import Stroke, StrokeSet, Warp

# Sub-pixels per model pixel along each axis when drawing strokes; the coverage is their mean,
# so edges are antialiased in steps of 1/16.
SUPERSAMPLE = 4
# Canny thresholds on 0-255 gray for the edges a warp carries along. Generated images at 64 px
# are soft, so they sit below OpenCV's usual 100/200.
WARP_EDGE_THRESHOLDS = (40, 100)


@dataclass(frozen=True, eq=False)
class Targets:
    """What the strokes ask of a generated image, at model resolution r (float32 numpy arrays).

    color: (3, r, r) in [-1, 1], the colors asked for (0 where nothing is asked).
    color_mask: (1, r, r) in [0, 1], how much each pixel's color counts (antialiased coverage).
    sketch: (1, r, r) in [0, 1], the line image: 1 on the lines, 0 elsewhere.
    sketch_mask: (1, r, r) in [0, 1], where edges are compared: the lines grown by
    `sketch_margin(r)` pixels (no edge is wanted there but the line's), and warped patches.
    """

    color: np.ndarray
    color_mask: np.ndarray
    sketch: np.ndarray
    sketch_mask: np.ndarray

    @property
    def resolution(self) -> int:
        return self.color.shape[-1]

    @property
    def has_color(self) -> bool:
        return bool(self.color_mask.any())

    @property
    def has_sketch(self) -> bool:
        return bool(self.sketch_mask.any())

    @property
    def asked(self) -> np.ndarray:
        """(r, r) in [0, 1]: how much anything is asked of each pixel, color or sketch."""
        return np.maximum(self.color_mask[0], self.sketch_mask[0])

    @property
    def is_empty(self) -> bool:
        """True when nothing is asked anywhere (all strokes erased, or outside the frame)."""
        return not (self.has_color or self.has_sketch)


def sketch_margin(resolution: int) -> int:
    """How far (model pixels) the sketch mask reaches beyond a line: 4 px at 64 px, at least 2.

    "No edge here" beside a line is asked for as well as "an edge here" on it: otherwise G
    could meet a line by drawing it among edges of every orientation, or with a parallel edge
    beside it. The edge features are compared over every cell the grown line touches (see
    `constraints`), so the margin mostly decides which cells next to the line take part.
    """
    return max(2, round(resolution / 16))


def rasterize(strokes: StrokeSet, frame: Frame, current: np.ndarray | None = None) -> Targets:
    """Paint `strokes` into the model's frame, in order, as `Targets` at `frame.resolution`.

    current: the generated image now shown, uint8 (r, r, 3) RGB; warps copy their patch from it.
    Raises ValueError when the strokes were made for a photo of another size, or for a warp
    without `current`.
    """
    if tuple(strokes.photo_size) != tuple(frame.photo_size):
        raise ValueError(f"the strokes are for a {strokes.photo_size[1]}×{strokes.photo_size[0]}"
                         f" photo, the frame for a {frame.photo_size[1]}×{frame.photo_size[0]} one")
    r = frame.resolution
    if current is not None and (current.dtype != np.uint8 or current.shape != (r, r, 3)):
        raise ValueError(f"current must be the generated image as uint8 ({r}, {r}, 3), got "
                         f"{current.dtype} {current.shape}")
    canvas = _Canvas(r)
    edges = None
    for item in strokes.items:
        if isinstance(item, Stroke):
            coverage = stroke_coverage(item.points, item.width, frame)
            if item.kind == "color":
                canvas.paint_color(coverage, _to_unit(np.array(item.color, np.float32)))
            elif item.kind == "sketch":
                grown = stroke_coverage(item.points, item.width, frame, sketch_margin(r))
                canvas.paint_lines(coverage, grown)
            else:
                canvas.erase(coverage)
        elif isinstance(item, Warp):
            if current is None:
                raise ValueError("a warp copies a patch of the current generated image; "
                                 "pass current=")
            if edges is None:
                gray = cv2.cvtColor(current, cv2.COLOR_RGB2GRAY)
                edges = (cv2.Canny(gray, *WARP_EDGE_THRESHOLDS) > 0).astype(np.float32)
            coverage, colors, lines = _warp(item, frame, current, edges)
            canvas.paint_color(coverage, colors)
            canvas.replace_lines(lines, coverage)
        elif item.kind == "color":
            coverage = layer_to_model(item.mask.astype(np.float32), frame)
            # Premultiplied, so that the transparent black around the strokes does not darken
            # their edges when model pixels straddle both.
            summed = layer_to_model(item.colors.astype(np.float32) * item.mask[..., None], frame)
            colors = summed / np.maximum(coverage, 1e-6)[..., None]
            canvas.paint_color(coverage, _to_unit(np.clip(colors, 0, 255)))
        else:
            line = sketch_layer_line(item.mask, frame)
            size = 2 * sketch_margin(r) + 1
            grown = cv2.dilate(line, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
            canvas.paint_lines(line, grown)
    return canvas.targets()


def _to_unit(rgb: np.ndarray) -> np.ndarray:
    """0-255 → [-1, 1], as `imaging.to_tensor` maps pixels."""
    return rgb / np.float32(127.5) - np.float32(1.0)


class _Canvas:
    """The targets being painted, (r, r[, 3]) float32; each paint is "over" with coverage a.

    Colors are kept premultiplied by their coverage, so that a pixel a stroke covers partly asks
    for the stroke's own color (with less weight), not for a mix with the black it started as.
    """

    def __init__(self, r: int) -> None:
        self.color = np.zeros((r, r, 3), np.float32)  # premultiplied by color_mask
        self.color_mask = np.zeros((r, r), np.float32)
        self.sketch = np.zeros((r, r), np.float32)
        self.sketch_mask = np.zeros((r, r), np.float32)

    def paint_color(self, a: np.ndarray, color: np.ndarray) -> None:
        self.color += (color - self.color) * a[..., None]
        self.color_mask += (1 - self.color_mask) * a

    def paint_lines(self, line: np.ndarray, region: np.ndarray) -> None:
        """Add lines (coverage `line`), compared over `region`; earlier lines stay, so that
        crossing strokes keep both."""
        self.sketch += (1 - self.sketch) * line
        self.sketch_mask += (1 - self.sketch_mask) * region

    def replace_lines(self, lines: np.ndarray, region: np.ndarray) -> None:
        """Put `lines` in place of whatever lines were inside `region` (coverage), as a warped
        patch does: its edges, and no others, are asked for there."""
        self.sketch += (lines - self.sketch) * region
        self.sketch_mask += (1 - self.sketch_mask) * region

    def erase(self, a: np.ndarray) -> None:
        keep = 1 - a
        self.color *= keep[..., None]
        self.color_mask *= keep
        self.sketch *= keep
        self.sketch_mask *= keep

    def targets(self) -> Targets:
        mask = np.clip(self.color_mask, 0, 1)
        covered = mask > 1e-6
        color = np.where(covered[..., None], self.color / np.where(covered, mask, 1)[..., None],
                         0)
        return Targets(
            color=np.ascontiguousarray(np.clip(color, -1, 1).transpose(2, 0, 1), np.float32),
            color_mask=np.where(covered, mask, 0)[None],
            sketch=np.clip(self.sketch, 0, 1)[None],
            sketch_mask=np.clip(self.sketch_mask, 0, 1)[None],
        )


def stroke_coverage(points: Sequence[tuple[float, float]] | np.ndarray, width: float,
                    frame: Frame, grow: float = 0.0) -> np.ndarray:
    """The area of each model pixel that a round brush covers along a photo polyline.

    points: (K, 2) photo (x, y); width: brush diameter in photo pixels, at least 1 model pixel
    once in the frame; grow: model pixels added to the radius. Returns (r, r) float32 in [0, 1].

    Pixels are split into SUPERSAMPLE² sub-pixels, each in or out by its exact distance to the
    line. cv2.polylines is not used: its thick lines come in odd pixel widths only (thickness 3
    and 4 both draw 5 pixels) and ignore sub-pixel positions, ±1/8 model pixel of error at 4×.
    """
    r, s = frame.resolution, SUPERSAMPLE
    model = frame.to_model(np.asarray(points, np.float64).reshape(-1, 2))
    radius = max(frame.length_to_model(width), 1.0) / 2 + grow
    if len(model) == 1:
        model = np.repeat(model, 2, axis=0)
    inside = np.zeros((r * s, r * s), bool)
    for p, q in itertools.pairwise(model):
        lo = np.floor((np.minimum(p, q) - radius) * s).astype(int).clip(0, r * s)
        hi = np.ceil((np.maximum(p, q) + radius) * s).astype(int).clip(0, r * s)
        if (hi <= lo).any():
            continue  # this segment's brush misses the frame
        xs = (np.arange(lo[0], hi[0]) + 0.5) / s  # sub-pixel centres in model pixels
        ys = (np.arange(lo[1], hi[1]) + 0.5) / s
        inside[lo[1]:hi[1], lo[0]:hi[0]] |= _near_segment(xs, ys, p, q, radius)
    return inside.reshape(r, s, r, s).mean((1, 3), dtype=np.float32)


def _near_segment(xs: np.ndarray, ys: np.ndarray, p: np.ndarray, q: np.ndarray,
                  radius: float) -> np.ndarray:
    """(len(ys), len(xs)) bool: grid points within `radius` of segment pq."""
    d = q - p
    length2 = float(d @ d)
    px, py = xs[None, :] - p[0], ys[:, None] - p[1]
    t = np.clip((px * d[0] + py * d[1]) / length2, 0, 1) if length2 > 0 else 0.0
    return (px - t * d[0]) ** 2 + (py - t * d[1]) ** 2 <= radius * radius


def layer_to_model(array: np.ndarray, frame: Frame) -> np.ndarray:
    """A photo-sized float32 (H, W) or (H, W, C) array resampled into the frame: (r, r[, C]).

    Area averaging when shrinking (what `Frame.crop` does for photos), bilinear when enlarging,
    where cubic would overshoot the [0, 1] range of masks.
    """
    if array.shape[:2] != tuple(frame.photo_size):
        raise ValueError(f"layer is {array.shape[1]}×{array.shape[0]}, the frame is for "
                         f"{frame.photo_size[1]}×{frame.photo_size[0]}")
    left, top, right, bottom = frame.box
    region = np.ascontiguousarray(array[top:bottom, left:right], np.float32)
    r = frame.resolution
    shrinking = region.shape[0] >= r and region.shape[1] >= r
    return cv2.resize(region, (r, r), interpolation=cv2.INTER_AREA if shrinking
                      else cv2.INTER_LINEAR)


def sketch_layer_line(mask: np.ndarray, frame: Frame) -> np.ndarray:
    """A sketch layer's line pixels (H, W) bool → the line image in the frame, (r, r) float32.

    A one-photo-pixel line covers only a fraction (the scale) of a model pixel when the photo is
    larger than the frame; the coverage is divided by that fraction, so that a thin line comes
    out at least 1 model pixel wide and fully on, as a thin brush stroke does.
    """
    coverage = layer_to_model(mask.astype(np.float32), frame)
    scale = min(1.0, sum(frame.scale) / 2)
    return np.clip(coverage / scale, 0, 1)


def _warp(warp: Warp, frame: Frame, current: np.ndarray,
          edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A warp's destination coverage (r, r), colors (r, r, 3) in [-1, 1] and lines (r, r)."""
    r = frame.resolution
    source, destination = frame.to_model(np.array([warp.source, warp.destination]))
    sx, sy = frame.scale
    half = np.array([warp.size * sx, warp.size * sy]) / 2  # a photo square may be a rectangle
    shift = destination - source
    move = np.array([[1, 0, shift[0]], [0, 1, shift[1]]], np.float64)

    def moved(image: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(image, move, (r, r), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    # Where the patch would come from outside the generated image there is nothing to ask for.
    valid = moved(np.ones((r, r), np.float32))
    coverage = _box_coverage(destination, half, r) * valid
    colors = _to_unit(moved(current.astype(np.float32)))
    return coverage, colors, moved(edges)


def _box_coverage(centre: np.ndarray, half: np.ndarray, r: int) -> np.ndarray:
    """(r, r) exact area of each pixel inside the axis-aligned box centre ± half."""
    cells = np.arange(r, dtype=np.float64)

    def overlap(c: float, h: float) -> np.ndarray:
        return np.clip(np.minimum(cells + 1, c + h) - np.maximum(cells, c - h), 0, 1)

    return np.outer(overlap(centre[1], half[1]), overlap(centre[0], half[0])).astype(np.float32)
