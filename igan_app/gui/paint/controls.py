"""The paint tab's plain controls: they emit what the user picked and show what they are told.

`ToolPanel` (label swatches, tools, brush size), `RenderPane` (a model picker, its render and
what it took) and `StyleBar` (seed, style picture, deterministic). Their buttons never take the
keyboard focus, so the tab's keys stay with the canvas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from igan_app.gui import widgets
from igan_app.gui.images import to_pixmap
from igan_app.gui.paint.drawing import BRUSH_LIMITS, TOOLS
from igan_app.gui.widgets import Picture, laid_out
from igan_app.journeys.paint import NO_MODEL, InstalledPainter
from igan_app.world.palette import LABELS, NUM_LABELS

TOOL_KEYS = {"brush": "B", "fill": "F", "line": "L", "eraser": "E"}
TOOL_TIPS = {"brush": "Paint the chosen label", "fill": "Fill the connected region clicked",
             "line": "Drag a straight line", "eraser": "Paint sky"}
SEED_SLIDER_MAX = 999  # the slider browses the first styles, the box takes any seed
THUMBNAIL_SIDE = 40

button = partial(widgets.button, takes_focus=False)


def _without_margins(layout):
    layout.setContentsMargins(0, 0, 0, 0)
    return layout


class ToolPanel(QWidget):
    """The label swatches (1-9), the tools, the brush size, and the buttons added."""

    labelChosen = Signal(int)
    toolChosen = Signal(str)
    brushChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.size_slider = QSlider(Qt.Orientation.Horizontal, objectName="brushSlider")
        self.size_box = QSpinBox(objectName="brushSize", suffix=" px")
        for widget in (self.size_slider, self.size_box):
            widget.setRange(*BRUSH_LIMITS)
            widget.setToolTip("Brush and line width in map pixels ([ and ])")
            widget.valueChanged.connect(self.brushChosen.emit)
        self._buttons = QVBoxLayout()
        _without_margins(laid_out(QVBoxLayout(self), grid,
                                  laid_out(QHBoxLayout(), QLabel("Size"), self.size_box),
                                  self.size_slider, self._buttons, 1))

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
        self.picture = Picture()
        self.picture.setObjectName(f"render{index}")
        self.picture.setMinimumSize(160, 160)
        self.info = QLabel("", objectName=f"info{index}", wordWrap=True)
        buttons = laid_out(QHBoxLayout(),
                           button(f"export{index}", "Export…", self.exportRequested.emit),
                           button(f"edit{index}", "Edit in editor", self.editRequested.emit,
                                  "Open this render in the Editor tab"))
        _without_margins(laid_out(QVBoxLayout(self), self.box, self.picture, self.info, buttons))
        self.box.currentIndexChanged.connect(lambda _: self.modelChosen.emit())

    def set_models(self, models: Sequence[InstalledPainter], wanted: str) -> None:
        """List "(none)" and `models` (edges models marked "outlines"), choosing `wanted`
        (a name or NO_MODEL; "(none)" when it is not listed), without modelChosen."""
        self.box.blockSignals(True)
        self.box.clear()
        self.box.addItem("(none)", NO_MODEL)
        for model in models:
            self.box.addItem(model.name + ("" if model.from_labels else " (outlines)"), model.name)
        self.box.setCurrentIndex(max(0, self.box.findData(wanted)))
        self.box.blockSignals(False)

    def choice(self) -> str:
        """The chosen model's name, or NO_MODEL."""
        name = self.box.currentData()
        return NO_MODEL if name is None else str(name)

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
        self._seed = self.seed_box.value()  # the seed shown last
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
        _without_margins(laid_out(QHBoxLayout(self), self.seed_slider, self.seed_box,
                                  self.random_button, self.picture_button, self.thumbnail,
                                  self.clear_button, self.deterministic, 1, self.busy))

    def seed(self) -> int:
        return self.seed_box.value()

    def show_seed(self, seed: int) -> None:
        """Show `seed` (clamped to the box's range) without seedChanged."""
        for widget in (self.seed_slider, self.seed_box):
            widget.blockSignals(True)
            widget.setValue(int(seed))
            widget.blockSignals(False)
        self._seed = self.seed_box.value()

    def set_seed(self, seed: int) -> None:
        """Show `seed` (clamped to the box's range) and emit seedChanged if it changed."""
        # Compared with the seed shown last, not the box's value: the box may be the widget
        # that changed, and it holds the new seed already.
        before = self._seed
        self.show_seed(seed)
        if self._seed != before:
            self.seedChanged.emit(self._seed)

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


__all__ = ["TOOL_KEYS", "RenderPane", "StyleBar", "ToolPanel"]
