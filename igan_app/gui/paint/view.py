"""The paint view: paint a landscape label map and watch models render it, side by side, live.

The view is thin: the map is `LabelCanvas`'s, its edits are `label_map`'s functions, and every
render is the paint journey's `painting`, submitted to the model worker the view shares with the other tabs.
It acts only on the request number it submitted last. While its render is in flight, further
changes wait for it and the newest map is rendered next, so renders appear as fast as the models
draw, during a drag too; an explicit `render_now` supersedes the flight instead.

Keys (while the tab has the focus; they win over the editor's window-wide keys): 1-9 pick a
label, B brush, F fill, L line, E eraser, [ and ] brush size, Escape drops the drag. Undo, redo and
Ctrl+E reach the view through the main window's menus.

Edges models (input "image") draw from the outlines of the painted regions: the map's display
colors through `engine.edges.edge_map`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QVBoxLayout, QWidget

from igan_app import imaging
from igan_app.gui.history import History
from igan_app.gui.paint import label_map
from igan_app.gui.paint.canvas import TOOL_KEYS, LabelCanvas, RenderPane, StyleBar, ToolPanel
from igan_app.gui.settings import PAINT_PANES, PAINT_SEED_RANGE, Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys import paint as journey
from igan_app.journeys.models import ModelCache
from igan_app.journeys.paint import NO_MODEL, Rendered
from igan_app.messages import one_line
from igan_app.world.palette import LabelMapError, load_labels, save_labels

DEBOUNCE_MS = 80  # a render starts this long after the last change...
THROTTLE_MS = 150  # ...or this long after the first one, while a drag goes on
MAX_MAP_SIDE = 1024  # an opened label map larger than this is refused
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
        self._worker, self.settings = worker, settings
        self._cache = cache or ModelCache()
        self._device: str | None = None
        self._style: np.ndarray | None = None  # the reference picture
        self._request = 0  # the request this view submitted last
        self._in_flight = False  # that request has not ended
        self._dirty = True  # the shown renders are not of the current map and options
        self._errors = [""] * PAINT_PANES  # the last error shown per pane
        self._traits: list[tuple[bool, bool] | None] = [None] * PAINT_PANES  # style, variation
        self.last_folder = ""
        self.actions: dict[str, QAction] = {}
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._throttle = QTimer(self, singleShot=True, interval=THROTTLE_MS)
        for timer in (self._debounce, self._throttle):
            timer.timeout.connect(self._render_when_free)
        self._build()
        self.history: History[np.ndarray] = History(self.canvas.labels())
        self._make_actions()
        self.canvas.set_brush(settings.paint_brush)
        self.canvas.set_label(7)  # grass
        self.tools.show_choices(self.canvas.label(), self.canvas.tool(), self.canvas.brush())
        self.canvas.changed.connect(self.schedule_render)
        self.canvas.edited.connect(self._edited)
        worker.step.connect(self._on_step)
        for signal in (worker.finished, worker.failed, worker.cancelled):
            signal.connect(self._on_ended)
        worker.failed.connect(self._on_failed)
        self._update_controls()

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.canvas = LabelCanvas()
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
        self.refresh_models()
        for index, pane in enumerate(self.panes):
            pane.modelChosen.connect(lambda i=index: self._model_chosen(i))
            pane.exportRequested.connect(lambda i=index: self.export_dialog(i))
            pane.editRequested.connect(lambda i=index: self.edit_in_editor(i))

        self.style_bar = StyleBar(PAINT_SEED_RANGE)
        self.style_bar.set_seed(self.settings.paint_seed)
        self.style_bar.seedChanged.connect(self._seed_changed)
        self.style_bar.pictureRequested.connect(self.style_dialog)
        self.style_bar.clearRequested.connect(self.clear_style_picture)
        self.style_bar.deterministic.setChecked(self.settings.paint_deterministic)
        self.style_bar.deterministic.toggled.connect(self._deterministic_toggled)
        self.style_bar.show_picture(None)

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

    def refresh_models(self) -> None:
        """List the installed paint models in the pane pickers; keep each pane's choice (from
        the settings at first), else its default."""
        models = journey.paint_models()
        defaults = journey.default_models(models)
        names = {m.name for m in models}
        for index, pane in enumerate(self.panes):
            wanted = (pane.box.currentData() or self.settings.paint_model(index)
                      or defaults[index])
            pane.set_models(models, wanted if wanted == NO_MODEL or wanted in names
                            else defaults[index])

    # --- state ---------------------------------------------------------------------------------

    def labels(self) -> np.ndarray:
        """A copy of the painted map."""
        return self.canvas.labels()

    def set_label(self, label: int) -> None:
        """The label the brush, the line and the fill paint with (a world label id)."""
        self.canvas.set_label(label)
        self._show_choices()

    def set_tool(self, tool: str) -> None:
        """One of paint_canvas.TOOLS: "brush", "fill", "line", "eraser"."""
        self.canvas.set_tool(tool)
        self._show_choices()

    def set_brush(self, diameter: int) -> None:
        """The brush and line width in map pixels, clamped to BRUSH_LIMITS."""
        self.canvas.set_brush(diameter)
        self._show_choices()
        self.settings.paint_brush = self.canvas.brush()

    def _show_choices(self) -> None:
        self.tools.show_choices(self.canvas.label(), self.canvas.tool(), self.canvas.brush())

    def pane_models(self) -> tuple[str | None, ...]:
        """Each pane's model name, None for an empty pane."""
        return tuple(pane.model() for pane in self.panes)

    def set_pane_model(self, pane: int, name: str) -> bool:
        """Show `name`'s renders in `pane` (NO_MODEL: none); False if it is not installed."""
        box = self.panes[pane].box
        index = box.findData(name)
        if index >= 0:
            box.setCurrentIndex(index)
        return index >= 0

    def render_image(self, pane: int) -> np.ndarray | None:
        """The render shown in `pane`, RGB uint8, or None."""
        return self.panes[pane].image()

    def set_device(self, device: str | None) -> None:
        if device != self._device:
            self._device = device
            self.schedule_render()

    def set_last_folder(self, folder: str) -> None:
        self.last_folder = folder

    def set_seed(self, seed: int) -> None:
        """The style seed (SPADE without a style picture) and pix2pix's variation seed."""
        self.style_bar.set_seed(seed)

    def _seed_changed(self, seed: int) -> None:
        self.settings.paint_seed = seed
        self.schedule_render()

    def _deterministic_toggled(self, on: bool) -> None:
        self.settings.paint_deterministic = bool(on)
        self.schedule_render()

    def _model_chosen(self, pane: int) -> None:
        self.settings.set_paint_model(pane, self.panes[pane].choice())
        self.panes[pane].show_render(None, "")
        self._traits[pane], self._errors[pane] = None, ""
        self._update_controls()
        self.canvas.setFocus()
        self.schedule_render()

    # --- the map and its history ---------------------------------------------------------------

    def _edited(self, step: str) -> None:
        self.history.push(self.canvas.labels(), step)
        self.historyChanged.emit()

    def replace_map(self, labels: np.ndarray, step: str) -> None:
        """Paint on `labels` from now on, as one undo step named `step`."""
        self.canvas.set_labels(labels)
        self._edited(step)

    def new_map(self) -> None:
        """An all-sky map."""
        self.replace_map(label_map.new_map(), "new map")

    def random_scene(self, seed: int | None = None) -> None:
        """The label map of a world scene (a random one when seed is None)."""
        seed = random.randrange(2**31) if seed is None else seed
        self.replace_map(label_map.random_scene(seed), "random scene")

    def undo(self) -> None:
        if self.history.can_undo:
            self.canvas.set_labels(self.history.undo())
            self.historyChanged.emit()

    def redo(self) -> None:
        if self.history.can_redo:
            self.canvas.set_labels(self.history.redo())
            self.historyChanged.emit()

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
        try:
            labels = load_labels(path)
        except (LabelMapError, imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        if max(labels.shape) > MAX_MAP_SIDE or min(labels.shape) < 1:
            height, width = labels.shape
            self.errorOccurred.emit(f"{path}: the label map is {width}×{height}; paint maps are "
                                    f"at most {MAX_MAP_SIDE} px on a side")
            return False
        self.replace_map(labels, "open map")
        self.statusMessage.emit(f"label map {Path(path).name}, {labels.shape[1]}×{labels.shape[0]}")
        return True

    def save_labels(self, path: str | Path) -> bool:
        """Write the map as a palette PNG; False, with errorOccurred, on failure."""
        try:
            save_labels(path, self.canvas.labels())
        except (LabelMapError, ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save the label map: {one_line(str(err))}")
            return False
        self.statusMessage.emit(f"saved the label map → {path}")
        return True

    def _chosen_pane(self, pane: int | None) -> int | None:
        """`pane`, or the first pane with a render; None (with errorOccurred) if it has none."""
        panes = [pane] if pane is not None else range(PAINT_PANES)
        for index in panes:
            if self.render_image(index) is not None:
                return index
        self.errorOccurred.emit("nothing rendered yet: choose a model and paint")
        return None

    def export(self, path: str | Path, pane: int | None = None) -> bool:
        """Write `pane`'s render (None: the first one shown) as PNG or JPEG, by suffix."""
        pane = self._chosen_pane(pane)
        if pane is None:
            return False
        try:
            imaging.write_image(path, self.render_image(pane))
        except (ValueError, OSError) as err:  # ImageError is a ValueError
            self.errorOccurred.emit(f"export: {one_line(str(err))}")
            return False
        self.statusMessage.emit(f"exported the render → {path}")
        return True

    def edit_in_editor(self, pane: int | None = None) -> bool:
        """Send `pane`'s render (None: the first one shown) to the editor as its photo."""
        pane = self._chosen_pane(pane)
        if pane is None:
            return False
        self.editRequested.emit(self.render_image(pane).copy())
        return True

    def set_style_picture(self, path: str | Path) -> bool:
        """SPADE models take their style from the picture in `path` from now on."""
        try:
            picture = imaging.read_image(path)
        except (imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        self._style = picture
        self.style_bar.show_picture(picture, str(path))
        self.schedule_render()
        return True

    def clear_style_picture(self) -> None:
        self._style = None
        self.style_bar.show_picture(None)
        self.schedule_render()

    def open_dialog(self) -> None:
        if path := self._ask("open"):
            self.open_labels(path)

    def save_dialog(self) -> None:
        if path := self._ask("save"):
            self.save_labels(path)

    def export_dialog(self, pane: int | None = None) -> None:
        if self._chosen_pane(pane) is not None and (path := self._ask("export")):
            self.export(path, pane)

    def style_dialog(self) -> None:
        if path := self._ask("style"):
            self.set_style_picture(path)

    # --- rendering -----------------------------------------------------------------------------

    @Slot()
    def schedule_render(self) -> None:
        """Render soon: DEBOUNCE_MS after the last change, at most THROTTLE_MS after the first;
        a hidden view renders when it is shown."""
        self._dirty = True
        if self.isVisible():
            self._debounce.start()
            if not self._throttle.isActive():
                self._throttle.start()

    def is_busy(self) -> bool:
        """Whether a render of this view is waiting to start or running."""
        return self._in_flight or self._debounce.isActive() or self._throttle.isActive()

    def _render_when_free(self) -> None:
        # A flight lands first (_on_ended renders the newest map then); a tab hidden since the
        # change renders when it is shown again, and does not stop the other tabs' jobs.
        if not self._in_flight and self.isVisible():
            self.render_now()

    def render_now(self) -> int | None:
        """Submit a render of the map as it is now, superseding any job on the worker; its
        request number, or None when no pane has a model."""
        self._debounce.stop()
        self._throttle.stop()
        models = self.pane_models()
        self._dirty = False
        if not any(models):
            return None
        cache, device, labels = self._cache, self._device, self.canvas.labels()
        style, seed = self._style, self.style_bar.seed()
        deterministic = self.style_bar.deterministic.isChecked()
        try:
            self._request = self._worker.submit("paint", lambda: journey.painting(
                cache, models, device, labels, seed=seed, style=style,
                deterministic=deterministic))
        except RuntimeError as err:  # the worker has been shut down
            self.errorOccurred.emit(f"paint: {err}")
            return None
        self._in_flight = True
        self.style_bar.busy.setText("rendering…")
        return self._request

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.schedule_render()

    @Slot(int, object)
    def _on_step(self, request: int, result: object) -> None:
        if request != self._request or not isinstance(result, Rendered):
            return
        models = self.pane_models()
        for pane, shown in enumerate(result.panes):
            if shown is None or shown.model != models[pane]:  # not asked for, or chosen since
                continue
            if shown.error:
                self.panes[pane].info.setText(shown.error)
                if shown.error != self._errors[pane]:
                    self._errors[pane] = shown.error
                    self.errorOccurred.emit(shown.error)
                continue
            self._errors[pane] = ""
            self._traits[pane] = (shown.has_style, shown.has_variation)
            height, width = shown.image.shape[:2]
            self.panes[pane].show_render(shown.image, f"{shown.model}"
                                         f"{' from the outlines' if shown.from_outlines else ''}: "
                                         f"{width}×{height} in {shown.ms:.0f} ms")
        self._update_controls()
        self.rendered.emit(request)
        if result.done:
            times = " + ".join(f"{p.ms:.0f}" for p in result.panes if p is not None and not p.error)
            self.statusMessage.emit(f"rendered in {times} ms" if times else "render failed")

    def _on_ended(self, request: int, *_: object) -> None:
        if request != self._request or not self._in_flight:
            return
        self._in_flight = False
        self.style_bar.busy.setText("")
        if self._dirty:
            self.schedule_render()

    @Slot(int, str, str)
    def _on_failed(self, request: int, message: str, details: str) -> None:
        if request == self._request:
            self.errorOccurred.emit(f"paint: {message}")

    def _update_controls(self) -> None:
        """Enable the style controls the panes' models use (all while any is unknown)."""
        known = [t for t, model in zip(self._traits, self.pane_models()) if model]
        unknown = not known or any(t is None for t in known)
        self.style_bar.enable(unknown or any(t[0] for t in known if t),
                              unknown or any(t[1] for t in known if t))

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


__all__ = ["DEBOUNCE_MS", "THROTTLE_MS", "PaintView"]
