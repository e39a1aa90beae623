"""The views' geometry as plain numbers: a picture fitted into a widget; where photo pixels
land in the editor canvas, and back.

A view is a `scale` (screen pixels per photo pixel) and an `offset` (the widget point of the
photo's origin, its top-left corner): widget = offset + scale · photo. Points are (x, y); sizes
are (height, width), like `np.ndarray.shape` and `PhotoCanvas.image_size()`. Nothing here
imports Qt, so the tests check the arithmetic without a widget.
"""

from __future__ import annotations

import math

Point = tuple[float, float]
Size = tuple[float, float]

ZOOM_LIMITS = (0.01, 32.0)


def clamp(value: float, limits: tuple[float, float]) -> float:
    return min(max(value, limits[0]), limits[1])


def to_photo(point: Point, scale: float, offset: Point) -> Point:
    """A widget point → photo coordinates under the view (scale, offset)."""
    return (point[0] - offset[0]) / scale, (point[1] - offset[1]) / scale


def to_widget(point: Point, scale: float, offset: Point) -> Point:
    """Photo coordinates → the widget point under the view (scale, offset)."""
    return offset[0] + point[0] * scale, offset[1] + point[1] * scale


def fit_view(image_size: Size, widget_size: Size, margin: float,
             limits: tuple[float, float] = ZOOM_LIMITS) -> tuple[float, float, float]:
    """(scale, offset_x, offset_y) that shows the whole image centred in the widget, at least
    `margin` screen pixels from every edge (as far as the zoom limits allow)."""
    image_h, image_w = image_size
    widget_h, widget_w = widget_size
    # A widget narrower than its margins still gets a positive scale; the limits bound it anyway.
    available_w, available_h = max(widget_w - 2 * margin, 1.0), max(widget_h - 2 * margin, 1.0)
    scale = clamp(min(available_w / image_w, available_h / image_h), limits)
    return scale, (widget_w - image_w * scale) / 2, (widget_h - image_h * scale) / 2


def zoom_about(scale: float, offset: Point, anchor: Point, factor: float,
               limits: tuple[float, float] = ZOOM_LIMITS) -> tuple[float, Point]:
    """Multiply the scale by `factor` (clamped to `limits`) keeping the photo point under the
    widget point `anchor` where it is. Returns (scale, offset)."""
    return zoom_to(scale, offset, anchor, scale * factor, limits)


def zoom_to(scale: float, offset: Point, anchor: Point, new_scale: float,
            limits: tuple[float, float] = ZOOM_LIMITS) -> tuple[float, Point]:
    """Like `zoom_about`, to the scale `new_scale` (clamped to `limits`)."""
    photo = to_photo(anchor, scale, offset)
    new_scale = clamp(new_scale, limits)
    return new_scale, (anchor[0] - photo[0] * new_scale, anchor[1] - photo[1] * new_scale)


def pixel_at(point: Point, image_size: Size) -> tuple[int, int] | None:
    """The (row, column) of the photo pixel that covers photo point `point`, or None outside."""
    row, column = math.floor(point[1]), math.floor(point[0])
    if 0 <= row < image_size[0] and 0 <= column < image_size[1]:
        return row, column
    return None


def visible_box(image_size: Size, widget_size: Size, scale: float,
                offset: Point) -> tuple[int, int, int, int] | None:
    """The whole photo pixels that show in the widget, as (left, top, right, bottom), right and
    bottom exclusive; None when none show.

    Drawing only these keeps the painter's coordinates small at high zoom on a large photo.
    """
    left, top = to_photo((0.0, 0.0), scale, offset)
    right, bottom = to_photo((widget_size[1], widget_size[0]), scale, offset)
    box = (max(math.floor(left), 0), max(math.floor(top), 0),
           min(math.ceil(right), int(image_size[1])), min(math.ceil(bottom), int(image_size[0])))
    return box if box[0] < box[2] and box[1] < box[3] else None


def pyramid_level(scale: float) -> int:
    """Which halving of the photo to draw at `scale`: the smallest image still at least as large
    as what is shown, so a smooth (bilinear) draw never skips source pixels, i.e. never aliases."""
    return 0 if scale >= 1 else math.floor(math.log2(1 / scale) + 1e-9)


def arrow_head(tail: Point, tip: Point, length: float,
               spread_degrees: float = 25.0) -> tuple[Point, Point] | None:
    """The two outer corners of an arrowhead of `length` at `tip`, pointing away from `tail`;
    None when tail and tip coincide (no direction)."""
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    if math.hypot(dx, dy) == 0:
        return None
    back = math.atan2(-dy, -dx)
    spread = math.radians(spread_degrees)
    left, right = back - spread, back + spread
    return ((tip[0] + length * math.cos(left), tip[1] + length * math.sin(left)),
            (tip[0] + length * math.cos(right), tip[1] + length * math.sin(right)))


def fit_rect(image: tuple[int, int], area: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x, y, width, height) of an image of size (width, height) scaled to fit inside `area`
    (width, height) whole, aspect kept, centred; all zeros when either is empty."""
    (iw, ih), (aw, ah) = image, area
    if min(iw, ih, aw, ah) <= 0:
        return 0, 0, 0, 0
    scale = min(aw / iw, ah / ih)
    width, height = max(1, round(iw * scale)), max(1, round(ih * scale))
    return (aw - width) // 2, (ah - height) // 2, width, height
