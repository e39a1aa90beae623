"""Strokes as plain data, their file format, and their rasterization into the model's frame.

What the user asks for is kept as data in PHOTO pixel coordinates (x to the right, y down, a
pixel's centre at i + 0.5), independent of any model: color, sketch and eraser strokes (polylines
with a brush width), warps (move a square patch) and layers (per-pixel masks read from PNG files).
A `StrokeSet` holds them in drawing order: a later item paints over an earlier one, and an eraser
removes what was drawn before it, of every kind.

`rasterize` turns a StrokeSet into `Targets` at the model's resolution through a `Frame`; the
costs that compare generated images with those targets live in `constraints`.

The file format ("igan-strokes/1", documented in docs/strokes.md) is JSON; reading validates every
field and raises one `StrokesError` whose message names the file, the item and the problem.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from igan_app.engine.frame import Frame

# imaging's private helpers: its safe reader (formats, pixel limit, EXIF) and its atomic
# writer; it has no public RGBA reader, and layers need the alpha that read_image composites.
from igan_app.imaging import _DECODE_ERRORS, _decode, _open, _write_atomic

FORMAT = "igan-strokes/1"
STROKE_KINDS = ("color", "sketch", "eraser")
LAYER_KINDS = ("color", "sketch")
# Every kind an item of the file can have, in the order the docs list them.
ITEM_KINDS = ("color", "sketch", "eraser", "warp", "color_layer", "sketch_layer")

# Sub-pixels per model pixel along each axis when drawing strokes; the coverage is their mean,
# so edges are antialiased in steps of 1/16.
SUPERSAMPLE = 4
# Sketch layers: an opaque pixel is a line when its luma (ITU-R 601, 0-255) is below this.
DARK_LUMA = 128
# Canny thresholds on 0-255 gray for the edges a warp carries along. Generated images at 64 px
# are soft, so they sit below OpenCV's usual 100/200.
WARP_EDGE_THRESHOLDS = (40, 100)

PathLike = str | os.PathLike[str]


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


@dataclass(frozen=True)
class StrokeSet:
    """Everything the user asked of one photo, in drawing order.

    photo_size: (height, width) of the photo the coordinates refer to.
    items: strokes, warps and layers; later ones paint over earlier ones, erasers remove what is
    before them. Every item must reach into the photo (partly outside is fine: it is clipped).
    """

    photo_size: tuple[int, int]
    items: tuple[Item, ...] = ()

    def __post_init__(self) -> None:
        size = self.photo_size
        if (
            not isinstance(size, (Sequence, np.ndarray)) or isinstance(size, str) or len(size) != 2
            or not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0
                       for v in size)
        ):
            raise StrokesError(f"photo size must be two positive integers (height, width), "
                               f"got {size!r}")
        object.__setattr__(self, "photo_size", (int(size[0]), int(size[1])))
        items = tuple(self.items)
        for index, item in enumerate(items):
            if not isinstance(item, (Stroke, Warp, Layer)):
                raise StrokesError(f"item {index}: not a Stroke, Warp or Layer: {item!r}")
            problem = _outside_problem(item, self.photo_size)
            if problem:
                raise StrokesError(f"item {index} ({_json_kind(item)}): {problem}")
        object.__setattr__(self, "items", items)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing at all (callers refuse to edit with no strokes)."""
        return not self.items

    def add(self, *items: Item) -> StrokeSet:
        """A new set with `items` drawn after the existing ones."""
        return StrokeSet(self.photo_size, self.items + items)

    def to_json(self) -> str:
        """The "igan-strokes/1" text: one item per line, so that files diff well."""
        height, width = self.photo_size
        lines = [json.dumps(_item_to_dict(item), separators=(", ", ": ")) for item in self.items]
        body = ",\n    ".join(lines)
        items = f"[\n    {body}\n  ]" if lines else "[]"
        return (f'{{\n  "format": "{FORMAT}",\n  "photo_size": {{"width": {width}, '
                f'"height": {height}}},\n  "items": {items}\n}}\n')

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> StrokeSet:
        """Parse a strokes file: a path, or a `str` holding the JSON text itself (recognised by
        its first non-blank character, "{" or "["). Validates every field; raises StrokesError."""
        if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
            return _parse(source, "<strokes>")
        path = os.fspath(source)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            raise StrokesError(f"{path}: file not found") from None
        except IsADirectoryError:
            raise StrokesError(f"{path}: is a folder, not a strokes file") from None
        except UnicodeDecodeError as exc:
            raise StrokesError(f"{path}: not a UTF-8 text file ({exc.reason} at byte "
                               f"{exc.start})") from None
        except OSError as exc:
            raise StrokesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        return _parse(text, path)

    def save(self, path: PathLike) -> None:
        """Write `to_json()` to `path` atomically (temporary file, then rename)."""
        data = self.to_json().encode("utf-8")
        _write_atomic(path, lambda f: f.write(data))


