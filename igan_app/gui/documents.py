"""The editor's files: photos and sessions opened, results and sessions saved, the recent files,
a dropped file, the session kept between runs, and the dialogs that ask for them.

`EditorFiles` turns files into the editor model's documents and back (the conversion itself is
`gui.editor.document`'s) and reports as the tabs do: errorOccurred for a dialog, statusMessage,
folderUsed; opened when a photo or session is now the editor's, so the window shows the editor.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from igan_app import imaging
from igan_app.engine.session import SESSION_SUFFIX, SessionError, open_session, save_session
from igan_app.gui.editor.document import from_session, to_session
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.settings import Settings

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
SESSION_FILTER = f"iGAN sessions (*{SESSION_SUFFIX})"
START_SCENE = (103, (480, 640))  # world seed and size shown when there is no last session
MAX_RECENT_SHOWN = 10


def manifold_names() -> list[str]:
    """The installed manifolds (the models the editor can use)."""
    from igan_app.zoo.registry import MANIFOLD_KIND, ModelRegistry

    return [e.name for e in ModelRegistry().entries() if e.kind == MANIFOLD_KIND]


def autosave_path() -> Path:
    """Where the window keeps the session it reopens at the next start."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".igan-studio") / f"last-session{SESSION_SUFFIX}"


def dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The one local photo or session file a drag carries, else None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = urls[0].toLocalFile()
    if path.lower().endswith(IMAGE_SUFFIXES + (SESSION_SUFFIX,)):
        return path
    return None


class EditorFiles(QObject):
    """The editor's documents to and from files; `parent` owns the dialogs.

    Signals: errorOccurred(message); statusMessage(text); folderUsed(folder); opened() (a file
    is now the editor's document); modelChosen(name) (an opened session's installed manifold,
    sent before the session's document reaches the editor).
    """

    errorOccurred = Signal(str)
    statusMessage = Signal(str)
    folderUsed = Signal(str)
    opened = Signal()
    modelChosen = Signal(str)

    def __init__(self, editor: EditorModel, settings: Settings, parent: QWidget) -> None:
        super().__init__(parent)
        self.editor, self.settings, self._parent = editor, settings, parent
        self._result_path: str | None = None

    # --- opening ----------------------------------------------------------------------------

    def open_photo(self, path: str | Path) -> bool:
        """Open a photo in the editor; a file that cannot be read gets a message."""
        try:
            photo = imaging.read_image(path)
        except (imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(str(err))
            return False
        self.editor.open_photo(photo, str(path))
        self._remember(path)
        self.opened.emit()
        return True

    def open_session(self, path: str | Path, *, quiet: bool = False) -> bool:
        """Open a session file in the editor; `quiet`: a file that cannot be read gets no
        message."""
        try:
            session = open_session(path)
        except SessionError as err:
            if not quiet:
                self.errorOccurred.emit(str(err))
            return False
        if session.model in manifold_names():
            self.modelChosen.emit(session.model)
        self.editor.restore(from_session(session))
        self._remember(path)
        self.opened.emit()
        return True

    def open_any(self, path: str) -> bool:
        """Open a session file or a photo, by its name."""
        if path.lower().endswith(SESSION_SUFFIX):
            return self.open_session(path)
        return self.open_photo(path)

    def open_world_scene(self, seed: int = START_SCENE[0]) -> None:
        """A scene of the landscape world, so that there is something to edit at once."""
        from igan_app.world.render import render

        image, _ = render(seed, START_SCENE[1])
        self.editor.open_photo(image, None)

    def open_start(self) -> None:
        """The session open when the application last closed, else a world scene."""
        last = self.settings.last_session
        if last and Path(last).is_file() and self.open_session(last, quiet=True):
            return
        self.open_world_scene()

    # --- saving -----------------------------------------------------------------------------

    def save_result(self, path: str | Path) -> bool:
        """Write the edited photo at full resolution."""
        doc = self.editor.document
        if doc is None:
            return False
        try:
            imaging.write_image(path, doc.photo)
        except (ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save {path}: {err}")
            return False
        self._result_path = str(path)
        self.folderUsed.emit(str(Path(path).parent))
        self.statusMessage.emit(f"saved {doc.photo.shape[1]}×{doc.photo.shape[0]} → {path}")
        return True

    def save_session(self, path: str | Path) -> bool:
        """Write the editor's document (photo, strokes, latents) as a session file."""
        doc = self.editor.document
        if doc is None:
            return False
        try:
            save_session(path, to_session(doc, self.editor.options.model))
        except (SessionError, ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save the session: {err}")
            return False
        return True

    # --- dialogs and the recent files -------------------------------------------------------

    def open_photo_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open photo",
                                              self.settings.last_folder,
                                              f"{IMAGE_FILTER};;{SESSION_FILTER}")
        if path:
            self.open_any(path)

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open session",
                                              self.settings.last_folder, SESSION_FILTER)
        if path:
            self.open_session(path)

    def save_result_dialog(self) -> None:
        if self.editor.document is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Save result", self._result_path or self._suggested_name("-edited.png"),
            "PNG (*.png);;JPEG (*.jpg *.jpeg)")
        if path:
            self.save_result(path)

    def save_session_dialog(self) -> None:
        if self.editor.document is None:
            return
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save session",
                                              self._suggested_name(SESSION_SUFFIX), SESSION_FILTER)
        if path:
            if not path.endswith(SESSION_SUFFIX):
                path += SESSION_SUFFIX
            if self.save_session(path):
                self._remember(path)

    def fill_recent(self, menu: QMenu) -> None:
        """List the recent files that still exist in `menu`, each opening its file."""
        menu.clear()
        recent = self.settings.recent_files(existing_only=True)[:MAX_RECENT_SHOWN]
        for path in recent:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_any(p))
        if not recent:
            menu.addAction("(none)").setEnabled(False)

    def _suggested_name(self, ending: str) -> str:
        """The last folder, and the photo's name (or "world-scene") followed by `ending`."""
        doc = self.editor.document
        stem = Path(doc.path).stem if doc.path else "world-scene"
        return str(Path(self.settings.last_folder) / f"{stem}{ending}")

    def _remember(self, path: str | Path) -> None:
        self.settings.add_recent(str(Path(path).resolve()))
        self.folderUsed.emit(str(Path(path).resolve().parent))


__all__ = ["IMAGE_FILTER", "IMAGE_SUFFIXES", "SESSION_FILTER", "EditorFiles", "autosave_path",
           "dropped_file", "manifold_names"]
