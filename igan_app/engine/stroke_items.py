"""The items of a strokes set, as plain data in PHOTO pixel coordinates, validated.

x runs to the right, y down, a pixel's centre is at i + 0.5, independent of any model: color,
sketch and eraser strokes (polylines with a brush width), warps (move a square patch) and layers
(per-pixel masks). `check_items` checks them against a photo's size; `strokes.StrokeSet` holds
them in drawing order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np

STROKE_KINDS = ("color", "sketch", "eraser")
LAYER_KINDS = ("color", "sketch")


class StrokesError(ValueError):
    """Strokes that cannot be used; the message is one line, naming the file (when there is one),
    the item and the problem."""


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _point(value: object, what: str) -> tuple[float, float]:
    """A finite (x, y) pair of numbers as floats, or StrokesError naming `what`."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (Sequence, np.ndarray)):
        raise StrokesError(f"{what} must be an [x, y] pair of numbers, got {value!r}")
    if len(value) != 2 or not all(_is_number(v) for v in value):
        raise StrokesError(f"{what} must be an [x, y] pair of finite numbers, got {_show(value)}")
    return float(value[0]), float(value[1])


def _show(value: object) -> str:
    return repr(value.tolist() if isinstance(value, np.ndarray) else list(value))


def _positive(value: object, what: str) -> float:
    if not _is_number(value) or value <= 0:
        raise StrokesError(f"{what} must be a positive number of photo pixels, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Stroke:
    """A brush stroke: a polyline in photo pixels, drawn with a round brush.

    kind: "color" (asks for `color` under the brush), "sketch" (asks for an edge along the line,
    and for no other edge close to it) or "eraser" (removes everything drawn before it).
    points: ((x, y), ...) photo pixel coordinates, at least one (a single point is a dot).
    width: the brush diameter in photo pixels, > 0.
    color: (r, g, b) ints 0-255 for a color stroke; None for the other kinds.
    """

    kind: str
    points: tuple[tuple[float, float], ...]
    width: float
    color: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in STROKE_KINDS:
            raise StrokesError(f"unknown stroke kind {self.kind!r}; a stroke is one of "
                               f"{', '.join(STROKE_KINDS)}")
        raw = self.points
        if isinstance(raw, (str, bytes, dict)) or not isinstance(raw, (Iterable, np.ndarray)):
            raise StrokesError(f"points must be a list of [x, y] pairs, got {raw!r}")
        points = tuple(_point(p, f"point {i}") for i, p in enumerate(raw))
        if not points:
            raise StrokesError("a stroke needs at least one point, got none")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "width", _positive(self.width, "width"))
        if self.kind == "color":
            object.__setattr__(self, "color", _rgb(self.color))
        elif self.color is not None:
            raise StrokesError(f"a {self.kind} stroke has no color, got {self.color!r}")


def _rgb(value: object) -> tuple[int, int, int]:
    if (
        isinstance(value, (str, bytes, dict))
        or not isinstance(value, (Sequence, np.ndarray))
        or len(value) != 3
        or not all(isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v <= 255
                   for v in value)
    ):
        raise StrokesError(f"color must be three integers 0-255 [r, g, b], got {value!r}")
    return int(value[0]), int(value[1]), int(value[2])


@dataclass(frozen=True)
class Warp:
    """Move a square patch: the patch of the current generated image centred on `source` is asked
    for, colors and edges, centred on `destination`.

    source, destination: (x, y) photo pixel coordinates of the patch's centre.
    size: the side of the square patch in photo pixels, > 0.
    """

    source: tuple[float, float]
    size: float
    destination: tuple[float, float]
    kind: ClassVar[str] = "warp"

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _point(self.source, "source"))
        object.__setattr__(self, "destination", _point(self.destination, "destination"))
        object.__setattr__(self, "size", _positive(self.size, "size"))


