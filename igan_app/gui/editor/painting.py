"""How the photo canvas draws: the photo and its halvings, the generated inset, the strokes, warps
and layers, the region and the brush outlines. QPainter calls only, on data the canvas holds;
what is where on screen is `gui.geometry`'s arithmetic.

Coordinates: the photo is drawn through `photo_transform(scale, offset)` (screen pixels per photo
pixel, then the photo's origin on the widget); items are painted by a painter already in photo
coordinates, with `scale` sizing what is meant in screen pixels.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF, QTransform

from igan_app.engine.strokes import Item, Layer, Stroke, Warp
from igan_app.gui import geometry
from igan_app.gui.geometry import Point
from igan_app.gui.images import to_qcolor, to_qimage

NEAREST_ABOVE = 2.0  # zoom beyond which photo pixels are drawn as squares
SKETCH_INK, SKETCH_HALO = QColor(20, 20, 20), QColor(235, 235, 235)
ERASER_TRACE = QColor(255, 255, 255, 70)  # where the eraser being drawn went
WARP_SOURCE, WARP_DESTINATION = QColor(255, 255, 255), QColor(255, 200, 0)
LAYER_ALPHA = {"color": 160, "sketch": 200}


def photo_transform(scale: float, offset: Point) -> QTransform:
    """From photo pixels to widget pixels."""
    return QTransform(scale, 0, 0, scale, offset[0], offset[1])


class PhotoLevels:
    """A photo as RGB32 (what the raster painter draws fastest, and what the halvings average)
    and its successive halvings, made on demand: a zoomed-out view draws the nearest one, so it
    does not alias."""

    def __init__(self, image: QImage) -> None:
        self._levels = [image.convertToFormat(QImage.Format.Format_RGB32)]

    @property
    def full(self) -> QImage:
        """The photo at its own size."""
        return self._levels[0]

    def level(self, index: int) -> QImage:
        """The photo halved `index` times (down to one pixel)."""
        while len(self._levels) <= index and max(self._levels[-1].size().toTuple()) > 1:
            last = self._levels[-1]
            self._levels.append(last.scaled(
                max(1, math.ceil(last.width() / 2)), max(1, math.ceil(last.height() / 2)),
                Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation))
        return self._levels[min(index, len(self._levels) - 1)]


def paint_photo(painter: QPainter, levels: PhotoLevels, size: tuple[int, int],
                widget_size: tuple[int, int], scale: float, offset: Point) -> None:
    """The visible part of the photo of `size` (H, W) in a widget of `widget_size` (H, W): only
    the visible pixels, so that coordinates stay small at high zoom on a large photo."""
    box = geometry.visible_box(size, widget_size, scale, offset)
    if box is None:
        return
    level = levels.level(geometry.pyramid_level(scale))
    fx, fy = level.width() / size[1], level.height() / size[0]
    left, top, right, bottom = box
    painter.save()
    painter.setTransform(photo_transform(scale, offset))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale <= NEAREST_ABOVE)
    painter.drawImage(QRectF(left, top, right - left, bottom - top), level,
                      QRectF(left * fx, top * fy, (right - left) * fx, (bottom - top) * fy))
    painter.restore()


def paint_inset(painter: QPainter, box: tuple[int, int, int, int], image: QImage, scale: float,
                offset: Point) -> None:
    """A generated picture stretched over `box` (left, top, right, bottom) of the photo."""
    left, top, right, bottom = box
    painter.save()
    painter.setTransform(photo_transform(scale, offset))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(left, top, right - left, bottom - top), image)
    painter.restore()


def paint_region(painter: QPainter, rect: QRectF) -> None:
    """The edit region's outline (widget pixels): white under black dashes, seen on any photo."""
    painter.setPen(QPen(Qt.GlobalColor.white, 1))
    painter.drawRect(rect)
    painter.setPen(QPen(Qt.GlobalColor.black, 1, Qt.PenStyle.DashLine))
    painter.drawRect(rect)


