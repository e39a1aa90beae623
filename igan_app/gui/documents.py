"""The editor's files: photos and sessions opened, results and sessions saved, the recent files,
a dropped file, the session kept between runs, and the dialogs that ask for them.

`EditorFiles` turns files into the editor model's documents and back (the conversion itself is
`gui.editor.document`'s) and reports as the tabs do: errorOccurred for a dialog, statusMessage,
folderUsed; opened when a photo or session is now the editor's, so the window shows the editor.

Nothing the user made is lost without a question: a photo is checked against the model's frame
before it replaces anything, replacing unsaved work asks first (and the work is autosaved, and
Undo brings it back), and saving the result while an edit is shown but not applied asks whether
to apply it. A session keeps the editor's candidates (the chosen one comes back chosen) and what
the window's `tab_parts` gives (the paint and morph tabs'); `sessionOpened` hands an opened
session to the window, which gives those tabs their parts back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from igan_app import imaging
from igan_app.engine.frame import check_fits
from igan_app.engine.session import (
    SESSION_SUFFIX,
    EditorSession,
    SessionError,
    open_session,
    save_session,
)
from igan_app.engine.strokes import StrokeSet
from igan_app.gui.autosave import unchanged, write_rotated
from igan_app.gui.dialogs import Button, ask
from igan_app.gui.editor.document import from_session, has_work, to_session
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.editor.proposal import Proposal
from igan_app.gui.settings import Settings
from igan_app.gui.widgets import local_files

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
SESSION_FILTER = f"iGAN sessions (*{SESSION_SUFFIX})"
START_SCENE = (103, (480, 640))  # world seed and size shown when there is no last session
MAX_RECENT_SHOWN = 10


def manifold_names() -> list[str]:
    """The installed manifolds (the models the editor can use)."""
    from igan_app.zoo.registry import MANIFOLD_KINDS, ModelRegistry

    return [e.name for e in ModelRegistry().entries() if e.kind in MANIFOLD_KINDS]


def model_resolution(model: str) -> int | None:
    """The side of `model`'s frame (a registry name or a checkpoint folder) from its config.json,
    without loading weights; None when it cannot be read (the model's job then says why)."""
    from igan_app.zoo.checkpoint import CheckpointError, read_config
    from igan_app.zoo.registry import ModelRegistry, UnknownModelError

    try:
        if Path(model).is_dir():
            size = read_config(model)["resolution"]
            return max(size) if isinstance(size, list) else int(size)
        return max(ModelRegistry().get(model).resolution)
    except (CheckpointError, UnknownModelError, OSError, ValueError, TypeError):
        return None


def autosave_path() -> Path:
    """Where the window keeps the session it reopens at the next start."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".igan-studio") / f"last-session{SESSION_SUFFIX}"


def dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The one local photo or session file a drag carries, else None."""
    files = local_files(event.mimeData())
    if len(files) == 1 and len(event.mimeData().urls()) == 1 \
            and files[0].lower().endswith(IMAGE_SUFFIXES + (SESSION_SUFFIX,)):
        return files[0]
    return None


class EditorFiles(QObject):
    """The editor's documents to and from files; `parent` owns the dialogs.

    Signals: errorOccurred(message); statusMessage(text); folderUsed(folder); opened() (a file
    is now the editor's document); modelChosen(name) (an opened session's installed manifold,
    sent before the session's document reaches the editor); sessionOpened(EditorSession) (after
    it reached the editor: the other tabs' parts are the window's to restore).

    tab_parts: called when a session is saved, it returns the other tabs' `EditorSession`
    fields ("paint", "morph"; None or missing: not kept).
    """

    errorOccurred = Signal(str)
    statusMessage = Signal(str)
    folderUsed = Signal(str)
    opened = Signal()
    modelChosen = Signal(str)
    sessionOpened = Signal(object)

    def __init__(self, editor: EditorModel, settings: Settings, parent: QWidget,
                 autosave: Path | None = None) -> None:
        super().__init__(parent)
        self.editor, self.settings, self._parent = editor, settings, parent
        self.autosave_path = autosave  # None: nothing is autosaved
        self.tab_parts: Callable[[], dict[str, object]] = dict
        self._result_path: str | None = None
        self._saved: tuple[np.ndarray, StrokeSet] | None = None  # the photo and strokes on file
        self._autosaved: tuple = ()  # what the last autosave held (see `autosave.unchanged`)
        self._save_after_apply: str | None = None  # the result's file, once Apply has run
        editor.applied.connect(self._on_applied)
        editor.busyChanged.connect(self._on_busy)

    # --- opening ----------------------------------------------------------------------------

    def open_photo(self, path: str | Path) -> bool:
        """Open a photo in the editor; a file that cannot be read, or that is smaller than the
        model's frame, gets a message and changes nothing; unsaved work is asked about."""
        try:
            photo = imaging.read_image(path)
        except (imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(str(err))
            return False
        if not self._fits(photo, Path(path).name) or not self._may_replace():
            return False
        self.editor.open_photo(photo, str(path))
        self._opened(path)
        return True

    def open_image(self, photo: np.ndarray, name: str = "the picture") -> bool:
        """Open an RGB uint8 picture (a paint render) as an unsaved photo, as `open_photo` does."""
        if not self._fits(photo, name) or not self._may_replace():
            return False
        self.editor.open_photo(photo, None)
        self._opened(None)
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
        if not self._fits(session.photo, Path(path).name) or not self._may_replace():
            return False
        if session.model in manifold_names():
            self.modelChosen.emit(session.model)
        # The candidates' latents are the session model's: of no use to another manifold.
        same_model = session.model == self.editor.options.model
        self.editor.restore(from_session(session),
                            Proposal.from_session(session) if same_model else Proposal())
        self.sessionOpened.emit(session)
        self._opened(path)
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
        self.editor.open_photo(image, None, start_scene=True)

    def open_start(self) -> None:
        """The session open when the application last closed, else a world scene."""
        last = self.settings.last_session
        if last and Path(last).is_file() and self.open_session(last, quiet=True):
            return
        self.open_world_scene()

    # --- saving -----------------------------------------------------------------------------

    def save_result(self, path: str | Path) -> bool:
        """Write the document's photo at full resolution (an edit not applied is not in it)."""
        doc = self.editor.document
        if doc is None:
            return False
        try:
            imaging.write_image(path, doc.photo)
        except (ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save {path}: {err}")
            return False
        self._result_path = str(path)
        self._saved = (doc.photo, StrokeSet(doc.photo.shape[:2]))  # strokes are not in a result
        self.folderUsed.emit(str(Path(path).parent))
        self.statusMessage.emit(f"saved {doc.photo.shape[1]}×{doc.photo.shape[0]} → {path}")
        return True

    def session(self, parts: dict[str, object] | None = None) -> EditorSession | None:
        """What a session file of the window holds now: the editor's document and candidates,
        and the other tabs' `parts` (None: `tab_parts()`); None without a document."""
        doc = self.editor.document
        if doc is None:
            return None
        parts = self.tab_parts() if parts is None else parts
        return to_session(doc, self.editor.options.model, **self.editor.proposal.session_fields(),
                          **{name: part for name, part in parts.items() if part is not None})

    def save_session(self, path: str | Path) -> bool:
        """Write the editor's document (photo, strokes, latents, candidates) and the other
        tabs' parts as a session file."""
        doc = self.editor.document
        if doc is None:
            return False
        try:
            save_session(path, self.session())
        except (SessionError, ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save the session: {err}")
            return False
        self._saved = (doc.photo, doc.strokes)
        return True

    def autosave(self) -> bool:
        """Keep the session (`session()`) as the newest autosave (the earlier ones rotate, see
        `gui.autosave`) and reopen it at the next start. Nothing changed since the last
        autosave, or nothing made (no projection, no work, no other tab's part), is not kept: it
        would push a good autosave out for nothing."""
        doc, parts = self.editor.document, self.tab_parts()
        if self.autosave_path is None or doc is None:
            return False
        key = (doc, self.editor.proposal,
               *(vars(parts[n]) if parts[n] is not None else None for n in sorted(parts)))
        if (unchanged(key, self._autosaved) or (doc.anchor is None and not has_work(doc)
                                            and not any(parts.values()))):
            return False
        try:
            session = self.session(parts)
            write_rotated(self.autosave_path, lambda path: save_session(path, session))
        except (SessionError, ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not autosave the session: {err}")
            return False
        self._autosaved = key
        self.settings.last_session = str(self.autosave_path)
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
        """Ctrl+S: while an edit is shown but not applied, ask whether to apply it first."""
        if self.editor.document is None:
            return
        answer = Button.Discard
        if self.editor.candidates is not None:
            answer = ask(self._parent, "The edit shown is not applied to the photo yet.",
                         "Apply it and save the result, or save the photo as it is?",
                         {Button.Save: "Apply and save", Button.Discard: "Save without the edit",
                          Button.Cancel: "Cancel"}, Button.Save)
        if answer == Button.Cancel:
            return
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Save result", self._result_path or self._suggested_name("-edited.png"),
            "PNG (*.png);;JPEG (*.jpg *.jpeg)")
        if not path:
            return
        if answer == Button.Discard:
            self.save_result(path)
            return
        self._save_after_apply = path
        if self.editor.chosen is None:
            self.editor.choose(0)  # the best candidate: the one the canvas shows
        if not self.editor.apply():
            self._save_after_apply = None

    def save_session_dialog(self) -> bool:
        """Ask where to save the session and save it; whether it was saved."""
        if self.editor.document is None:
            return False
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save session",
                                              self._suggested_name(SESSION_SUFFIX), SESSION_FILTER)
        if not path:
            return False
        if not path.endswith(SESSION_SUFFIX):
            path += SESSION_SUFFIX
        if not self.save_session(path):
            return False
        self._remember(path)
        return True

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

    # --- what may replace the document, and saving once Apply has run ------------------------

    def _fits(self, photo: np.ndarray, name: str) -> bool:
        """Whether `photo` covers the model's frame; a message naming `name` when not."""
        resolution = model_resolution(self.editor.options.model)
        try:
            if resolution is not None:
                check_fits(photo.shape[:2], resolution, name)
        except ValueError as err:
            self.errorOccurred.emit(f"{err}: open a photo at least {resolution} pixels on each "
                                    "side")
            return False
        return True

    def _unsaved(self) -> bool:
        """Whether the document holds strokes or applied edits not written since it was opened or
        last saved."""
        doc = self.editor.document
        if not has_work(doc):
            return False
        saved = self._saved
        return saved is None or doc.photo is not saved[0] or doc.strokes != saved[1]

    def _may_replace(self) -> bool:
        """Whether the document may be replaced: at once when it holds no unsaved work, else as
        the user answers (the work replaced is autosaved, and Undo brings it back)."""
        if not self._unsaved():
            return True
        doc = self.editor.document
        name = Path(doc.path).name if doc.path else "the picture"
        answer = ask(self._parent, f"Replace the unsaved work on {name}?",
                     "Its strokes and applied edits are not saved. Replacing it can be undone "
                     "(Ctrl+Z), and it is kept among the autosaved sessions.",
                     {Button.Save: "Save session…", Button.Discard: "Replace",
                      Button.Cancel: "Cancel"}, Button.Save)
        if answer == Button.Save:
            return self.save_session_dialog()
        if answer == Button.Discard:
            self.autosave()
            return True
        return False

    def _opened(self, path: str | Path | None) -> None:
        doc = self.editor.document
        self._saved = (doc.photo, doc.strokes)
        if path is not None:
            self._remember(path)
        self.opened.emit()

    def _on_applied(self) -> None:
        path, self._save_after_apply = self._save_after_apply, None
        if path is not None:
            self.save_result(path)

    def _on_busy(self, what: str) -> None:
        if not what and self._save_after_apply is not None:  # Apply failed or was stopped
            self.statusMessage.emit(f"{self._save_after_apply} was not saved: the edit was not "
                                    "applied")
            self._save_after_apply = None

    def _remember(self, path: str | Path) -> None:
        self.settings.add_recent(str(Path(path).resolve()))
        self.folderUsed.emit(str(Path(path).resolve().parent))


__all__ = ["IMAGE_FILTER", "IMAGE_SUFFIXES", "SESSION_FILTER", "EditorFiles", "autosave_path",
           "dropped_file", "manifold_names", "model_resolution"]
