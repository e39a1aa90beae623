"""The paint tab's widgets: the label canvas, the palette and tools panel, and a render pane.

`LabelCanvas` shows a label map in its display colors and lets the mouse paint it. It owns the map being painted. A left drag paints with the current tool: the brush
and the eraser (which paints sky) along the pointer's path, the line from the press to the
pointer (redrawn as it moves), the fill bucket on the press. The edits themselves are
`label_map`'s functions on map pixels; this widget only turns widget points into map points
(`map_point`, the one place that math happens) and back (`widget_point`).

Its signals: changed() when the map changed (while dragging too), edited(step) when an edit
ended and changed the map (one undo step, named `step`).

`ToolPanel` (label swatches, tools, brush size), `RenderPane` (a model picker, its render and
what it took) and `StyleBar` (seed, style picture, deterministic) are plain controls: they emit
what the user picked and show what they are told.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from igan_app.gui.geometry import fit_rect
from igan_app.gui.images import to_pixmap, to_qimage
from igan_app.gui.paint.label_map import BACKGROUND, flood_fill, new_map, stamp_segment
from igan_app.journeys.paint import NO_MODEL, PaintModel
from igan_app.world.palette import COLORS, LABELS, NUM_LABELS

TOOLS = ("brush", "fill", "line", "eraser")
TOOL_STEPS = {"brush": "brush stroke", "fill": "fill", "line": "line", "eraser": "eraser stroke"}
TOOL_KEYS = {"brush": "B", "fill": "F", "line": "L", "eraser": "E"}
TOOL_TIPS = {"brush": "Paint the chosen label", "fill": "Fill the connected region clicked",
             "line": "Drag a straight line", "eraser": "Paint sky"}
SEED_SLIDER_MAX = 999  # the slider browses the first styles, the box takes any seed
THUMBNAIL_SIDE = 40
BRUSH_LIMITS = (1, 128)  # brush diameter, map pixels
BACKGROUND_COLOR = QColor(48, 48, 48)


class LabelCanvas(QWidget):
    """A label map scaled to fit the widget, aspect kept, painted with the current tool."""

    changed = Signal()
    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = new_map()
        self._image = to_qimage(COLORS[self._labels])
        self._tool, self._label, self._brush = "brush", 7, 16
        self._before: np.ndarray | None = None  # the map when the drag began
        self._start: tuple[float, float] | None = None  # the drag's first map point
        self._last: tuple[float, float] | None = None  # the drag's previous map point
        self._hover: QPointF | None = None
        self.setObjectName("labelCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(256, 256)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # --- state ---------------------------------------------------------------------------------

    def labels(self) -> np.ndarray:
        """A copy of the map: (side, side) uint8 world label ids."""
        return self._labels.copy()

    def set_labels(self, labels: np.ndarray) -> None:
        """Show and paint on a copy of `labels` (a drag in progress is dropped); emits changed."""
        labels = np.asarray(labels)
        if labels.ndim != 2 or labels.dtype != np.uint8 or labels.size == 0:
            raise ValueError(f"a label map is (H, W) uint8, got {labels.dtype} {labels.shape}")
        if int(labels.max()) >= NUM_LABELS:
            raise ValueError(f"label ids run from 0 to {NUM_LABELS - 1}, got {int(labels.max())}")
        self._before = self._start = self._last = None
        self._labels = labels.copy()
        self._refresh()

    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; tools are {', '.join(TOOLS)}")
        self._tool = tool
        self.update()

    def label(self) -> int:
        """The label the brush, the line and the fill paint with."""
        return self._label

    def set_label(self, label: int) -> None:
        if not 0 <= int(label) < NUM_LABELS:
            raise ValueError(f"label ids run from 0 to {NUM_LABELS - 1}, got {label}")
        self._label = int(label)

    def brush(self) -> int:
        """The brush (and line) diameter in map pixels."""
        return self._brush

    def set_brush(self, diameter: int) -> None:
        low, high = BRUSH_LIMITS
        self._brush = int(min(max(int(diameter), low), high))
        self.update()

    def is_drawing(self) -> bool:
        return self._before is not None

    # --- coordinates ---------------------------------------------------------------------------

    def _map_rect(self) -> QRect:
        height, width = self._labels.shape
        return QRect(*fit_rect((width, height), (self.width(), self.height())))

    def _scale(self) -> float:
        rect = self._map_rect()
        return rect.width() / self._labels.shape[1] if rect.width() else 1.0

    def map_point(self, point: QPointF) -> tuple[float, float]:
        """A widget point → map coordinates (x, y), in map pixels."""
        rect, scale = self._map_rect(), self._scale()
        return (point.x() - rect.x()) / scale, (point.y() - rect.y()) / scale

    def widget_point(self, point: tuple[float, float]) -> QPointF:
        """Map coordinates (x, y) → the widget point that shows them."""
        rect, scale = self._map_rect(), self._scale()
        return QPointF(rect.x() + point[0] * scale, rect.y() + point[1] * scale)

    # --- painting ------------------------------------------------------------------------------

    def _paint_label(self) -> int:
        return BACKGROUND if self._tool == "eraser" else self._label

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._before is not None:
            event.ignore()
            return
        point = self.map_point(event.position())
        if self._tool == "fill":
            if flood_fill(self._labels, point, self._label):
                self._refresh()
                self.edited.emit(TOOL_STEPS["fill"])
            return
        self._before, self._start, self._last = self._labels.copy(), point, point
        if stamp_segment(self._labels, point, point, self._brush, self._paint_label()):
            self._refresh()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self._before is None or self._last is None or self._start is None:
            self.update()
            return
        point = self.map_point(event.position())
        if self._tool == "line":
            # The line is drawn again from the press on the map as it was, so it follows the
            # pointer rather than smearing.
            self._labels[...] = self._before
            stamp_segment(self._labels, self._start, point, self._brush, self._label)
            changed = True
        else:
            changed = stamp_segment(self._labels, self._last, point, self._brush,
                                    self._paint_label())
        self._last = point
        if changed:
            self._refresh()
        else:
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._before is None:
            return
        before, self._before, self._start, self._last = self._before, None, None, None
        if not np.array_equal(before, self._labels):
            self.edited.emit(TOOL_STEPS[self._tool])

    def cancel_drawing(self) -> None:
        """Drop the drag in progress: the map goes back to how it was at the press."""
        if self._before is not None:
            before, self._before, self._start, self._last = self._before, None, None, None
            if not np.array_equal(before, self._labels):
                self._labels = before
                self._refresh()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self._before is not None:
            self.cancel_drawing()
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def _refresh(self) -> None:
        self._image = to_qimage(COLORS[self._labels])
        self.update()
        self.changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND_COLOR)
        rect = self._map_rect()
        painter.drawImage(QRectF(rect), self._image)  # nearest: labels are crisp squares
        if self._hover is not None and self._tool != "fill" and rect.contains(
                self._hover.toPoint()):
            radius = max(self._brush * self._scale() / 2, 1.0)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1.0))
            painter.drawEllipse(self._hover, radius, radius)
            painter.setPen(QPen(QColor(0, 0, 0, 160), 1.0))
            painter.drawEllipse(self._hover, radius + 1, radius + 1)


def button(name: str, text: str, action: Callable[[], object], tip: str = "") -> QPushButton:
    """A push button that never takes the keyboard focus (the keys stay with the canvas)."""
    widget = QPushButton(text, objectName=name, toolTip=tip)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.clicked.connect(lambda _=False: action())
    return widget


class ToolPanel(QWidget):
    """The label swatches (1-9), the tools, the brush size, and the buttons added."""

    labelChosen = Signal(int)
    toolChosen = Signal(str)
    brushChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._labels, self._tools = QButtonGroup(self), QButtonGroup(self)
        grid = QGridLayout()
        for label in LABELS:
            swatch = button(f"label:{label.name}", f"{label.id + 1} {label.name}",
                            lambda i=label.id: self.labelChosen.emit(i),
                            f"Paint {label.name} ({label.id + 1})")
            swatch.setIcon(to_pixmap(np.full((14, 14, 3), label.color, np.uint8)))
            swatch.setCheckable(True)
            swatch.setStyleSheet("text-align: left; padding: 3px 6px")
            self._labels.addButton(swatch, label.id)
            grid.addWidget(swatch, label.id, 0, 1, 2)
        for index, tool in enumerate(TOOLS):
            choice = button(f"tool:{tool}", tool.capitalize(), lambda t=tool: self.toolChosen.emit(t),
                            f"{TOOL_TIPS[tool]} ({TOOL_KEYS[tool]})")
            choice.setCheckable(True)
            self._tools.addButton(choice, index)
            grid.addWidget(choice, NUM_LABELS + index // 2, index % 2)
        layout.addLayout(grid)
        self.size_slider = QSlider(Qt.Orientation.Horizontal, objectName="brushSlider")
        self.size_box = QSpinBox(objectName="brushSize", suffix=" px")
        for widget in (self.size_slider, self.size_box):
            widget.setRange(*BRUSH_LIMITS)
            widget.setToolTip("Brush and line width in map pixels ([ and ])")
            widget.valueChanged.connect(self.brushChosen.emit)
        size = QHBoxLayout()
        size.addWidget(QLabel("Size"))
        size.addWidget(self.size_box)
        layout.addLayout(size)
        layout.addWidget(self.size_slider)
        self._buttons = QVBoxLayout()
        layout.addLayout(self._buttons)
        layout.addStretch(1)

    def add_button(self, name: str, text: str, action: Callable[[], object]) -> None:
        """A button under the tools."""
        self._buttons.addWidget(button(name, text, action))

    def show_choices(self, label: int, tool: str, brush: int) -> None:
        """Check the label's and the tool's buttons and show the brush size, without signals."""
        self._labels.button(label).setChecked(True)
        self._tools.button(TOOLS.index(tool)).setChecked(True)
        for widget in (self.size_slider, self.size_box):
            widget.blockSignals(True)
            widget.setValue(brush)
            widget.blockSignals(False)


class Picture(QWidget):
    """A render scaled to fit, aspect kept; `image` is the array shown."""

    def __init__(self, name: str) -> None:
        super().__init__(objectName=name)
        self.image: np.ndarray | None = None
        self._pixmap = QPixmap()
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def show_image(self, image: np.ndarray | None) -> None:
        self.image = image
        self._pixmap = QPixmap() if image is None else to_pixmap(image)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if not self._pixmap.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            box = fit_rect((self._pixmap.width(), self._pixmap.height()),
                           (self.width(), self.height()))
            painter.drawPixmap(QRect(*box), self._pixmap)


class RenderPane(QWidget):
    """A model picker, the model's render and a line about it, with Export and Edit buttons.
    Children are named `model{index}`, `render{index}`, `info{index}`, `export{index}` and
    `edit{index}`."""

    modelChosen = Signal()
    exportRequested = Signal()
    editRequested = Signal()

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QComboBox(objectName=f"model{index}", toolTip="The model of this pane")
        self.picture = Picture(f"render{index}")
        self.info = QLabel("", objectName=f"info{index}", wordWrap=True)
        buttons = QHBoxLayout()
        buttons.addWidget(button(f"export{index}", "Export…", self.exportRequested.emit))
        buttons.addWidget(button(f"edit{index}", "Edit in editor", self.editRequested.emit,
                                 "Open this render in the Editor tab"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for item in (self.box, self.picture, self.info):
            layout.addWidget(item)
        layout.addLayout(buttons)
        self.box.currentIndexChanged.connect(lambda _: self.modelChosen.emit())

    def set_models(self, models: Sequence[PaintModel], wanted: str) -> None:
        """List "(none)" and `models` (edges models marked "outlines"), choosing `wanted`
        (a name or NO_MODEL; "(none)" when it is not listed), without modelChosen."""
        self.box.blockSignals(True)
        self.box.clear()
        self.box.addItem("(none)", NO_MODEL)
        for model in models:
            self.box.addItem(model.name + ("" if model.from_labels else " (outlines)"), model.name)
        self.box.setCurrentIndex(max(0, self.box.findData(wanted)))
        self.box.blockSignals(False)

    def model(self) -> str | None:
        """The chosen model's name, or None for "(none)"."""
        name = self.box.currentData()
        return None if name in (None, NO_MODEL) else str(name)

    def choice(self) -> str:
        """The chosen model's name, or NO_MODEL."""
        return self.model() or NO_MODEL

    def image(self) -> np.ndarray | None:
        return self.picture.image

    def show_render(self, image: np.ndarray | None, text: str) -> None:
        self.picture.show_image(image)
        self.info.setText(text)


