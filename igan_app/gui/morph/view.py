"""The morph view: open two photos, morph one into the other on the model worker, play and export.

The view is thin: the work is the morph journey (`journeys.morph.morphing`), submitted to the model worker it shares with
the editor view, and the geometry is `geometry.fit_rect`. The worker's signals reach every view that uses
it, so this one acts only on the request number it submitted last and ignores everyone else's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QMimeData, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from igan_app import imaging
from igan_app.gui.geometry import fit_rect
from igan_app.gui.images import to_pixmap
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache, Progress
from igan_app.journeys.morph import PHOTO_LABELS, Morphed, morphing
from igan_app.messages import one_line

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig

FPS = 10
MIN_PHOTO_SIDE = 64  # pixels; the smallest model frame the zoo ships
THUMBNAIL_SIDE = 320  # pixels; photos are shrunk once for their slot, not at every paint
EXPORT_FILTERS = ("GIF (*.gif)", "MP4 (*.mp4)", "PNG frames (folder)")  # a save dialog's
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


def _dropped_file(mime: QMimeData) -> str | None:
    """The first local file among the URLs of a drag, or None."""
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


def _laid_out(layout: QBoxLayout, *items: QWidget | QLayout | int) -> QBoxLayout:
    """`layout` holding `items` in order: widgets, layouts, and ints as stretches."""
    for item in items:
        if isinstance(item, int):
            layout.addStretch(item)
        elif isinstance(item, QWidget):
            layout.addWidget(item)
        else:
            layout.addLayout(item)
    return layout


def _button(name: str, text: str, action: Callable[[], object]) -> QPushButton:
    button = QPushButton(text, objectName=name)
    button.clicked.connect(lambda _=False: action())
    return button


def _spin(name: str, range_: tuple[int, int, int], suffix: str, tip: str) -> QSpinBox:
    """A spin box from (low, high, value)."""
    box = QSpinBox(objectName=name, suffix=suffix, toolTip=tip)
    box.setRange(*range_[:2])
    box.setValue(range_[2])
    return box


class _Picture(QWidget):
    """A pixmap scaled to fit the widget, aspect kept; a placeholder text while there is none."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap, self._placeholder = QPixmap(), placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self._pixmap.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        x, y, w, h = fit_rect((self._pixmap.width(), self._pixmap.height()),
                              (self.width(), self.height()))
        painter.drawPixmap(QRect(x, y, w, h), self._pixmap)


