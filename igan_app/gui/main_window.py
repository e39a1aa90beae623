"""The main window: the editor, morph and paint tabs, the model and device pickers, the status bar
and the settings kept between runs. Its menus are `gui.menus`; the editor's files (photos,
sessions, results, recent files, drag and drop) are `gui.documents`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QTabWidget,
    QToolBar,
)

from igan_app.device import CHOICES as DEVICES
from igan_app.engine.session import EditorSession
from igan_app.gui.documents import EditorFiles, autosave_path, dropped_file, manifold_names
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.editor.view import EditorView
from igan_app.gui.menus import make_menus
from igan_app.gui.morph.view import MorphView
from igan_app.gui.paint.view import PaintView
from igan_app.gui.settings import Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache

log = logging.getLogger(__name__)

STATUS_MS = 8000  # how long a status bar message stays


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
        self.files = EditorFiles(self.editor, self.settings, self, self.autosave)
        self.files.tab_parts = self._tab_parts
        self.tabs = QTabWidget()
        self.tabs.addTab(self.editor_view, "Editor")
        self.tabs.addTab(self.morph_view, "Morph")
        self.tabs.addTab(self.paint_view, "Paint")
        self.setCentralWidget(self.tabs)
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.last_error = ""  # the last message shown in a dialog (tests read it)
        self._error_box: QMessageBox | None = None

        self._make_toolbar()
        self._make_status_bar()
        actions = make_menus(self)
        self.undo_action, self.redo_action = actions.undo, actions.redo
        self._connect()
        self._apply_options()
        self._restore_window()
        self._refresh_title()
        if start:
            QTimer.singleShot(0, self.files.open_start)

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

    def _connect(self) -> None:
        model = self.editor
        model.errorOccurred.connect(self.show_error)
        model.statusMessage.connect(self._show_status)
        model.busyChanged.connect(self._busy)
        model.progressed.connect(self._progressed)
        model.stepTimed.connect(lambda ms: self.ms_label.setText(f"{ms:.0f} ms/update"))
        model.modelsDescribed.connect(self.models_label.setText)
        model.documentChanged.connect(self._refresh_title)
        for part in (self.morph_view, self.paint_view, self.files):
            part.errorOccurred.connect(self.show_error)
            part.statusMessage.connect(self._show_status)
            part.folderUsed.connect(self._remember_folder)
        self.files.opened.connect(lambda: self.tabs.setCurrentWidget(self.editor_view))
        self.files.modelChosen.connect(self.model_box.setCurrentText)
        self.files.sessionOpened.connect(self._restore_tabs)
        paint = self.paint_view
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
            tune_steps=settings.tune_steps, transfer_mode=settings.transfer_mode))
        self.morph_view.set_model(settings.model, device)
        self.morph_view.model.tune_steps = settings.tune_steps
        self.paint_view.set_device(device)

    def _busy(self, what: str) -> None:
        # Not str.capitalize: it would lower the rest ("dB" of the tuning's PSNR).
        self.busy_label.setText(what[:1].upper() + what[1:] + "…" if what else "")
        self.progress.setVisible(bool(what))
        if what:
            self.progress.setRange(0, 0)

    def _progressed(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_MS)

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
        history = self.undoing().history
        self.undo_action.setEnabled(history is not None and history.can_undo)
        self.redo_action.setEnabled(history is not None and history.can_redo)
        self.undo_action.setText("&Undo" + (f" {history.undo_label}"
                                            if history is not None and history.can_undo else ""))
        self.redo_action.setText("&Redo" + (f" {history.redo_label}"
                                            if history is not None and history.can_redo else ""))

    def undoing(self) -> EditorModel | PaintView:
        """What Undo and Redo act on: the paint tab while it is shown (it has its own history),
        else the editor."""
        return self.paint_view if self.tabs.currentWidget() is self.paint_view else self.editor

    # --- the editor's files (see `EditorFiles`) -------------------------------------------

    def open_photo(self, path: str | Path) -> bool:
        """Open a photo in the editor; a file that cannot be read gets a dialog."""
        return self.files.open_photo(path)

    def open_session(self, path: str | Path, *, quiet: bool = False) -> bool:
        """Open a session file in the editor; a file that cannot be read gets a dialog."""
        return self.files.open_session(path, quiet=quiet)

    def save_result(self, path: str | Path) -> bool:
        """Write the edited photo at full resolution."""
        return self.files.save_result(path)

    def save_session(self, path: str | Path) -> bool:
        """Write the editor's document as a session file."""
        return self.files.save_session(path)

    def open_image(self, photo) -> bool:
        """Open an RGB uint8 picture (a paint render) in the editor, as an unsaved photo; unsaved
        work is asked about first (the paint tab stays shown when the user keeps it)."""
        return self.files.open_image(photo, "the paint render")

    def _tab_parts(self) -> dict[str, object]:
        """What a session keeps of the paint and morph tabs (None: nothing worth keeping)."""
        return {"paint": self.paint_view.model.session_part(),
                "morph": self.morph_view.model.session_part()}

    def _restore_tabs(self, session: EditorSession) -> None:
        """Give the paint and morph tabs what an opened session kept of them."""
        if session.paint is not None and self.paint_view.model.restore(session.paint):
            for pane, name in enumerate(session.paint.panes[:len(self.paint_view.panes)]):
                if name is not None:
                    self.paint_view.set_pane_model(pane, name)  # kept if still installed
        if session.morph is not None:
            morph = self.morph_view.model
            morph.restore(session.morph)
            if morph.options is not None:
                self.morph_view.set_options(*morph.options, morph.projection)

    def _remember_folder(self, folder: str) -> None:
        self.settings.last_folder = folder
        self.morph_view.set_last_folder(folder)
        self.paint_view.set_last_folder(folder)

    # --- drag and drop, closing -------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.files.open_any(path)

    def _restore_window(self) -> None:
        geometry, state = self.settings.window_geometry, self.settings.window_state
        if geometry:
            self.restoreGeometry(geometry)
        if state:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.window_geometry = bytes(self.saveGeometry())
        self.settings.window_state = bytes(self.saveState())
        self.files.autosave()
        self.worker.shutdown()
        self.editor.shutdown()
        super().closeEvent(event)