class StyleBar(QWidget):
    """The seed (slider and box) with "Random style", "Style from picture…" with its thumbnail
    and "Clear", "Deterministic", and a busy note. Children are named `seedSlider`, `seed`,
    `randomStyle`, `stylePicture`, `styleThumbnail`, `clearStyle`, `deterministic`, `busy`."""

    seedChanged = Signal(int)
    pictureRequested = Signal()
    clearRequested = Signal()

    def __init__(self, seeds: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seed_slider = QSlider(Qt.Orientation.Horizontal, objectName="seedSlider")
        self.seed_box = QSpinBox(objectName="seed", prefix="seed ")
        for widget in (self.seed_slider, self.seed_box):
            widget.setRange(*seeds)
            widget.setToolTip("The style of SPADE models and the variation of pix2pix models")
            widget.valueChanged.connect(self.set_seed)
        self.seed_slider.setMaximum(min(seeds[1], SEED_SLIDER_MAX))
        self.random_button = button("randomStyle", "Random style",
                                    lambda: self.set_seed(np.random.randint(*seeds)))
        self.picture_button = button("stylePicture", "Style from picture…",
                                     self.pictureRequested.emit, "Take SPADE's style from a picture")
        self.thumbnail = QLabel(objectName="styleThumbnail")
        self.thumbnail.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        self.clear_button = button("clearStyle", "Clear", self.clearRequested.emit,
                                   "Back to the seed's style")
        self.deterministic = QCheckBox("Deterministic", objectName="deterministic",
                                       toolTip="pix2pix without its seeded variation (dropout)")
        self.busy = QLabel("", objectName="busy")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.seed_slider, self.seed_box, self.random_button, self.picture_button,
                       self.thumbnail, self.clear_button, self.deterministic):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.busy)

    def seed(self) -> int:
        return self.seed_box.value()

    def set_seed(self, seed: int) -> None:
        """Show `seed` (clamped to the box's range) and emit seedChanged if it changed."""
        before = self.seed_box.value()
        for widget in (self.seed_slider, self.seed_box):
            widget.blockSignals(True)
            widget.setValue(int(seed))
            widget.blockSignals(False)
        if self.seed_box.value() != before:
            self.seedChanged.emit(self.seed_box.value())

    def show_picture(self, picture: np.ndarray | None, tip: str = "") -> None:
        """Show the style picture's thumbnail (None: no picture)."""
        if picture is None:
            self.thumbnail.clear()
        else:
            self.thumbnail.setPixmap(to_pixmap(picture).scaled(
                THUMBNAIL_SIDE, THUMBNAIL_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        self.thumbnail.setToolTip(tip)
        self.clear_button.setEnabled(picture is not None)

    def enable(self, style: bool, variation: bool) -> None:
        """Enable what the panes' models can use: a style, a variation, or both."""
        for widget in (self.seed_slider, self.seed_box, self.random_button):
            widget.setEnabled(style or variation)
        self.picture_button.setEnabled(style)
        self.deterministic.setEnabled(variation)


__all__ = ["BRUSH_LIMITS", "TOOLS", "TOOL_KEYS", "LabelCanvas", "Picture", "RenderPane",
           "StyleBar", "ToolPanel", "button"]
