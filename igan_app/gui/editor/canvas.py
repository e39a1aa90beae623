"""The photo editor's canvas: shows a photo, lets the user paint strokes on it, emits them as data.

`PhotoCanvas` is thin: it draws what it is given (a photo, a `StrokeSet`, an edit region) and
turns mouse drags into engine items (`Stroke`, `Warp`) in photo pixel coordinates, which it emits;
a controller decides what they mean. Qt types stay inside: the signals carry engine items,
(r, g, b) tuples and floats. The view arithmetic lives in `gui.geometry`.

Mouse: left drag paints with the current tool; middle drag, or left drag with the "pan" tool or
while Space is held, pans; Ctrl+wheel zooms about the cursor; the plain wheel changes the brush
width (as in iGAN); Escape drops the stroke being drawn.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PySide6 import QtGui
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from igan_app.engine.strokes import Layer, Stroke, StrokeSet, Warp
from igan_app.gui import geometry
from igan_app.gui.editor import painting
from igan_app.gui.geometry import Point, clamp
from igan_app.gui.images import from_qcolor, to_qimage
from igan_app.gui.settings import BRUSH_TOOLS

TOOLS = (*BRUSH_TOOLS, "eyedropper", "pan")
BRUSH_LIMITS = (1.0, 400.0)  # brush diameter (the warp's patch side), photo pixels
BRUSH_WHEEL_STEP = 1.15  # brush width factor per wheel notch
ZOOM_WHEEL_STEP = 1.25  # zoom factor per Ctrl+wheel notch
FIT_MARGIN = 8.0  # screen pixels around a fitted photo
MIN_POINT_SPACING = 0.5  # screen pixels between consecutive stroke points
OVERLAY_SETTLE_MS = 80  # the strokes are drawn again this long after the view stops moving
BACKGROUND = QColor(48, 48, 48)


class PhotoCanvas(QWidget):
    """A zoomable, pannable view of one photo with a strokes overlay and painting tools.

    Coordinates in the API are photo pixels of the image given to `set_image` (x right, y down;
    pixel (i, j) covers x in [j, j+1), y in [i, i+1)); widget points are QPointF.

    Signals:
        strokeChanged(item)      while dragging, the Stroke or Warp so far, after each new point
        strokeFinished(item)     the final Stroke or Warp, on release
        strokeCancelled()        the drag was dropped (Escape, or a photo of another size)
        colorPicked(rgb)         eyedropper click: the shown photo's (r, g, b) there
        brushWidthChanged(width) the plain wheel changed the brush width (photo pixels)
        zoomChanged(scale)       the screen pixels per photo pixel changed
    """

    strokeChanged = Signal(object)
    strokeFinished = Signal(object)
    strokeCancelled = Signal()
    colorPicked = Signal(object)
    brushWidthChanged = Signal(float)
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)  # the brush outline follows the mouse with no button held
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Escape and Space
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._photo: painting.PhotoLevels | None = None
        self._size: tuple[int, int] | None = None
        self._scale, self._offset, self._fitted = 1.0, (0.0, 0.0), True
        self._region: tuple[int, int, int, int] | None = None
        self._inset: tuple[tuple[int, int, int, int], QImage] | None = None
        self._strokes: StrokeSet | None = None
        self._layer_images: dict[int, tuple[Layer, QImage]] = {}
        self._overlay: QImage | None = None  # the strokes, rendered for `_overlay_view`
        self._overlay_view: tuple[float, Point] = (1.0, (0.0, 0.0))
        self._settle = QTimer(self, singleShot=True, interval=OVERLAY_SETTLE_MS)
        self._settle.timeout.connect(self._drop_overlay)
        self._overlay_visible = True
        self._tool, self._brush_width, self._brush_color = "color", 12.0, (255, 0, 0)
        self._drawing: Stroke | Warp | None = None
        self._pan_from: QPointF | None = None
        self._pan_button = Qt.MouseButton.NoButton
        self._space_held = False
        self._mouse: QPointF | None = None
        self._update_cursor()

    # ---- content ------------------------------------------------------------------------------

    def set_image(self, array: np.ndarray | None) -> None:
        """Show an RGB uint8 (H, W, 3) photo, or nothing. A photo of a new size is fitted to the
        window; one of the same size keeps the zoom and pan (original and edited views)."""
        if array is None:
            self._photo, self._size = None, None
            self._cancel_drawing()
        else:
            self._photo = painting.PhotoLevels(to_qimage(array))
            if array.shape[:2] != self._size:
                self._size = (int(array.shape[0]), int(array.shape[1]))
                self._cancel_drawing()
                self.fit()
        self.update()

    def image_size(self) -> tuple[int, int] | None:
        """(height, width) of the photo shown, or None."""
        return self._size

    def set_region(self, box: tuple[int, int, int, int] | None) -> None:
        """Outline (left, top, right, bottom) photo pixels (the edit region), or nothing."""
        if box is not None and len(box) != 4:
            raise ValueError(f"a region is (left, top, right, bottom), got {box!r}")
        self._region = None if box is None else (int(box[0]), int(box[1]), int(box[2]),
                                                 int(box[3]))
        self.update()

    def set_inset(self, box: tuple[int, int, int, int] | None,
                  picture: np.ndarray | None) -> None:
        """Draw a generated picture (RGB uint8, any size) stretched over `box` of the photo, or
        nothing: the editor shows the model's proposal in place without recomposing the photo."""
        if box is None or picture is None:
            self._inset = None
        else:
            left, top, right, bottom = (int(v) for v in box)
            self._inset = ((left, top, right, bottom), to_qimage(picture))
        self.update()

    def set_strokes(self, strokes: StrokeSet | None) -> None:
        """Draw these committed items as the overlay (None: no overlay)."""
        self._strokes = strokes
        old, self._layer_images = self._layer_images, {}
        for item in strokes.items if strokes is not None else ():
            if isinstance(item, Layer):  # layers are big: keep the pictures of unchanged ones
                kept = old.get(id(item))
                image = (kept[1] if kept is not None and kept[0] is item
                         else painting.layer_image(item))
                self._layer_images[id(item)] = (item, image)
        self._overlay = None
        self.update()

    def set_overlay_visible(self, visible: bool) -> None:
        """Show or hide the strokes overlay; the region outline and the stroke being drawn stay."""
        self._overlay_visible = bool(visible)
        self.update()

    def overlay_visible(self) -> bool:
        return self._overlay_visible

    def set_tool(self, name: str) -> None:
        """Choose what a left drag does: one of `TOOLS`."""
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r}; the tools are {', '.join(TOOLS)}")
        self._tool = name
        self._update_cursor()

    def set_brush(self, width: float, color: tuple[int, int, int]) -> None:
        """The brush diameter in photo pixels (clamped to `BRUSH_LIMITS`; the warp's patch side)
        and the color tool's (r, g, b). Emits nothing: brushWidthChanged reports the user."""
        self._brush_width = clamp(float(width), BRUSH_LIMITS)
        self._brush_color = (int(color[0]), int(color[1]), int(color[2]))
        self.update()

    def brush_width(self) -> float:
        return self._brush_width

    # ---- view ---------------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole photo, centred; it stays fitted through resizes until the user zooms or
        pans."""
        self._fitted = True
        if self._size is not None:
            scale, x, y = geometry.fit_view(self._size, (self.height(), self.width()), FIT_MARGIN)
            self._set_view(scale, (x, y), fitted=True)

    def zoom(self) -> float:
        """Screen pixels per photo pixel."""
        return self._scale

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to `scale` (clamped to `geometry.ZOOM_LIMITS`), keeping the photo point under
        the widget point `anchor` (None: the widget's centre) where it is."""
        at = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        self._set_view(*geometry.zoom_to(self._scale, self._offset, (at.x(), at.y()), scale))

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiply the zoom by `factor`; `anchor` as for `set_zoom`."""
        self.set_zoom(self._scale * factor, anchor)

    def photo_point(self, widget_point: QPointF) -> tuple[float, float]:
        """The photo (x, y) under a widget point."""
        return geometry.to_photo((widget_point.x(), widget_point.y()), self._scale, self._offset)

    def widget_point(self, photo_xy: tuple[float, float]) -> QPointF:
        """The widget point over a photo (x, y)."""
        return QPointF(*geometry.to_widget(photo_xy, self._scale, self._offset))

    def _set_view(self, scale: float, offset: Point, fitted: bool = False) -> None:
        changed = scale != self._scale
        self._scale, self._offset, self._fitted = scale, offset, fitted
        # Drawing many strokes takes a while: while the view moves, the overlay drawn for an
        # earlier view is moved with it, and drawn afresh when the view settles.
        self._settle.start()
        self.update()
        if changed:
            self.zoomChanged.emit(scale)

    def _drop_overlay(self) -> None:
        self._overlay = None
        self.update()

    # ---- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        view = (self._scale, self._offset)
        if self._size is not None:
            painting.paint_photo(painter, self._photo, self._size, (self.height(), self.width()),
                                 *view)
            if self._inset is not None:
                painting.paint_inset(painter, *self._inset, *view)
            self._paint_strokes(painter)
        if self._region is not None:
            left, top, right, bottom = self._region
            painting.paint_region(painter, QRectF(self.widget_point((left, top)),
                                                  self.widget_point((right, bottom))))
        if self._mouse is not None and self._tool in BRUSH_TOOLS and not self._panning_tool():
            painting.paint_brush_outline(painter, self._mouse,
                                         max(self._brush_width * self._scale / 2, 1.5),
                                         square=self._tool == "warp")
        painter.end()

    def _paint_strokes(self, painter: QPainter) -> None:
        drawing = self._drawing
        erasing = isinstance(drawing, Stroke) and drawing.kind == "eraser"
        if self._overlay_visible and self._strokes is not None and self._strokes.items:
            overlay, (scale, offset) = self._overlay_image(), self._overlay_view
            if erasing:  # show the eraser's effect before it is committed
                overlay = overlay.copy()
                painting.render_items(overlay, (drawing,), scale, offset, {})
            factor = self._scale / scale  # from the overlay's view to the current one
            painter.save()
            painter.setTransform(painting.photo_transform(
                factor, (self._offset[0] - offset[0] * factor, self._offset[1] - offset[1] * factor)))
            painter.drawImage(QPointF(0, 0), overlay)
            painter.restore()
        if drawing is not None:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setTransform(painting.photo_transform(self._scale, self._offset))
            if erasing:
                painting.paint_line(painter, drawing.points, drawing.width,
                                    painting.ERASER_TRACE, one_path=True)
            else:
                painting.paint_item(painter, drawing, self._scale, None)
            painter.restore()

    def _overlay_image(self) -> QImage:
        if self._overlay is None:
            ratio = self.devicePixelRatioF()
            self._overlay = QImage(max(1, round(self.width() * ratio)),
                                   max(1, round(self.height() * ratio)),
                                   QImage.Format.Format_ARGB32_Premultiplied)
            self._overlay.setDevicePixelRatio(ratio)
            self._overlay.fill(Qt.GlobalColor.transparent)
            self._overlay_view = (self._scale, self._offset)
            layers = {key: image for key, (_, image) in self._layer_images.items()}
            painting.render_items(self._overlay, self._strokes.items, self._scale, self._offset,
                                  layers)
        return self._overlay

    # ---- input --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        button, pos = event.button(), event.position()
        if self._drawing is not None or self._pan_from is not None:
            return  # one gesture at a time
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and self._panning_tool()):
            self._pan_from, self._pan_button = QPointF(pos), button
            self._update_cursor()
            return
        if button != Qt.MouseButton.LeftButton or self._size is None:
            return
        photo = self.photo_point(pos)
        pixel = geometry.pixel_at(photo, self._size)
        if pixel is None:
            return  # strokes must reach into the photo
        if self._tool == "eyedropper":
            self.colorPicked.emit(from_qcolor(self._photo.full.pixelColor(pixel[1], pixel[0])))
        elif self._tool == "warp":
            self._drawing = Warp(photo, self._brush_width, photo)
        else:
            color = self._brush_color if self._tool == "color" else None
            self._drawing = Stroke(self._tool, (photo,), self._brush_width, color)
        self.update()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        self._mouse = QPointF(pos)
        if self._pan_from is not None:
            dx, dy = pos.x() - self._pan_from.x(), pos.y() - self._pan_from.y()
            self._pan_from = QPointF(pos)
            self._set_view(self._scale, (self._offset[0] + dx, self._offset[1] + dy))
        elif self._drawing is not None:
            if self._add_point(pos):
                self.strokeChanged.emit(self._drawing)
        elif self._tool in BRUSH_TOOLS:
            self.update()  # the brush outline moved

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._pan_from is not None and event.button() == self._pan_button:
            self._pan_from = None
            self._update_cursor()
        elif self._drawing is not None and event.button() == Qt.MouseButton.LeftButton:
            self._add_point(event.position())
            item, self._drawing = self._drawing, None
            self.update()
            self.strokeFinished.emit(item)

    def _add_point(self, pos: QPointF) -> bool:
        """Extend the drawing to the photo point under `pos`, unless that is too close."""
        drawing = self._drawing
        last = self.widget_point(
            drawing.destination if isinstance(drawing, Warp) else drawing.points[-1])
        if math.hypot(pos.x() - last.x(), pos.y() - last.y()) < MIN_POINT_SPACING:
            return False
        point = self.photo_point(pos)
        self._drawing = (replace(drawing, destination=point) if isinstance(drawing, Warp)
                         else replace(drawing, points=drawing.points + (point,)))
        self.update()
        return True

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120  # fractional on high-resolution wheels
        if notches == 0:
            event.ignore()
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_WHEEL_STEP ** notches, event.position())
        else:
            width = clamp(self._brush_width * BRUSH_WHEEL_STEP ** notches, BRUSH_LIMITS)
            if width != self._brush_width:
                self._brush_width = width
                self.update()
                self.brushWidthChanged.emit(width)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._drawing is not None:
            self._cancel_drawing()
        elif event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._hold_space(True)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._hold_space(False)
        else:
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QtGui.QFocusEvent) -> None:
        self._hold_space(False)  # Space's release goes to another widget now
        super().focusOutEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._mouse = None
        self.update()
        super().leaveEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self._overlay = None
        if self._fitted:
            self.fit()
        super().resizeEvent(event)

    def _cancel_drawing(self) -> None:
        if self._drawing is not None:
            self._drawing = None
            self.update()
            self.strokeCancelled.emit()

    def _hold_space(self, held: bool) -> None:
        self._space_held = held
        self._update_cursor()

    def _panning_tool(self) -> bool:
        return self._tool == "pan" or self._space_held

    def _update_cursor(self) -> None:
        # Brush tools get a crosshair for the exact point and the brush outline around it.
        self.setCursor(Qt.CursorShape.ClosedHandCursor if self._pan_from is not None
                       else Qt.CursorShape.OpenHandCursor if self._panning_tool()
                       else Qt.CursorShape.CrossCursor)
        self.update()