def paint_brush_outline(painter: QPainter, centre: QPointF, radius: float, square: bool) -> None:
    """The brush's outline around the mouse (widget pixels): a circle, or the warp's square."""
    outline = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for color, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255), 1.0)):
        painter.setPen(QPen(color, width))  # light on dark: it shows on any photo
        if square:
            painter.drawRect(outline)
        else:
            painter.drawEllipse(outline)


def render_items(target: QImage, items: tuple[Item, ...], scale: float, offset: Point,
                 layers: dict[int, QImage]) -> None:
    """Paint items in order onto a widget-sized image for the view (scale, offset); erasers
    clear what is below them. `layers` holds the pictures of the Layer items, by id."""
    painter = QPainter(target)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setTransform(photo_transform(scale, offset))
    for item in items:
        paint_item(painter, item, scale, layers.get(id(item)))
    painter.end()


def paint_item(painter: QPainter, item: Item, scale: float, layer: QImage | None) -> None:
    """Draw one item; `scale` (screen px per photo px) sizes what is meant in screen pixels."""
    if isinstance(item, Stroke):
        if item.kind == "eraser":
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            paint_line(painter, item.points, item.width, QColor(0, 0, 0))
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        elif item.kind == "sketch":
            paint_line(painter, item.points, item.width + 3 / scale, SKETCH_HALO)  # 1.5 px a side
            paint_line(painter, item.points, item.width, SKETCH_INK)
        else:
            paint_line(painter, item.points, item.width, to_qcolor(item.color))
    elif isinstance(item, Warp):
        paint_warp(painter, item, scale)
    elif layer is not None:
        painter.drawImage(QRectF(0, 0, item.size[1], item.size[0]), layer)


def paint_line(painter: QPainter, points: tuple[Point, ...], width: float, color: QColor,
               one_path: bool = False) -> None:
    """A round-capped polyline of `width` (a dot for one point); `one_path` for a translucent
    color, which must not build up where segments overlap."""
    if len(points) == 1:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(*points[0]), width / 2, width / 2)
        return
    painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    if one_path:
        painter.drawPolyline(QPolygonF([QPointF(*point) for point in points]))
        return
    # Otherwise one segment at a time, whose round caps make the round joins: Qt strokes a
    # self-crossing path (drawPath, drawPolyline or drawLines) with antialiasing in time that
    # grows far faster than its length, seconds for a few dozen long crossing segments.
    for start, end in pairwise(points):
        painter.drawLine(QLineF(*start, *end))


def paint_warp(painter: QPainter, warp: Warp, scale: float) -> None:
    """The warp's source and destination squares and the arrow between them."""
    half = warp.size / 2
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for (x, y), color in ((warp.source, WARP_SOURCE), (warp.destination, WARP_DESTINATION)):
        pen = QPen(color, 2)
        pen.setCosmetic(True)  # 2 screen pixels at any zoom
        painter.setPen(pen)
        painter.drawRect(QRectF(x - half, y - half, warp.size, warp.size))
    head = geometry.arrow_head(warp.source, warp.destination, 12 / scale)
    lines = [(warp.source, warp.destination)] + [(warp.destination, c) for c in head or ()]
    painter.drawLines([QLineF(*a, *b) for a, b in lines])


def layer_image(layer: Layer) -> QImage:
    """A layer as a semi-transparent picture: its colors (color layer) or a dark mask (sketch)."""
    rgba = np.zeros((*layer.size, 4), np.uint8)
    rgba[..., :3] = layer.colors if layer.colors is not None else 20
    rgba[..., 3] = np.where(layer.mask, LAYER_ALPHA[layer.kind], 0)
    return to_qimage(rgba).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


__all__ = ["PhotoLevels", "layer_image", "paint_brush_outline", "paint_inset", "paint_item",
           "paint_line", "paint_photo", "paint_region", "paint_warp", "photo_transform",
           "render_items"]