class _PhotoSlot(_Picture):
    """A photo's thumbnail that takes an image file dropped on it."""

    fileDropped = Signal(str)

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Drop photo {label} here", parent)
        self.setAcceptDrops(True)
        self.setMinimumSize(160, 120)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.fileDropped.emit(path)


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
        self._worker, self._cache = worker, cache
        self._model: str | None = None
        self._device: str | None = None
        self._projection: ProjectionConfig | None = None
        self._photos: list[np.ndarray | None] = [None, None]
        self._frames: list[np.ndarray] = []
        self._current = 0
        self._request = 0  # the request this view submitted last; 0: none yet
        self._busy = False
        self.last_folder = ""  # where the file dialogs open; the main window may set it
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // FPS)
        self._timer.timeout.connect(self._advance)
        self._build()
        worker.step.connect(self._on_step)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._update_controls()

    def _build(self) -> None:
        self._slots: list[_PhotoSlot] = []
        self._names: list[QLabel] = []
        columns = []
        for slot, label in enumerate(PHOTO_LABELS):
            picture, name = _PhotoSlot(label), QLabel("")
            picture.setObjectName(f"slot{label}")
            picture.fileDropped.connect(lambda path, slot=slot: self.open_photo(slot, path))
            button = _button(f"open{label}", f"Open {label}…", lambda s=slot: self.open_dialog(s))
            columns.append(_laid_out(QVBoxLayout(), picture, name, button))
            self._slots.append(picture)
            self._names.append(name)
        self._frames_box = _spin("frames", (2, 240, 16), " frames", "Frames, both photos included")
        self._size_box = _spin("size", (64, 2048, 256), " px", "Side of the square frames")
        self._size_box.setSingleStep(64)
        self._morph_button = _button("morph", "Morph", self.start)
        self._stop_button = _button("stop", "Stop", self.stop)
        self._progress = QProgressBar(objectName="progress", visible=False)
        self._preview = _Picture("The morph's frames appear here")
        self._preview.setObjectName("preview")
        self._preview.setMinimumSize(256, 256)
        self._play_button = _button("play", "Play", lambda: self.play(not self.is_playing()))
        self._play_button.setToolTip("Play (P)")
        self._slider = QSlider(Qt.Orientation.Horizontal, objectName="frameSlider")
        self._slider.valueChanged.connect(self.set_frame)
        self._frame_label = QLabel("")
        self._export_button = _button("export", "Export…", self.export_dialog)
        _laid_out(QVBoxLayout(self), _laid_out(QHBoxLayout(), *columns),
                  _laid_out(QHBoxLayout(), self._frames_box, self._size_box, 1,
                            self._morph_button, self._stop_button),
                  self._progress, self._preview,
                  _laid_out(QHBoxLayout(), self._play_button, self._slider, self._frame_label,
                            self._export_button))

    # --- settings ------------------------------------------------------------------------------

    def set_model(self, name: str, device: str | None) -> None:
        """The manifold the next morph uses (registry name or folder) and its device (None: auto)."""
        self._model, self._device = name, device

    def set_options(self, frames: int, size: int, projection: ProjectionConfig | None) -> None:
        """Frames of the next morph (at least 2), their side in pixels, and how the photos are
        projected (None: ProjectionConfig's defaults). Values outside the boxes' ranges clamp."""
        self._frames_box.setValue(frames)
        self._size_box.setValue(size)
        self._projection = projection

    def set_last_folder(self, folder: str) -> None:
        """The folder the file dialogs open in."""
        self.last_folder = folder

    def _remember_folder(self, folder: Path) -> None:
        self.last_folder = str(folder)
        self.folderUsed.emit(self.last_folder)

    # --- photos --------------------------------------------------------------------------------

    def open_photo(self, slot: int, path: str | Path) -> bool:
        """Read photo A (slot 0) or B (slot 1); False, with errorOccurred, when it cannot be used."""
        label = PHOTO_LABELS[slot]
        path = Path(path)
        try:
            photo = imaging.read_image(path)
        except imaging.ImageError as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        height, width = photo.shape[:2]
        if min(height, width) < MIN_PHOTO_SIDE:
            self.errorOccurred.emit(f"{path}: the photo is {width}×{height}, smaller than "
                                    f"{MIN_PHOTO_SIDE} px on a side")
            return False
        self._photos[slot] = photo
        thumbnail = to_pixmap(photo).scaled(THUMBNAIL_SIDE, THUMBNAIL_SIDE,
                                            Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)
        self._slots[slot].set_pixmap(thumbnail)
        self._names[slot].setText(f"{path.name} ({width}×{height})")
        self._update_controls()
        self.statusMessage.emit(f"photo {label}: {path.name}, {width}×{height}")
        return True

    def open_dialog(self, slot: int) -> None:
        """Ask for photo A (slot 0) or B (slot 1) with a file dialog in `last_folder`."""
        path, _ = QFileDialog.getOpenFileName(self, f"Open photo {PHOTO_LABELS[slot]}",
                                              self.last_folder, IMAGE_FILTER)
        if path:
            self._remember_folder(Path(path).parent)
            self.open_photo(slot, path)

    # --- the job -------------------------------------------------------------------------------

    def start(self) -> bool:
        """Submit the morph to the worker (replacing any job it runs); False, with errorOccurred,
        when a photo or the model is missing."""
        missing = [label for label, photo in zip(PHOTO_LABELS, self._photos) if photo is None]
        if missing:
            self.errorOccurred.emit(f"morph: open photo {' and '.join(missing)} first")
            return False
        if self._model is None:
            self.errorOccurred.emit("morph: no model chosen")
            return False
        cache, model, device, projection = self._cache, self._model, self._device, self._projection
        photo_a, photo_b = self._photos
        frames, size = self._frames_box.value(), self._size_box.value()
        try:
            self._request = self._worker.submit("morph", lambda: morphing(
                cache, model, device, photo_a, photo_b, frames=frames, size=size,
                projection=projection))
        except RuntimeError as err:  # the worker has been shut down
            self.errorOccurred.emit(f"morph: {err}")
            return False
        self.play(False)
        self._progress.setRange(0, 0)  # an indefinite bar while the models load
        self._progress.setFormat("loading %p%")
        self.statusMessage.emit(f"morphing: {frames} frames at {size}²…")
        self._set_busy(True)
        return True

    def stop(self) -> None:
        """Stop the morph at its next step, if this view's request is the one running."""
        if self._busy and self._worker.latest_request == self._request:
            self._worker.stop()

    def is_busy(self) -> bool:
        """Whether this view's morph is queued or running."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._progress.setVisible(busy)
        if busy != self._busy:
            self._busy = busy
            self._update_controls()
            self.busyChanged.emit(busy)

    @Slot(int, object)
    def _on_step(self, request: int, result: object) -> None:
        if request == self._request and isinstance(result, Progress):
            self._progress.setRange(0, max(1, result.total))
            self._progress.setValue(result.done)
            self._progress.setFormat(f"{result.what} %p%")

    def _ended(self, request: int) -> bool:
        """Whether `request` is this view's latest; if so, the view is no longer busy."""
        if request == self._request:
            self._set_busy(False)
        return request == self._request

    @Slot(int, object)
    def _on_finished(self, request: int, last: object) -> None:
        if self._ended(request) and isinstance(last, Morphed) and last.frames:
            self._show_frames(last.frames)
            side = last.frames[0].shape[0]
            self.statusMessage.emit(f"morph: {len(last.frames)} frames at {side}² in "
                                    f"{last.seconds:.1f} s")

    @Slot(int, str, str)
    def _on_failed(self, request: int, message: str, details: str) -> None:
        if self._ended(request):
            self.errorOccurred.emit(message)

    @Slot(int)
    def _on_cancelled(self, request: int) -> None:
        if self._ended(request):
            self.statusMessage.emit("morph stopped")

    # --- frames --------------------------------------------------------------------------------

    def frames(self) -> list[np.ndarray]:
        """The last morph's frames, RGB uint8 (size, size, 3), A first; empty before one."""
        return list(self._frames)

    def frame_count(self) -> int:
        return len(self._frames)

    def current_frame(self) -> int:
        """The index of the frame shown (0 before any morph)."""
        return self._current

    def set_frame(self, index: int) -> None:
        """Show frame `index`, clamped to the frames there are."""
        if not self._frames:
            return
        self._current = max(0, min(int(index), len(self._frames) - 1))
        self._slider.blockSignals(True)
        self._slider.setValue(self._current)
        self._slider.blockSignals(False)
        self._preview.set_pixmap(to_pixmap(self._frames[self._current]))
        self._frame_label.setText(f"{self._current + 1} / {len(self._frames)}")

    def _show_frames(self, frames: Sequence[np.ndarray]) -> None:
        self._frames = list(frames)
        self._slider.setRange(0, len(self._frames) - 1)
        self._update_controls()
        self.set_frame(0)

    def play(self, on: bool) -> None:
        """Start or pause the playback, FPS frames a second, looping; needs two frames."""
        on = bool(on) and len(self._frames) >= 2
        if on:
            self._timer.start()
        else:
            self._timer.stop()
        self._play_button.setText("Pause" if on else "Play")
        self._play_button.setToolTip("Pause (P)" if on else "Play (P)")

    def is_playing(self) -> bool:
        return self._timer.isActive()

    @Slot()
    def _advance(self) -> None:
        self.set_frame((self._current + 1) % max(1, len(self._frames)))

    def export(self, path: str | Path) -> list[Path]:
        """Write the frames as a .gif, an .mp4, or PNG frames in a folder (a path without a
        suffix), at FPS; the files written, or [] with errorOccurred."""
        if not self._frames:
            self.errorOccurred.emit("export: nothing to export yet; morph first")
            return []
        try:
            written = imaging.write_animation(path, self._frames, fps=FPS)
        except (ValueError, OSError) as err:  # ImageError is a ValueError
            self.errorOccurred.emit(f"export: {one_line(str(err))}")
            return []
        self.statusMessage.emit(f"exported {len(self._frames)} frames → {path}")
        return written

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
        has_frames = bool(self._frames)
        self._morph_button.setEnabled(not self._busy and all(p is not None for p in self._photos))
        self._stop_button.setEnabled(self._busy)
        self._export_button.setEnabled(has_frames)
        self._play_button.setEnabled(len(self._frames) >= 2)
        self._slider.setEnabled(has_frames)


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
