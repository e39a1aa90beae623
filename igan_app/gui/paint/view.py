"""The paint view: paint a landscape label map and watch models render it, side by side, live.

A thin view over `PaintModel`: it builds the canvas, the tool panel, the render panes and the
style bar, turns clicks, keys and dialogs into model calls, and redraws from the model's
signals. The map, its history, the style and the renders (and when they run) are the model's.

Keys (while the tab has the focus; they win over the editor's window-wide keys): 1-9 pick a
label, B brush, F fill, L line, E eraser, [ and ] brush size, Escape drops the drag. Undo, redo and
Ctrl+E reach the view through the main window's menus.

Edges models (input "image") draw from the outlines of the painted regions: the map's display
colors through `engine.edges.edge_map`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QVBoxLayout, QWidget

from igan_app.gui.history import History
from igan_app.gui.paint.canvas import LabelCanvas
from igan_app.gui.paint.controls import TOOL_KEYS, RenderPane, StyleBar, ToolPanel
from igan_app.gui.paint.model import PaintModel
from igan_app.gui.settings import PAINT_PANES, PAINT_SEED_RANGE, Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache

DIALOGS = {  # what → (a save dialog?, caption, suggested name, filters)
    "open": (False, "Open a label map", "", "Label maps (*.png)"),
    "save": (True, "Save the label map", "labels.png", "Label maps (*.png)"),
    "export": (True, "Export the render", "render.png", "PNG (*.png);;JPEG (*.jpg *.jpeg)"),
    "style": (False, "Style from picture", "",
              "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"),
}


class PaintView(QWidget):
    """The paint tab. worker: the model worker shared with the other tabs; settings: where the
    models, the brush, the seed and "deterministic" are kept. Nothing here waits for the worker."""

    errorOccurred = Signal(str)
    statusMessage = Signal(str)
    editRequested = Signal(object)  # an RGB uint8 render for the editor
    historyChanged = Signal()
    folderUsed = Signal(str)
    rendered = Signal(int)  # a render of this request number is shown

    def __init__(self, worker: ModelWorker, settings: Settings, cache: ModelCache | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.model = model = PaintModel(worker, settings, cache, self)
        self.renders = model.renders
        self.last_folder = ""
        self.actions: dict[str, QAction] = {}
        self._build()
        self._make_actions()
        model.choicesChanged.connect(self._show_choices)
        model.styleChanged.connect(self._show_style)
        model.historyChanged.connect(self.historyChanged)
        model.errorOccurred.connect(self.errorOccurred)  # the renders' too
        model.statusMessage.connect(self.statusMessage)
        self.renders.modelsListed.connect(self._list_models)
        self.renders.paneChanged.connect(self._show_pane)
        self.renders.renderingChanged.connect(
            lambda on: self.style_bar.busy.setText("rendering…" if on else ""))
        self.renders.rendered.connect(self.rendered)
        self._list_models()
        self._show_choices()
        self._show_style()
        self._show_uses()

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.canvas = LabelCanvas(self.model)
        self.tools = ToolPanel()
        self.tools.labelChosen.connect(self.set_label)
        self.tools.toolChosen.connect(self.set_tool)
        self.tools.brushChosen.connect(self.set_brush)
        for name, text, action in (("new", "New", self.new_map),
                                   ("random", "Random scene", self.random_scene),
                                   ("open", "Open map…", self.open_dialog),
                                   ("save", "Save map…", self.save_dialog)):
            self.tools.add_button(name, text, action)
        self.panes = [RenderPane(index) for index in range(PAINT_PANES)]
        for index, pane in enumerate(self.panes):
            pane.modelChosen.connect(lambda i=index: self._model_chosen(i))
            pane.exportRequested.connect(lambda i=index: self.export_dialog(i))
            pane.editRequested.connect(lambda i=index: self.edit_in_editor(i))

        self.style_bar = StyleBar(PAINT_SEED_RANGE)
        self.style_bar.deterministic.setChecked(self.model.deterministic)
        self.style_bar.seedChanged.connect(self.model.set_seed)
        self.style_bar.pictureRequested.connect(self.style_dialog)
        self.style_bar.clearRequested.connect(self.clear_style_picture)
        self.style_bar.deterministic.toggled.connect(self.model.set_deterministic)

        top = QHBoxLayout()
        top.addWidget(self.tools)
        top.addWidget(self.canvas, 2)
        for pane in self.panes:
            top.addWidget(pane, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.style_bar)

    def _make_actions(self) -> None:
        for name, text, slot in (
                ("new", "&New label map", self.new_map),
                ("random", "&Random scene", self.random_scene),
                ("open", "&Open label map…", self.open_dialog),
                ("save", "&Save label map…", self.save_dialog),
                ("style", "Style from &picture…", self.style_dialog),
                ("clear style", "&Clear the style picture", self.clear_style_picture),
                ("export", "E&xport render… (Ctrl+E)", self.export_dialog),
                ("edit", "&Edit render in the editor", self.edit_in_editor)):
            action = QAction(text, self)
            action.triggered.connect(lambda _=False, s=slot: s())
            self.actions[name] = action

    # --- showing the model ---------------------------------------------------------------------

    def _list_models(self) -> None:
        for index, pane in enumerate(self.panes):
            pane.set_models(self.renders.installed, self.renders.choice(index))

    def _show_choices(self) -> None:
        drawing = self.model.drawing
        self.tools.show_choices(drawing.label, drawing.tool, drawing.brush)

    def _show_style(self) -> None:
        self.style_bar.show_seed(self.model.seed)
        self.style_bar.show_picture(self.model.style_picture, self.model.style_path)

    def _show_pane(self, index: int) -> None:
        state, pane = self.renders.panes[index], self.panes[index]
        if pane.picture.image is not state.image:
            pane.picture.show_image(state.image)
        pane.info.setText(state.info)
        self._show_uses()

    def _show_uses(self) -> None:
        """Enable the style controls the panes' models use (all while any is unknown)."""
        self.style_bar.enable(*self.renders.style_use())

    # --- state ---------------------------------------------------------------------------------

    @property
    def history(self) -> History[np.ndarray]:
        """The painted map's undo history."""
        return self.model.history

    def refresh_models(self) -> None:
        """List the installed paint models in the pane pickers; keep each pane's choice (from
        the settings at first), else its default."""
        self.renders.refresh_models()

    def labels(self) -> np.ndarray:
        """A copy of the painted map."""
        return self.model.labels()

    def set_label(self, label: int) -> None:
        """The label the brush, the line and the fill paint with (a world label id)."""
        self.model.set_label(label)

    def set_tool(self, tool: str) -> None:
        """One of drawing.TOOLS: "brush", "fill", "line", "eraser"."""
        self.model.set_tool(tool)

    def set_brush(self, diameter: int) -> None:
        """The brush and line width in map pixels, clamped to BRUSH_LIMITS."""
        self.model.set_brush(diameter)

    def pane_models(self) -> tuple[str | None, ...]:
        """Each pane's model name, None for an empty pane."""
        return self.renders.pane_models()

    def set_pane_model(self, pane: int, name: str) -> bool:
        """Show `name`'s renders in `pane` (NO_MODEL: none); False if it is not installed."""
        box = self.panes[pane].box
        index = box.findData(name)
        if index >= 0:
            box.setCurrentIndex(index)  # as if the user picked it
        return index >= 0

    def _model_chosen(self, pane: int) -> None:
        self.renders.choose(pane, self.panes[pane].choice())
        self.canvas.setFocus()

    def render_image(self, pane: int) -> np.ndarray | None:
        """The render shown in `pane`, RGB uint8, or None."""
        return self.renders.image(pane)

    def set_device(self, device: str | None) -> None:
        self.renders.set_device(device)

    def set_last_folder(self, folder: str) -> None:
        self.last_folder = folder

    def set_seed(self, seed: int) -> None:
        """The style seed (SPADE without a style picture) and pix2pix's variation seed."""
        self.model.set_seed(seed)

    # --- the map and its history ---------------------------------------------------------------

    def replace_map(self, labels: np.ndarray, step: str) -> None:
        """Paint on `labels` from now on, as one undo step named `step`."""
        self.model.replace_map(labels, step)

    def new_map(self) -> None:
        """An all-sky map."""
        self.model.new_map()

    def random_scene(self, seed: int | None = None) -> None:
        """The label map of a world scene (a random one when seed is None)."""
        self.model.random_scene(seed)

    def undo(self) -> None:
        self.model.undo()

    def redo(self) -> None:
        self.model.redo()

    # --- files ---------------------------------------------------------------------------------

    def _ask(self, what: str) -> str:
        """A file name from the dialog DIALOGS[what] (empty when cancelled)."""
        save, caption, name, filters = DIALOGS[what]
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, caption, str(Path(self.last_folder or Path.home()) / name), filters)
        if path:
            self.last_folder = str(Path(path).parent)
            self.folderUsed.emit(self.last_folder)
        return path if not save or Path(path).suffix or not path else path + ".png"

    def open_labels(self, path: str | Path) -> bool:
        """Paint on the label map in `path`; False, with errorOccurred, when it cannot be read
        (the painting is kept)."""
        return self.model.open_labels(path)

    def save_labels(self, path: str | Path) -> bool:
        """Write the map as a palette PNG; False, with errorOccurred, on failure."""
        return self.model.save_labels(path)

    def export(self, path: str | Path, pane: int | None = None) -> bool:
        """Write `pane`'s render (None: the first one shown) as PNG or JPEG, by suffix."""
        return self.model.export(path, pane)

    def edit_in_editor(self, pane: int | None = None) -> bool:
        """Send `pane`'s render (None: the first one shown) to the editor as its photo."""
        pane = self.model.rendered_pane(pane)
        if pane is None:
            return False
        self.editRequested.emit(self.render_image(pane).copy())
        return True

    def set_style_picture(self, path: str | Path) -> bool:
        """SPADE models take their style from the picture in `path` from now on."""
        return self.model.set_style_picture(path)

    def clear_style_picture(self) -> None:
        self.model.clear_style_picture()

    def open_dialog(self) -> None:
        if path := self._ask("open"):
            self.open_labels(path)

    def save_dialog(self) -> None:
        if path := self._ask("save"):
            self.save_labels(path)

    def export_dialog(self, pane: int | None = None) -> None:
        if self.model.rendered_pane(pane) is not None and (path := self._ask("export")):
            self.export(path, pane)

    def style_dialog(self) -> None:
        if path := self._ask("style"):
            self.set_style_picture(path)

    # --- rendering -----------------------------------------------------------------------------

    def schedule_render(self) -> None:
        """Render soon (see `Renders.schedule`); a hidden view renders when it is shown."""
        self.renders.schedule()

    def is_busy(self) -> bool:
        """Whether a render of this view is waiting to start or running."""
        return self.renders.is_busy()

    def render_now(self) -> int | None:
        """Submit a render of the map as it is now, superseding any job on the worker; its
        request number, or None when no pane has a model."""
        return self.renders.render_now()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.renders.set_shown(self.isVisible())

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.renders.set_shown(self.isVisible())

    # --- keys ----------------------------------------------------------------------------------

    def _key_action(self, event: QKeyEvent) -> Callable[[], None] | None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        key = event.key()
        if int(Qt.Key.Key_1) <= key <= int(Qt.Key.Key_9):
            return lambda: self.set_label(key - int(Qt.Key.Key_1))
        text = event.text().upper()
        for tool, tool_key in TOOL_KEYS.items():
            if text == tool_key:
                return lambda t=tool: self.set_tool(t)
        if text in ("[", "]"):
            step = max(1, round(self.canvas.brush() * 0.2))
            return lambda: self.set_brush(self.canvas.brush() + (step if text == "]" else -step))
        return None

    def event(self, event: QEvent) -> bool:
        # The tab's keys win over the window-wide shortcuts of the other tabs while it has focus.
        if event.type() == QEvent.Type.ShortcutOverride and self._key_action(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
        else:
            action()


__all__ = ["PaintView"]