def _json_kind(item: Item) -> str:
    return f"{item.kind}_layer" if isinstance(item, Layer) else item.kind


# ---------------------------------------------------------------------------------------------
# Validation against the photo


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


# ---------------------------------------------------------------------------------------------
# JSON

_STROKE_KEYS = {"color": ("points", "width", "color"), "sketch": ("points", "width"),
                "eraser": ("points", "width")}
_KEYS = {**_STROKE_KEYS, "warp": ("source", "size", "destination"),
         "color_layer": ("png",), "sketch_layer": ("png",)}


def _item_to_dict(item: Item) -> dict:
    if isinstance(item, Stroke):
        data = {"kind": item.kind, "width": item.width, "points": [list(p) for p in item.points]}
        if item.color is not None:
            data["color"] = list(item.color)
        return data
    if isinstance(item, Warp):
        return {"kind": "warp", "source": list(item.source), "size": item.size,
                "destination": list(item.destination)}
    return {"kind": _json_kind(item), "png": base64.b64encode(_layer_png(item)).decode("ascii")}


def _parse(text: str, name: str) -> StrokeSet:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise StrokesError(f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}") from None
    except StrokesError as exc:
        raise StrokesError(f"{name}: {exc}") from None
    try:
        return _from_dict(data)
    except StrokesError as exc:
        raise StrokesError(f"{name}: {exc}") from None


def _reject_constant(word: str) -> None:
    # Python's json reads NaN and Infinity, which are not JSON and not coordinates.
    raise StrokesError(f"{word} is not a number JSON allows")


def _from_dict(data: object) -> StrokeSet:
    if not isinstance(data, dict):
        raise StrokesError(f"expected a JSON object with \"format\", \"photo_size\" and "
                           f"\"items\", got {type(data).__name__}")
    tag = data.get("format")
    if tag != FORMAT:
        found = "no \"format\" field" if tag is None else f"format {tag!r}"
        raise StrokesError(f"not a strokes file: {found}, expected \"format\": \"{FORMAT}\"")
    _check_keys(data, ("format", "photo_size", "items"), "the file")
    size = data["photo_size"]
    if not isinstance(size, dict) or set(size) != {"width", "height"}:
        raise StrokesError(f"photo_size must be {{\"width\": W, \"height\": H}}, got {size!r}")
    items = data["items"]
    if not isinstance(items, list):
        raise StrokesError(f"items must be a list, got {type(items).__name__}")
    photo_size = (size["height"], size["width"])
    try:
        StrokeSet(photo_size)  # the size first, so that a bad one is not blamed on an item
    except StrokesError:
        raise StrokesError(f"photo_size must hold two positive integers, got {size!r}") from None
    parsed = [_item_from_dict(item, index, photo_size) for index, item in enumerate(items)]
    return StrokeSet(photo_size, tuple(parsed))


def _check_keys(data: dict, required: Sequence[str], where: str,
                optional: Sequence[str] = ()) -> None:
    missing = [k for k in required if k not in data]
    if missing:
        raise StrokesError(f"{where} has no \"{missing[0]}\"")
    allowed = (*required, *optional)
    unknown = sorted(set(data) - set(allowed) - {"kind"})
    if unknown:
        raise StrokesError(f"{where} has an unknown field \"{unknown[0]}\"; its fields are "
                           f"{', '.join(allowed)}")


