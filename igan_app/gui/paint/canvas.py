"""The label canvas: the painted map in its display colors, painted with the mouse.

A thin widget over the tab's `PaintModel`: it turns widget points into map points
(`map_point`, the one place that math happens) and back (`widget_point`), hands the presses,
moves and releases of the left button to the model, and redraws when the model's map or tool
changes. The edits themselves are the model's `Drawing`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from igan_app.gui.geometry import fit_rect
from igan_app.gui.images import to_qimage
from igan_app.gui.paint.model import PaintModel
from igan_app.world.palette import COLORS

BACKGROUND_COLOR = QColor(48, 48, 48)


class LabelCanvas(QWidget):
    """The model's label map scaled to fit the widget, aspect kept, painted with its tool."""

    def __init__(self, model: PaintModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._image = to_qimage(COLORS[model.labels()])
        self._hover: QPointF | None = None
        self.setObjectName("labelCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(256, 256)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        model.mapChanged.connect(self._refresh)
        model.choicesChanged.connect(self.update)

    # --- what the model holds ------------------------------------------------------------------

    def labels(self) -> np.ndarray:
        """A copy of the map: (side, side) uint8 world label ids."""
        return self.model.labels()

    def tool(self) -> str:
        return self.model.drawing.tool

    def label(self) -> int:
        """The label the brush, the line and the fill paint with."""
        return self.model.drawing.label

    def brush(self) -> int:
        """The brush (and line) diameter in map pixels."""
        return self.model.drawing.brush

    def is_drawing(self) -> bool:
        return self.model.drawing.is_drawing()

    def cancel_drawing(self) -> None:
        """Drop the drag in progress: the map goes back to how it was at the press."""
        self.model.cancel_drawing()

    # --- coordinates ---------------------------------------------------------------------------

    def _map_rect(self) -> QRect:
        height, width = self.model.drawing.shape
        return QRect(*fit_rect((width, height), (self.width(), self.height())))

    def _scale(self) -> float:
        rect = self._map_rect()
        return rect.width() / self.model.drawing.shape[1] if rect.width() else 1.0

    def map_point(self, point: QPointF) -> tuple[float, float]:
        """A widget point → map coordinates (x, y), in map pixels."""
        rect, scale = self._map_rect(), self._scale()
        return (point.x() - rect.x()) / scale, (point.y() - rect.y()) / scale

    def widget_point(self, point: tuple[float, float]) -> QPointF:
        """Map coordinates (x, y) → the widget point that shows them."""
        rect, scale = self._map_rect(), self._scale()
        return QPointF(rect.x() + point[0] * scale, rect.y() + point[1] * scale)

    # --- the mouse and the keys ----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.is_drawing():
            event.ignore()
            return
        self.model.press(self.map_point(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self.is_drawing():
            self.model.move(self.map_point(event.position()))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.model.release()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.is_drawing():
            self.cancel_drawing()
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    # --- drawing -------------------------------------------------------------------------------

    def _refresh(self) -> None:
        self._image = to_qimage(COLORS[self.model.labels()])
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND_COLOR)
        rect = self._map_rect()
        painter.drawImage(QRectF(rect), self._image)  # nearest: labels are crisp squares
        if self._hover is not None and self.tool() != "fill" and rect.contains(
                self._hover.toPoint()):
            radius = max(self.brush() * self._scale() / 2, 1.0)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1.0))
            painter.drawEllipse(self._hover, radius, radius)
            painter.setPen(QPen(QColor(0, 0, 0, 160), 1.0))
            painter.drawEllipse(self._hover, radius + 1, radius + 1)


__all__ = ["LabelCanvas"]
