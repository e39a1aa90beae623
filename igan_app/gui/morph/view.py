"""The morph view: open two photos, morph one into the other on the model worker, play and export.

A thin view over `MorphModel`: it builds the widgets, turns clicks, drops and dialogs into model
calls and redraws from the model's signals. The morph, its frames and their playback are the
model's; the save dialog's choices (`export_target`) are the view's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from igan_app.gui.images import to_pixmap
from igan_app.gui.morph.model import FPS, MorphModel
from igan_app.gui.morph.photo_slot import PhotoSlot
from igan_app.gui.widgets import Picture, button, laid_out, spin
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache
from igan_app.journeys.morph import PHOTO_LABELS

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig

THUMBNAIL_SIDE = 320  # pixels; photos are shrunk once for their slot, not at every paint
EXPORT_FILTERS = ("GIF (*.gif)", "MP4 (*.mp4)", "PNG frames (folder)")  # a save dialog's
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


class MorphView(QWidget):
    """Morph photo A into photo B through the manifold, then play and export the frames.

    worker: the model worker, shared with the other views; cache: the loaded models, shared too.
    Call `set_model` before `start`. Nothing here waits for the worker.
    """

    errorOccurred = Signal(str)
    statusMessage = Signal(str)
    busyChanged = Signal(bool)
    folderUsed = Signal(str)

    def __init__(self, worker: ModelWorker, cache: ModelCache,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MorphModel(worker, cache, self)
        self.last_folder = ""  # where the file dialogs open; the main window may set it
        self._build()
        model = self.model
        model.photoChanged.connect(self._show_photo)
        model.framesChanged.connect(self._frames_arrived)
        model.frameChanged.connect(self._show_frame)
        model.playingChanged.connect(self._show_playing)
        model.progressed.connect(self._show_progress)
        model.busyChanged.connect(self._show_busy)
        model.busyChanged.connect(self.busyChanged)
        model.errorOccurred.connect(self.errorOccurred)
        model.statusMessage.connect(self.statusMessage)
        self._update_controls()

    def _build(self) -> None:
        self._slots: list[PhotoSlot] = []
        self._names: list[QLabel] = []
        columns = []
        for slot, label in enumerate(PHOTO_LABELS):
            picture, name = PhotoSlot(label), QLabel("")
            picture.setObjectName(f"slot{label}")
            picture.fileDropped.connect(lambda path, slot=slot: self.open_photo(slot, path))
            open_button = button(f"open{label}", f"Open {label}…",
                                 lambda s=slot: self.open_dialog(s))
            columns.append(laid_out(QVBoxLayout(), picture, name, open_button))
            self._slots.append(picture)
            self._names.append(name)
        self._frames_box = spin("frames", (2, 240, 16), " frames", "Frames, both photos included")
        self._size_box = spin("size", (64, 2048, 256), " px", "Side of the square frames")
        self._size_box.setSingleStep(64)
        self._morph_button = button("morph", "Morph", self.start)
        self._stop_button = button("stop", "Stop", self.stop)
        self._progress = QProgressBar(objectName="progress", visible=False)
        self._preview = Picture("The morph's frames appear here")
        self._preview.setObjectName("preview")
        self._preview.setMinimumSize(256, 256)
        self._play_button = button("play", "Play", lambda: self.play(not self.is_playing()),
                                   "Play (P)")
        self._slider = QSlider(Qt.Orientation.Horizontal, objectName="frameSlider")
        self._slider.valueChanged.connect(self.set_frame)
        self._frame_label = QLabel("")
        self._export_button = button("export", "Export…", self.export_dialog)
        laid_out(QVBoxLayout(self), laid_out(QHBoxLayout(), *columns),
                 laid_out(QHBoxLayout(), self._frames_box, self._size_box, 1,
                          self._morph_button, self._stop_button),
                 self._progress, self._preview,
                 laid_out(QHBoxLayout(), self._play_button, self._slider, self._frame_label,
                          self._export_button))

    # --- settings ------------------------------------------------------------------------------

    def set_model(self, name: str, device: str | None) -> None:
        """The manifold the next morph uses (registry name or folder) and its device (None: auto)."""
        self.model.set_model(name, device)

    def set_options(self, frames: int, size: int, projection: ProjectionConfig | None) -> None:
        """Frames of the next morph (at least 2), their side in pixels, and how the photos are
        projected (None: ProjectionConfig's defaults). Values outside the boxes' ranges clamp."""
        self._frames_box.setValue(frames)
        self._size_box.setValue(size)
        self.model.projection = projection

    def set_last_folder(self, folder: str) -> None:
        """The folder the file dialogs open in."""
        self.last_folder = folder

    def _remember_folder(self, folder: Path) -> None:
        self.last_folder = str(folder)
        self.folderUsed.emit(self.last_folder)

    # --- photos --------------------------------------------------------------------------------

    def open_photo(self, slot: int, path: str | Path) -> bool:
        """Read photo A (slot 0) or B (slot 1); False, with errorOccurred, when it cannot be used."""
        return self.model.open_photo(slot, path)

    def open_dialog(self, slot: int) -> None:
        """Ask for photo A (slot 0) or B (slot 1) with a file dialog in `last_folder`."""
        path, _ = QFileDialog.getOpenFileName(self, f"Open photo {PHOTO_LABELS[slot]}",
                                              self.last_folder, IMAGE_FILTER)
        if path:
            self._remember_folder(Path(path).parent)
            self.open_photo(slot, path)

    def _show_photo(self, slot: int, description: str) -> None:
        thumbnail = to_pixmap(self.model.photo(slot)).scaled(
            THUMBNAIL_SIDE, THUMBNAIL_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self._slots[slot].set_pixmap(thumbnail)
        self._names[slot].setText(description)
        self._update_controls()

    # --- the job -------------------------------------------------------------------------------

    def start(self) -> bool:
        """Submit the morph to the worker (replacing any job it runs); False, with errorOccurred,
        when a photo or the model is missing."""
        return self.model.start(self._frames_box.value(), self._size_box.value())

    def stop(self) -> None:
        """Stop the morph at its next step, if this view's request is the one running."""
        self.model.stop()

    def is_busy(self) -> bool:
        """Whether this view's morph is queued or running."""
        return self.model.is_busy()

    def _show_busy(self, busy: bool) -> None:
        self._progress.setVisible(busy)
        self._update_controls()

    def _show_progress(self, what: str, done: int, total: int) -> None:
        self._progress.setRange(0, total)  # 0..0: a bar without a measure
        if total:
            self._progress.setValue(done)
        self._progress.setFormat(f"{what} %p%")

    # --- frames --------------------------------------------------------------------------------

    def frames(self) -> list[np.ndarray]:
        """The last morph's frames, RGB uint8 (size, size, 3), A first; empty before one."""
        return self.model.frames()

    def frame_count(self) -> int:
        return self.model.frame_count()

    def current_frame(self) -> int:
        """The index of the frame shown (0 before any morph)."""
        return self.model.current_frame()

    def set_frame(self, index: int) -> None:
        """Show frame `index`, clamped to the frames there are."""
        self.model.set_frame(index)

    def _frames_arrived(self) -> None:
        self._slider.setRange(0, self.model.frame_count() - 1)
        self._update_controls()

    def _show_frame(self, index: int) -> None:
        self._slider.blockSignals(True)
        self._slider.setValue(index)
        self._slider.blockSignals(False)
        self._preview.show_image(self.model.frame())
        self._frame_label.setText(f"{index + 1} / {self.model.frame_count()}")

    def play(self, on: bool) -> None:
        """Start or pause the playback, FPS frames a second, looping; needs two frames."""
        self.model.play(on)

    def is_playing(self) -> bool:
        return self.model.is_playing()

    def _show_playing(self, on: bool) -> None:
        self._play_button.setText("Pause" if on else "Play")
        self._play_button.setToolTip("Pause (P)" if on else "Play (P)")

    def export(self, path: str | Path) -> list[Path]:
        """Write the frames as a .gif, an .mp4, or PNG frames in a folder (a path without a
        suffix), at FPS; the files written, or [] with errorOccurred."""
        return self.model.export(path)

    def export_dialog(self) -> None:
        """Ask where to export the frames (GIF, MP4 or a folder of PNGs) and write them there."""
        start = str(Path(self.last_folder) / "morph.gif") if self.last_folder else "morph.gif"
        name, chosen = QFileDialog.getSaveFileName(self, "Export the morph", start,
                                                   ";;".join(EXPORT_FILTERS))
        if name:
            target = export_target(name, chosen)
            self._remember_folder(target.parent)
            self.export(target)

    def _update_controls(self) -> None:
        count, busy = self.model.frame_count(), self.model.is_busy()
        self._morph_button.setEnabled(not busy and self.model.has_photos())
        self._stop_button.setEnabled(busy)
        self._export_button.setEnabled(count > 0)
        self._play_button.setEnabled(count >= 2)
        self._slider.setEnabled(count > 0)


def export_target(name: str, chosen_filter: str) -> Path:
    """Where `imaging.write_animation` writes a save dialog's answer: for "PNG frames" a folder
    (any suffix dropped); otherwise the name, with the chosen filter's suffix added when it has
    no .gif or .mp4 suffix of its own."""
    path = Path(name)
    if chosen_filter.startswith("PNG"):
        return path.with_suffix("") if path.suffix else path
    if path.suffix.lower() in (".gif", ".mp4"):
        return path
    return path.with_name(path.name + (".mp4" if chosen_filter.startswith("MP4") else ".gif"))


__all__ = ["EXPORT_FILTERS", "FPS", "MorphView", "export_target"]
