"""The main window: the editor, morph and paint tabs, menus, the model and device pickers, the
status bar, files (photos, sessions, results, recent files, drag-and-drop) and the settings kept
between runs.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QTabWidget,
    QToolBar,
)

from igan_app import imaging
from igan_app.device import CHOICES as DEVICES
from igan_app.engine.session import (
    SESSION_SUFFIX,
    EditorSession,
    SessionError,
    open_session,
    save_session,
)
from igan_app.gui.editor.model import Document, EditorModel
from igan_app.gui.editor.view import EditorView
from igan_app.gui.morph.view import MorphView
from igan_app.gui.paint.view import PaintView
from igan_app.gui.settings import Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache

log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
SESSION_FILTER = f"iGAN sessions (*{SESSION_SUFFIX})"
START_SCENE = (103, (480, 640))  # world seed and size shown when there is no last session
MAX_RECENT_SHOWN = 10


def manifold_names() -> list[str]:
    """The installed manifolds (the models the editor can use)."""
    from igan_app.zoo.registry import ModelRegistry

    return [e.name for e in ModelRegistry().entries() if e.kind == "dcgan-manifold"]


def autosave_path() -> Path:
    """Where the window keeps the session it reopens at the next start."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".igan-studio") / f"last-session{SESSION_SUFFIX}"