def _item_from_dict(data: object, index: int, photo_size: tuple[int, int]) -> Item:
    if not isinstance(data, dict):
        raise StrokesError(f"item {index} must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in _KEYS:
        found = "has no \"kind\"" if kind is None else f"has an unknown kind {kind!r}"
        raise StrokesError(f"item {index} {found}; kinds are {', '.join(ITEM_KINDS)}")
    where = f"item {index} ({kind})"
    try:
        # "color": null (or a color, refused by Stroke) is tolerated on sketch and eraser strokes.
        optional = ("color",) if kind in _STROKE_KEYS else ()
        _check_keys(data, _KEYS[kind], "it", optional)
        if kind in _STROKE_KEYS:
            return Stroke(kind, data["points"], data["width"], data.get("color"))
        if kind == "warp":
            return Warp(data["source"], data["size"], data["destination"])
        return _layer_from_png(_base64(data["png"]), kind.removesuffix("_layer"), photo_size)
    except StrokesError as exc:
        raise StrokesError(f"{where}: {exc}") from None


def _base64(value: object) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise StrokesError("\"png\" must be a base64 string of a PNG file")


# ---------------------------------------------------------------------------------------------
# PNG layers


def read_layer(path: PathLike, kind: str, photo_size: tuple[int, int]) -> Layer:
    """Read a layer PNG (any format `imaging` reads) of the photo's size.

    Color layer ("color"): RGBA; every pixel with alpha > 0 asks for its RGB. A file without
    transparency is refused, since it would ask for every pixel of the photo.
    Sketch layer ("sketch"): every opaque pixel (alpha > 0 when the file has alpha, else every
    pixel) that is dark (luma < 128) is a line.
    Raises StrokesError naming the file for a wrong size or a color layer without alpha, and
    `imaging.ImageError` for a file that is not a readable image.
    """
    if kind not in LAYER_KINDS:
        raise ValueError(f"layer kind must be one of {LAYER_KINDS}, got {kind!r}")
    try:
        with _open(path, None) as im:
            _check_layer_size(im.size, photo_size)  # from the header, before decoding
            rgba, has_alpha = _rgba(_decode(im, path))
        return _layer_from_rgba(rgba, has_alpha, kind, photo_size)
    except StrokesError as exc:
        raise StrokesError(f"{os.fspath(path)}: {kind} layer: {exc}") from None


def from_layers(color_layer: PathLike | None, sketch_layer: PathLike | None,
                photo_size: tuple[int, int]) -> StrokeSet:
    """A StrokeSet of the given layer files (color first); a layer with nothing set is left out,
    so that `is_empty` tells when the files ask for nothing."""
    items = []
    for path, kind in ((color_layer, "color"), (sketch_layer, "sketch")):
        if path is not None:
            layer = read_layer(path, kind, photo_size)
            if layer.mask.any():
                items.append(layer)
    return StrokeSet(photo_size, tuple(items))


def _rgba(im: Image.Image) -> tuple[np.ndarray, bool]:
    has_alpha = im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info
    return np.asarray(im.convert("RGBA")), has_alpha


def _check_layer_size(size: tuple[int, int], photo_size: tuple[int, int]) -> None:
    """size: (width, height) as Pillow gives it; photo_size: (height, width)."""
    if (size[1], size[0]) != tuple(photo_size):
        raise StrokesError(f"the layer is {size[0]}×{size[1]} pixels, the photo is "
                           f"{photo_size[1]}×{photo_size[0]}; a layer must be the photo's size")


def _layer_from_rgba(rgba: np.ndarray, has_alpha: bool, kind: str,
                     photo_size: tuple[int, int]) -> Layer:
    _check_layer_size((rgba.shape[1], rgba.shape[0]), photo_size)
    opaque = rgba[..., 3] > 0
    if kind == "color":
        if not has_alpha:
            raise StrokesError("a color layer needs transparency (RGBA): every pixel with "
                               "alpha > 0 is a color constraint")
        return Layer("color", opaque, np.ascontiguousarray(rgba[..., :3]))
    luma = rgba[..., :3].astype(np.int32) @ np.array([299, 587, 114], np.int32)
    dark = luma < DARK_LUMA * 1000
    return Layer("sketch", dark & opaque if has_alpha else dark)


def _layer_png(layer: Layer) -> bytes:
    """The layer as PNG bytes that `_layer_from_rgba` reads back to the same layer."""
    alpha = np.where(layer.mask, 255, 0).astype(np.uint8)
    if layer.kind == "color":
        im = Image.fromarray(np.dstack([layer.colors, alpha]), "RGBA")
    else:
        gray = np.where(layer.mask, 0, 255).astype(np.uint8)  # black lines
        im = Image.fromarray(np.dstack([gray, alpha]), "LA")
    buffer = io.BytesIO()
    im.save(buffer, format="PNG")
    return buffer.getvalue()


def _layer_from_png(data: bytes, kind: str, photo_size: tuple[int, int]) -> Layer:
    try:
        with Image.open(io.BytesIO(data), formats=("PNG",)) as im:
            _check_layer_size(im.size, photo_size)
            im.load()
            rgba, has_alpha = _rgba(im)
    except StrokesError:
        raise
    except UnidentifiedImageError:
        raise StrokesError("\"png\" holds no PNG image") from None
    except _DECODE_ERRORS as exc:  # Pillow reports bad data with many exception types
        raise StrokesError(f"\"png\" is not a readable PNG ({exc})") from None
    return _layer_from_rgba(rgba, has_alpha, kind, photo_size)


# ---------------------------------------------------------------------------------------------
# Rasterization


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
