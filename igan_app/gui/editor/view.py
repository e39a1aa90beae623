"""The editor tab: the canvas, the brushes, the candidates, the slider and the edit's buttons.

A thin view over `EditorModel`: it turns the canvas's strokes into model calls and redraws from the
model's signals. Its actions (tools, views, Fix, Restart, Apply, Play, …) carry their shortcuts and
are collected in `actions` for the main window's menus.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from igan_app.engine.choices import TRANSFER_MODES
from igan_app.gui.editor.candidates import CandidateGrid
from igan_app.gui.editor.canvas import PhotoCanvas
from igan_app.gui.editor.document import PATH_FRAMES, VIEWS, view_pictures
from igan_app.gui.editor.hint import CanvasHint, hint_text
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.images import from_qcolor, to_qcolor
from igan_app.gui.settings import BRUSH_TOOLS, Settings

# tool name → (menu text, shortcut, tooltip)
TOOLS = {
    "color": ("&Color brush", "B", "Paint the colors you want"),
    "sketch": ("&Sketch brush", "N", "Draw the edges you want"),
    "warp": ("&Warp brush", "W", "Drag a patch of the picture to where it should be"),
    "eraser": ("E&raser", "X", "Erase strokes"),
    "eyedropper": ("E&yedropper", "I", "Pick the brush color from the picture"),
    "pan": ("&Hand", "H", "Drag to pan (or drag with the middle button, or hold Space)"),
}
VIEW_KEYS = ("1", "2", "3", "4", "5")
# The side-by-side picture is two photos wide: a stroke there would land in the wrong place.
# Views where a brush cannot act, and why: the tools say so instead of silently doing nothing.
NOT_PAINTABLE = {
    "side by side": " (unavailable in the side by side view: choose another view to paint)",
    "original": " (unavailable in the original view, which shows the photo as opened and no "
                "strokes: choose another view to paint)",
}
PLAY_INTERVAL_MS = 90


class EditorView(QWidget):
    """The editor: `actions` maps names to QActions for the menus."""

    def __init__(self, model: EditorModel, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.settings = model, settings
        self.view = "candidate"
        self.actions: dict[str, QAction] = {}
        self._play_direction = 1
        self._shown_photo = None  # the array last given to the canvas, to skip needless copies

        self.canvas = PhotoCanvas()
        self.hint = CanvasHint(self.canvas)
        self.grid = CandidateGrid()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, PATH_FRAMES - 1)
        self.slider.setValue(PATH_FRAMES - 1)
        self.slider.setToolTip("From the photo's reconstruction (left) to the chosen candidate")
        self.view_box = QComboBox()
        self.view_box.addItems([v.capitalize() for v in VIEWS])
        self.color_button = QToolButton()
        self.color_button.setToolTip("Brush color (click to choose)")
        self.width_box = QDoubleSpinBox()
        self.width_box.setRange(1, 400)
        self.width_box.setDecimals(0)
        self.width_box.setSuffix(" px")
        self.width_box.setToolTip("Brush width in photo pixels (or turn the mouse wheel)")
        self.width_slider = QSlider(Qt.Orientation.Horizontal)
        self.width_slider.setRange(1, 400)
        self.width_slider.setMaximumWidth(160)
        self.width_slider.setToolTip(self.width_box.toolTip())
        self.mode_box = QComboBox()
        self.mode_box.addItems(list(TRANSFER_MODES))
        self.mode_box.setCurrentText(settings.transfer_mode)
        self.mode_box.setToolTip("What Apply carries onto the photo: the color change, the "
                                 "motion, or both")
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)

        self._make_actions()
        self._lay_out()
        self._connect()
        self.set_tool("color")
        self.set_view(self.view)

    # --- building ---------------------------------------------------------------------------

    def _action(self, name: str, text: str, shortcut: str | None, slot, *, tip: str = "",
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip or text.replace('&', '')}"
                          + (f" ({shortcut})" if shortcut else ""))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        # Window-wide shortcuts: the canvas keeps the keyboard focus most of the time.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        self.actions[name] = action
        return action

    def _make_actions(self) -> None:
        tools = QActionGroup(self)
        for name, (text, key, tip) in TOOLS.items():
            action = self._action(f"tool:{name}", text, key,
                                  lambda _=False, n=name: self.set_tool(n), tip=tip,
                                  checkable=True)
            tools.addAction(action)
        views = QActionGroup(self)
        for key, name in zip(VIEW_KEYS, VIEWS):
            action = self._action(f"view:{name}", f"&{name.capitalize()}", key,
                                  lambda _=False, n=name: self.set_view(n), checkable=True)
            views.addAction(action)
        overlay = self._action("overlay", "Show &strokes", "E", self._toggle_overlay,
                               checkable=True)
        overlay.setChecked(True)
        self._action("play", "&Play the path", "P", self.toggle_play, checkable=True,
                     tip="Play the path from the photo to the candidate")
        self._action("fix", "&Fix", "F", self.model.fix,
                     tip="Make the picture at the slider the new start of the edit")
        self._action("restart", "&Restart", "R", self.model.restart,
                     tip="New random starts for the edit")
        self._action("apply", "&Apply to photo", "Ctrl+Return", self.model.apply,
                     tip="Carry the edit onto the full-resolution photo")
        self._action("stop", "S&top", "Ctrl+.", self.model.stop, tip="Stop the running job")
        self._action("clear", "&Clear strokes", "Ctrl+Backspace", self.model.clear_strokes)
        self._action("reproject", "Project &again", "Ctrl+Shift+P", self.model.reproject,
                     tip="Project the photo onto the manifold again")
        self._action("zoom in", "Zoom &in", "Ctrl+=", lambda: self.canvas.zoom_by(1.25))
        self._action("zoom out", "Zoom &out", "Ctrl+-", lambda: self.canvas.zoom_by(0.8))
        self._action("fit", "&Fit to window", "Ctrl+0", self.canvas.fit)

    def _button(self, name: str) -> QPushButton:
        action = self.actions[name]
        button = QPushButton(action.text().replace("&", ""))
        button.setToolTip(action.toolTip())
        button.clicked.connect(action.trigger)
        return button

    def _lay_out(self) -> None:
        tools = QHBoxLayout()
        for name in TOOLS:
            button = QToolButton()
            button.setDefaultAction(self.actions[f"tool:{name}"])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            tools.addWidget(button)
        tools.addSpacing(12)
        tools.addWidget(self.color_button)
        tools.addWidget(QLabel("Width"))
        tools.addWidget(self.width_slider)
        tools.addWidget(self.width_box)
        tools.addStretch(1)
        tools.addWidget(QLabel("View"))
        tools.addWidget(self.view_box)

        path = QHBoxLayout()
        self.play_button = QToolButton()
        self.play_button.setDefaultAction(self.actions["play"])
        path.addWidget(self.play_button)
        path.addWidget(self.slider, 1)
        for name in ("fix", "restart"):
            path.addWidget(self._button(name))
        path.addWidget(QLabel("Carry"))
        path.addWidget(self.mode_box)
        path.addWidget(self._button("apply"))

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(tools)
        column.addWidget(self.canvas, 1)
        column.addLayout(path)

        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("Candidates"))
        side.addWidget(self.grid, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        model = self.model
        self.canvas.strokeChanged.connect(model.preview_stroke)
        self.canvas.strokeFinished.connect(model.add_stroke)
        self.canvas.strokeCancelled.connect(model.cancel_stroke)
        self.canvas.colorPicked.connect(self.set_color)
        self.canvas.brushWidthChanged.connect(self._width_from_canvas)
        self.grid.candidateChosen.connect(model.choose)
        self.slider.valueChanged.connect(model.set_position)
        self.view_box.currentIndexChanged.connect(lambda i: self.set_view(VIEWS[i]))
        self.color_button.clicked.connect(self._choose_color)
        self.width_box.valueChanged.connect(self._width_from_box)
        self.width_slider.valueChanged.connect(lambda value: self._width_from_box(float(value)))
        self.mode_box.currentTextChanged.connect(self._set_transfer_mode)
        self._play_timer.timeout.connect(self._play_step)
        model.documentChanged.connect(self._refresh_document)
        model.candidatesChanged.connect(self._refresh_candidates)
        model.pathChanged.connect(self._refresh_path)
        model.busyChanged.connect(lambda _: self._refresh_enabled())

    # --- tools ------------------------------------------------------------------------------

    def set_tool(self, name: str) -> None:
        """Choose the tool; in a view where it cannot act the hand stands in for it, and the
        tools that cannot act are shown as unavailable."""
        self.tool = name
        why = NOT_PAINTABLE.get(self.view, "")
        for tool, (_, key, tip) in TOOLS.items():
            if tool != "pan":
                self.actions[f"tool:{tool}"].setEnabled(not why)
                self.actions[f"tool:{tool}"].setToolTip(f"{tip} ({key}){why}")
        if why:
            name = "pan"
        self.actions[f"tool:{name}"].setChecked(True)
        self.canvas.set_tool(name)
        if name in BRUSH_TOOLS:
            self._show_width(self.settings.brush_width(name))
            self._apply_brush()

    def set_color(self, rgb: tuple[int, int, int]) -> None:
        self.settings.brush_color = tuple(int(v) for v in rgb)
        self._apply_brush()

    def _choose_color(self) -> None:
        color = QColorDialog.getColor(to_qcolor(self.settings.brush_color), self, "Brush color")
        if color.isValid():
            self.set_color(from_qcolor(color))

    def _apply_brush(self) -> None:
        color = self.settings.brush_color
        tool = self.tool if self.tool in BRUSH_TOOLS else "color"
        self.canvas.set_brush(self.settings.brush_width(tool), color)
        self.color_button.setStyleSheet(
            f"background-color: {QColor(*color).name()}; min-width: 28px; min-height: 20px;")

    def _width_from_box(self, width: float) -> None:
        if self.tool in BRUSH_TOOLS:
            self.settings.set_brush_width(self.tool, width)
            self._show_width(width)
            self._apply_brush()

    def _show_width(self, width: float) -> None:
        for widget, value in ((self.width_box, width), (self.width_slider, round(width))):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)

    def _set_transfer_mode(self, mode: str) -> None:
        self.settings.transfer_mode = mode
        self.model.set_options(replace(self.model.options, transfer_mode=mode))

    def _width_from_canvas(self, width: float) -> None:
        if self.tool in BRUSH_TOOLS:
            self.settings.set_brush_width(self.tool, width)
            self._show_width(width)

    # --- views ------------------------------------------------------------------------------

    def set_view(self, name: str) -> None:
        if name not in VIEWS:
            raise ValueError(f"unknown view {name!r}; the views are {', '.join(VIEWS)}")
        self.view = name
        self.actions[f"view:{name}"].setChecked(True)
        self.view_box.blockSignals(True)
        self.view_box.setCurrentIndex(VIEWS.index(name))
        self.view_box.blockSignals(False)
        self.set_tool(self.tool)
        self._refresh_document()

    def _toggle_overlay(self, visible: bool) -> None:
        self.canvas.set_overlay_visible(visible)

    def shown_picture(self):
        """What the canvas shows in the current view (photo-sized, or two photos side by side)."""
        return self._pictures()[0]

    def _pictures(self):
        """(the picture the canvas shows, the generated picture drawn over the region or None)."""
        model = self.model
        # Nothing proposed yet: the photo itself, not the anchor's 64 px picture stretched over
        # the region (the tuned generator draws the photo; the reconstruction view shows it).
        return view_pictures(self.view, model.document, model.carried_photo(),
                             model.proposal.picture())

    def _refresh_picture(self) -> None:
        picture, inset = self._pictures()
        if picture is not self._shown_photo:
            self._shown_photo = picture
            self.canvas.set_image(picture)
        doc = self.model.document
        self.canvas.set_inset(None if inset is None else doc.frame.box, inset)

    def _refresh_document(self) -> None:
        doc = self.model.document
        self.hint.show_text(hint_text(doc))
        self._refresh_picture()
        if doc is None:
            self.canvas.set_region(None)
            self.canvas.set_strokes(None)
        else:
            beside = self.view == "side by side"
            self.canvas.set_region(None if beside else doc.frame.box)
            self.canvas.set_strokes(None if beside or self.view == "original"
                                    else self.model.strokes())
        self._refresh_enabled()

    def _refresh_candidates(self) -> None:
        found = self.model.candidates
        if found is None:
            self.grid.set_candidates(None)
        else:
            self.grid.set_candidates(found.images, found.costs)
        self.grid.set_chosen(self.model.chosen)
        self._refresh_picture()
        self._refresh_enabled()

    def _refresh_path(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.model.position)
        self.slider.blockSignals(False)
        self.grid.set_chosen(self.model.chosen)
        self._refresh_picture()
        self._refresh_enabled()

    def _refresh_enabled(self) -> None:
        chosen = self.model.chosen is not None
        for name in ("fix", "apply", "play"):
            self.actions[name].setEnabled(chosen)
        self.slider.setEnabled(chosen)
        doc = self.model.document
        self.actions["restart"].setEnabled(doc is not None and not doc.strokes.is_empty)
        self.actions["stop"].setEnabled(bool(self.model.busy))
        if not chosen and self._play_timer.isActive():
            self.toggle_play(False)

    # --- play -------------------------------------------------------------------------------

    def toggle_play(self, on: bool) -> None:
        """Play (or stop) the path; the checkable Play action passes its new state."""
        if on and self.model.chosen is not None:
            self._play_timer.start()
        else:
            self._play_timer.stop()
        self.actions["play"].setChecked(self._play_timer.isActive())

    def is_playing(self) -> bool:
        return self._play_timer.isActive()

    def _play_step(self) -> None:
        # Back and forth between the photo's picture and the candidate, as iGAN's Play did.
        value = self.slider.value() + self._play_direction
        if not 0 <= value < PATH_FRAMES:
            self._play_direction = -self._play_direction
            value = self.slider.value() + self._play_direction
        self.slider.setValue(value)