class MainWindow(QMainWindow):
    """iGAN Studio's window. `start` False leaves it empty (tests open what they need)."""

    def __init__(self, settings: Settings | None = None, *, start: bool = True,
                 autosave: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.autosave = autosave if autosave is not None else autosave_path()
        self.worker = ModelWorker(self)
        self.cache = ModelCache()
        self.editor = EditorModel(self.worker, self.cache, self)
        self.editor_view = EditorView(self.editor, self.settings)
        self.morph_view = MorphView(self.worker, self.cache)
        self.paint_view = PaintView(self.worker, self.settings, self.cache)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.editor_view, "Editor")
        self.tabs.addTab(self.morph_view, "Morph")
        self.tabs.addTab(self.paint_view, "Paint")
        self.setCentralWidget(self.tabs)
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.last_error = ""  # the last message shown in a dialog (tests read it)
        self._error_box: QMessageBox | None = None
        self._result_path: str | None = None

        self._make_toolbar()
        self._make_status_bar()
        self._make_menus()
        self._connect()
        self._apply_options()
        self._restore_window()
        self._refresh_title()
        if start:
            QTimer.singleShot(0, self._open_start)

    # --- building ---------------------------------------------------------------------------

    def _make_toolbar(self) -> None:
        bar = QToolBar("Model")
        bar.setObjectName("model toolbar")
        self.model_box = QComboBox()
        self.model_box.addItems(manifold_names() or [self.settings.model])
        self.model_box.setCurrentText(self.settings.model)
        self.model_box.setToolTip("The manifold the editor projects onto and edits on")
        self.device_box = QComboBox()
        self.device_box.addItems(list(DEVICES))
        self.device_box.setCurrentText(self.settings.device)
        self.device_box.setToolTip("Where the model runs (auto: a GPU when there is one)")
        starts, k = self.settings.edit_sizes()
        self.starts_box = self._spin(1, 256, starts, "Latents optimized together per edit")
        self.k_box = self._spin(1, 64, k, "Candidates shown")
        for label, widget in (("Model ", self.model_box), ("  Device ", self.device_box),
                              ("  Starts ", self.starts_box), ("  Candidates ", self.k_box)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        self.addToolBar(bar)

    @staticmethod
    def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _make_status_bar(self) -> None:
        self.busy_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.ms_label = QLabel("")
        self.ms_label.setToolTip("Milliseconds per optimizer update")
        self.models_label = QLabel("")
        self.models_label.setToolTip("The model, the device and the feature network in use")
        bar = self.statusBar()
        bar.addWidget(self.busy_label)
        bar.addWidget(self.progress)
        bar.addPermanentWidget(self.ms_label)
        bar.addPermanentWidget(self.models_label)

    def _add(self, menu, text: str, shortcut, slot, tip: str = "") -> QAction:
        action = menu.addAction(text)
        if shortcut:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        self._add(file, "&Open photo…", QKeySequence.StandardKey.Open, self._open_photo_dialog)
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._add(file, "Open &session…", "Ctrl+Shift+O", self._open_session_dialog)
        file.addSeparator()
        self._add(file, "&Save result…", ["Ctrl+S", "S"], self._save_result_dialog,
                  "Save the edited photo at full resolution")
        self._add(file, "Save session &as…", "Ctrl+Shift+S", self._save_session_dialog,
                  "Save the photo, the strokes and the latents to reopen later")
        file.addSeparator()
        self._add(file, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        view = self.editor_view.actions
        edit = menus.addMenu("&Edit")
        # Undo, redo and Ctrl+E act on the tab shown: one action per key, or Qt finds them
        # ambiguous and runs neither.
        self.undo_action = self._add(edit, "&Undo", "Ctrl+Z",
                                     lambda: self._undoing().undo())
        self.redo_action = self._add(edit, "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"],
                                     lambda: self._undoing().redo())
        edit.addSeparator()
        for name in ("fix", "restart", "apply", "stop", "clear", "reproject"):
            edit.addAction(view[name])

        tools = menus.addMenu("&Tools")
        for name in view:
            if name.startswith("tool:"):
                tools.addAction(view[name])

        show = menus.addMenu("&View")
        for name in view:
            if name.startswith("view:"):
                show.addAction(view[name])
        show.addSeparator()
        for name in ("overlay", "play", "zoom in", "zoom out", "fit"):
            show.addAction(view[name])
        show.addSeparator()
        self._add(show, "&Editor", "Ctrl+1", lambda: self.tabs.setCurrentIndex(0))
        self._add(show, "&Morph", "Ctrl+2", lambda: self.tabs.setCurrentIndex(1))
        self._add(show, "&Paint", "Ctrl+3", lambda: self.tabs.setCurrentIndex(2))

        morph = menus.addMenu("&Morph")
        self._add(morph, "Open photo &A…", None, lambda: self._morph_open(0))
        self._add(morph, "Open photo &B…", None, lambda: self._morph_open(1))
        self._add(morph, "&Morph", "Ctrl+M", self._morph_start)
        self._add(morph, "&Export…", "Ctrl+E", self._export)

        paint = menus.addMenu("&Paint")
        for name, action in self.paint_view.actions.items():
            if name != "edit":  # that one goes to the editor
                action.triggered.connect(
                    lambda _=False: self.tabs.setCurrentWidget(self.paint_view))
            paint.addAction(action)
            if name in ("save", "clear style"):
                paint.addSeparator()

        help_menu = menus.addMenu("&Help")
        self._add(help_menu, "&About iGAN Studio", None, self._about)

    def _connect(self) -> None:
        model = self.editor
        model.errorOccurred.connect(self.show_error)
        model.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        model.busyChanged.connect(self._busy)
        model.progressed.connect(self._progressed)
        model.stepTimed.connect(lambda ms: self.ms_label.setText(f"{ms:.0f} ms/update"))
        model.modelsDescribed.connect(self.models_label.setText)
        model.documentChanged.connect(self._refresh_title)
        self.morph_view.errorOccurred.connect(self.show_error)
        self.morph_view.statusMessage.connect(
            lambda text: self.statusBar().showMessage(text, 8000))
        self.morph_view.folderUsed.connect(self._remember_folder)
        paint = self.paint_view
        paint.errorOccurred.connect(self.show_error)
        paint.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        paint.folderUsed.connect(self._remember_folder)
        paint.editRequested.connect(self.open_image)
        paint.historyChanged.connect(self._refresh_title)
        self.tabs.currentChanged.connect(lambda _: self._refresh_title())
        for box in (self.model_box, self.device_box):
            box.currentTextChanged.connect(lambda _: self._apply_options())
        for box in (self.starts_box, self.k_box):
            box.valueChanged.connect(lambda _: self._apply_options())

    # --- options and status -----------------------------------------------------------------

    def _apply_options(self) -> None:
        settings = self.settings
        settings.model = self.model_box.currentText()
        settings.device = self.device_box.currentText()
        settings.starts = self.starts_box.value()
        settings.candidates = self.k_box.value()
        starts, k = settings.edit_sizes()
        device = None if settings.device == "auto" else settings.device
        self.editor.set_options(replace(
            self.editor.options, model=settings.model, device=device, starts=starts,
            candidates=k, projection_steps=settings.projection_steps,
            transfer_mode=settings.transfer_mode))
        self.morph_view.set_model(settings.model, device)
        self.paint_view.set_device(device)

    def _busy(self, what: str) -> None:
        self.busy_label.setText(what.capitalize() + "…" if what else "")
        self.progress.setVisible(bool(what))
        if what:
            self.progress.setRange(0, 0)

    def _progressed(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def show_error(self, message: str) -> None:
        """A dialog that does not block: the window stays usable behind it."""
        log.warning("%s", message)
        self.last_error = message
        if self._error_box is not None:
            self._error_box.close()
        self._error_box = QMessageBox(QMessageBox.Icon.Warning, "iGAN Studio", message,
                                      QMessageBox.StandardButton.Ok, self)
        self._error_box.open()

    def _refresh_title(self) -> None:
        doc = self.editor.document
        name = Path(doc.path).name if doc is not None and doc.path else "world scene"
        self.setWindowTitle(f"{name} — iGAN Studio")
        history = self._undoing().history
        self.undo_action.setEnabled(history is not None and history.can_undo)
        self.redo_action.setEnabled(history is not None and history.can_redo)
        self.undo_action.setText("&Undo" + (f" {history.undo_label}"
                                            if history is not None and history.can_undo else ""))
        self.redo_action.setText("&Redo" + (f" {history.redo_label}"
                                            if history is not None and history.can_redo else ""))

    def _undoing(self) -> EditorModel | PaintView:
        """What Undo and Redo act on: the paint tab while it is shown (it has its own history),
        else the editor."""
        return self.paint_view if self.tabs.currentWidget() is self.paint_view else self.editor

    # --- photos, results and sessions -------------------------------------------------------

    def open_photo(self, path: str | Path) -> bool:
        """Open a photo in the editor; a file that cannot be read gets a dialog."""
        try:
            photo = imaging.read_image(path)
        except (imaging.ImageError, OSError) as err:
            self.show_error(str(err))
            return False
        self.editor.open_photo(photo, str(path))
        self._remember(path)
        self.tabs.setCurrentWidget(self.editor_view)
        return True

    def open_image(self, photo) -> None:
        """Open an RGB uint8 picture (a paint render) in the editor, as an unsaved photo."""
        self.editor.open_photo(photo, None)
        self.tabs.setCurrentWidget(self.editor_view)

    def save_result(self, path: str | Path) -> bool:
        doc = self.editor.document
        if doc is None:
            return False
        try:
            imaging.write_image(path, doc.photo)
        except (ValueError, OSError) as err:
            self.show_error(f"could not save {path}: {err}")
            return False
        self._result_path = str(path)
        self._remember_folder(str(Path(path).parent))
        self.statusBar().showMessage(f"saved {doc.photo.shape[1]}×{doc.photo.shape[0]} → {path}",
                                     8000)
        return True

    def save_session(self, path: str | Path) -> bool:
        doc = self.editor.document
        if doc is None:
            return False
        try:
            save_session(path, _to_session(doc, self.editor.options.model))
        except (SessionError, ValueError, OSError) as err:
            self.show_error(f"could not save the session: {err}")
            return False
        return True

    def open_session(self, path: str | Path, *, quiet: bool = False) -> bool:
        try:
            session = open_session(path)
        except SessionError as err:
            if not quiet:
                self.show_error(str(err))
            return False
        if session.model in manifold_names():
            self.model_box.setCurrentText(session.model)
        self.editor.restore(_from_session(session))
        self._remember(path)
        self.tabs.setCurrentWidget(self.editor_view)
        return True

    def open_world_scene(self, seed: int = START_SCENE[0]) -> None:
        """A scene of the landscape world, so that there is something to edit at once."""
        from igan_app.world.render import render

        image, _ = render(seed, START_SCENE[1])
        self.editor.open_photo(image, None)

    def _open_start(self) -> None:
        last = self.settings.last_session
        if last and Path(last).is_file() and self.open_session(last, quiet=True):
            return
        self.open_world_scene()

    def _remember(self, path: str | Path) -> None:
        self.settings.add_recent(str(Path(path).resolve()))
        self._remember_folder(str(Path(path).resolve().parent))

    def _remember_folder(self, folder: str) -> None:
        self.settings.last_folder = folder
        self.morph_view.set_last_folder(folder)
        self.paint_view.set_last_folder(folder)

    def _open_any(self, path: str) -> bool:
        if path.lower().endswith(SESSION_SUFFIX):
            return self.open_session(path)
        return self.open_photo(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files(existing_only=True)[:MAX_RECENT_SHOWN]
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_any(p))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _open_photo_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", self.settings.last_folder,
                                              f"{IMAGE_FILTER};;{SESSION_FILTER}")
        if path:
            self._open_any(path)

    def _open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", self.settings.last_folder,
                                              SESSION_FILTER)
        if path:
            self.open_session(path)

    def _suggested_name(self, ending: str) -> str:
        """The last folder, and the photo's name (or "world-scene") followed by `ending`."""
        doc = self.editor.document
        stem = Path(doc.path).stem if doc.path else "world-scene"
        return str(Path(self.settings.last_folder) / f"{stem}{ending}")

    def _save_result_dialog(self) -> None:
        if self.editor.document is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save result", self._result_path or self._suggested_name("-edited.png"),
            "PNG (*.png);;JPEG (*.jpg *.jpeg)")
        if path:
            self.save_result(path)

    def _save_session_dialog(self) -> None:
        if self.editor.document is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save session",
                                              self._suggested_name(SESSION_SUFFIX), SESSION_FILTER)
        if path:
            if not path.endswith(SESSION_SUFFIX):
                path += SESSION_SUFFIX
            if self.save_session(path):
                self._remember(path)

    def _morph_open(self, slot: int) -> None:
        self.tabs.setCurrentWidget(self.morph_view)
        self.morph_view.open_dialog(slot)

    def _morph_start(self) -> None:
        self.tabs.setCurrentWidget(self.morph_view)
        self.morph_view.start()

    def _export(self) -> None:
        """Ctrl+E: the paint tab's render while it is shown, else the morph."""
        if self.tabs.currentWidget() is self.paint_view:
            self.paint_view.export_dialog()
            return
        self.tabs.setCurrentWidget(self.morph_view)
        self.morph_view.export_dialog()

    def _about(self) -> None:
        QMessageBox.about(self, "About iGAN Studio",
                          "iGAN Studio: paint on a photo and let a generative model propose the "
                          "edit; morph one photo into another.")

    # --- drag and drop, closing -------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self._open_any(path)

    def _restore_window(self) -> None:
        geometry, state = self.settings.window_geometry, self.settings.window_state
        if geometry:
            self.restoreGeometry(geometry)
        if state:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.window_geometry = bytes(self.saveGeometry())
        self.settings.window_state = bytes(self.saveState())
        doc = self.editor.document
        if doc is not None and self.autosave and self.save_session(self.autosave):
            self.settings.last_session = str(self.autosave)
        self.worker.shutdown()
        super().closeEvent(event)


def _dropped_file(event) -> str | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = urls[0].toLocalFile()
    if path.lower().endswith(IMAGE_SUFFIXES + (SESSION_SUFFIX,)):
        return path
    return None


def _to_session(doc: Document, model: str) -> EditorSession:
    return EditorSession(
        photo=doc.photo, original=None if doc.original is doc.photo else doc.original,
        photo_path=doc.path, model=model, box=doc.frame.box, strokes=doc.strokes,
        anchor=doc.anchor, current=doc.current)


def _from_session(session: EditorSession) -> Document:
    from igan_app.engine.frame import Frame

    resolution = session.current.shape[0] if session.current is not None else 64
    frame = Frame(session.photo.shape[:2], session.box, resolution)
    original = session.original if session.original is not None else session.photo
    return Document(session.photo, original, session.photo_path, frame, session.strokes,
                    session.anchor, session.current)