@dataclass(frozen=True, eq=False)
class Layer:
    """A per-pixel stroke layer at photo size, as read from a PNG by `read_layer`.

    kind: "color" or "sketch".
    mask: (H, W) bool, the pixels the layer asks for (color) or the line pixels (sketch).
    colors: (H, W, 3) uint8 RGB asked for under the mask (color layers; 0 elsewhere); None for
    sketch layers. The arrays are stored read-only.
    """

    kind: str
    mask: np.ndarray
    colors: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise StrokesError(f"unknown layer kind {self.kind!r}; a layer is color or sketch")
        mask = np.asarray(self.mask)
        if mask.ndim != 2 or mask.dtype != bool:
            raise StrokesError(f"a layer mask must be a (H, W) bool array, got {mask.dtype} "
                               f"{mask.shape}")
        colors = self.colors
        if self.kind == "color":
            colors = np.asarray(colors) if colors is not None else None
            if colors is None or colors.dtype != np.uint8 or colors.shape != (*mask.shape, 3):
                raise StrokesError(f"a color layer needs (H, W, 3) uint8 colors matching its "
                                   f"{mask.shape} mask")
            colors = np.where(mask[..., None], colors, 0).astype(np.uint8)
            colors.setflags(write=False)
        elif colors is not None:
            raise StrokesError("a sketch layer has no colors")
        mask = mask.copy()
        mask.setflags(write=False)
        object.__setattr__(self, "mask", mask)
        object.__setattr__(self, "colors", colors)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in photo pixels."""
        return self.mask.shape

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layer):
            return NotImplemented
        same_colors = (self.colors is None and other.colors is None) or (
            self.colors is not None and other.colors is not None
            and np.array_equal(self.colors, other.colors))
        return self.kind == other.kind and np.array_equal(self.mask, other.mask) and same_colors

    __hash__ = None  # arrays are not hashable


Item = Stroke | Warp | Layer


def item_kind(item: Item) -> str:
    """The item's kind as a strokes file names it: a stroke's kind, "warp", or "color_layer" and
    "sketch_layer" for layers."""
    return f"{item.kind}_layer" if isinstance(item, Layer) else item.kind


# ---------------------------------------------------------------------------------------------
# Validation against the photo


def check_photo_size(size: object) -> tuple[int, int]:
    """`size` as (height, width) ints, or StrokesError when it is not two positive integers."""
    if (
        not isinstance(size, (Sequence, np.ndarray)) or isinstance(size, str) or len(size) != 2
        or not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0
                   for v in size)
    ):
        raise StrokesError(f"photo size must be two positive integers (height, width), "
                           f"got {size!r}")
    return int(size[0]), int(size[1])


def check_items(items: Iterable[object], photo_size: tuple[int, int]) -> tuple[Item, ...]:
    """`items` as a tuple, or StrokesError naming the first that is not a Stroke, Warp or Layer,
    or that does not reach into a photo of `photo_size` (height, width)."""
    items = tuple(items)
    for index, item in enumerate(items):
        if not isinstance(item, (Stroke, Warp, Layer)):
            raise StrokesError(f"item {index}: not a Stroke, Warp or Layer: {item!r}")
        problem = _outside_problem(item, photo_size)
        if problem:
            raise StrokesError(f"item {index} ({item_kind(item)}): {problem}")
    return items


def _outside_problem(item: Item, photo_size: tuple[int, int]) -> str | None:
    """Why `item` cannot apply to a photo of `photo_size`, or None when it reaches into it."""
    height, width = photo_size
    where = f"the {width}×{height} photo"
    if isinstance(item, Layer):
        if item.size != photo_size:
            return (f"the layer is {item.size[1]}×{item.size[0]} pixels, {where} needs a layer "
                    f"of its own size")
        return None
    if isinstance(item, Warp):
        half = item.size / 2
        for name, (x, y) in (("source", item.source), ("destination", item.destination)):
            if not _segment_meets_box((x, y), (x, y), (-half, -half, width + half, height + half)):
                return f"the {name} patch at ({x:g}, {y:g}) lies entirely outside {where}"
        return None
    # The brush reaches width / 2 beyond the line; the box grown by that much is a slight
    # overestimate at the corners, where such a stroke rasterizes to nothing, harmlessly.
    r = item.width / 2
    box = (-r, -r, width + r, height + r)
    points = item.points
    segments = itertools.pairwise(points) if len(points) > 1 else [(points[0], points[0])]
    if not any(_segment_meets_box(p, q, box) for p, q in segments):
        return f"the stroke lies entirely outside {where}"
    return None


def _segment_meets_box(p: tuple[float, float], q: tuple[float, float],
                       box: tuple[float, float, float, float]) -> bool:
    """Whether segment pq touches the closed box (left, top, right, bottom) (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    for start, delta, lo, hi in ((p[0], q[0] - p[0], box[0], box[2]),
                                 (p[1], q[1] - p[1], box[1], box[3])):
        if delta == 0:
            if not lo <= start <= hi:
                return False
            continue
        a, b = (lo - start) / delta, (hi - start) / delta
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 > t1:
            return False
    return True
