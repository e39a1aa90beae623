"""The morph tab's state and its job: photos A and B, the morph's frames and their playback.

A QObject without widgets: the view calls its methods and redraws from its signals. The morph
itself is the journey's `morphing`, submitted to the model worker the tabs share, through a
`RequestTracker` so that only this tab's reports reach it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from igan_app import imaging
from igan_app.engine.session import MorphPart, MorphPhoto
from igan_app.gui.requests import RequestTracker
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache, Progress
from igan_app.journeys.morph import PHOTO_LABELS, Morphed, morphing
from igan_app.messages import one_line

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig

FPS = 10
MIN_PHOTO_SIDE = 64  # pixels; the smallest model frame the zoo ships


class MorphModel(QObject):
    """Morph photo A into photo B through the manifold, then play and export the frames.

    worker: the model worker, shared with the other tabs; cache: the loaded models, shared too.
    Call `set_model` before `start`. Nothing here waits for the worker.
    """

    photoChanged = Signal(int, str)  # slot, what the photo is ("dune.jpg (640×480)")
    framesChanged = Signal()  # a morph's frames arrived
    frameChanged = Signal(int)  # the index of the frame shown
    playingChanged = Signal(bool)
    busyChanged = Signal(bool)
    progressed = Signal(str, int, int)  # what, done, total; total 0: no measure yet
    errorOccurred = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, worker: ModelWorker, cache: ModelCache,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._model: str | None = None
        self._device: str | None = None
        self.projection: ProjectionConfig | None = None  # None: ProjectionConfig's defaults
        # Steps of tuning the generator on both photos (the editor's setting; None: the
        # TuningConfig's own, 0: not tuned).
        self.tune_steps: int | None = None
        self._photos: list[MorphPhoto | None] = [None, None]
        self.options: tuple[int, int] | None = None  # frames and size of the last morph started
        self._frames: list[np.ndarray] = []
        self._current = 0
        self._busy = False
        self._timer = QTimer(self, interval=1000 // FPS)
        self._timer.timeout.connect(self._advance)
        self._requests = RequestTracker(worker, self)
        self._requests.step.connect(self._on_step)
        self._requests.finished.connect(self._on_finished)
        self._requests.failed.connect(self._on_failed)
        self._requests.cancelled.connect(self._on_cancelled)

    def set_model(self, name: str, device: str | None) -> None:
        """The manifold the next morph uses (registry name or folder) and its device (None: auto)."""
        self._model, self._device = name, device

    # --- photos ----------------------------------------------------------------------------

    def photo(self, slot: int) -> np.ndarray | None:
        """Photo A (slot 0) or B (slot 1), RGB uint8, or None before it is opened."""
        photo = self._photos[slot]
        return None if photo is None else photo.photo

    def has_photos(self) -> bool:
        return all(photo is not None for photo in self._photos)

    def open_photo(self, slot: int, path: str | Path) -> bool:
        """Read photo A (slot 0) or B (slot 1); False, with errorOccurred, when it cannot be used."""
        path = Path(path)
        try:
            photo = imaging.read_image(path)
            # The file itself, for a session to keep as it is (a JPEG is far smaller than a PNG
            # of its pixels); not when it is larger than the pixels (an uncompressed TIFF).
            encoded = path.read_bytes() if path.stat().st_size <= photo.nbytes else None
        except (imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        height, width = photo.shape[:2]
        # The journey checks the photo against the model too; this answers before it is loaded.
        if min(height, width) < MIN_PHOTO_SIDE:
            self.errorOccurred.emit(f"{path}: the photo is {width}×{height}, smaller than "
                                    f"{MIN_PHOTO_SIDE} px on a side")
            return False
        self._set_photo(slot, MorphPhoto(photo, path.name, encoded))
        self.statusMessage.emit(f"photo {PHOTO_LABELS[slot]}: {path.name}, {width}×{height}")
        return True

    def _set_photo(self, slot: int, photo: MorphPhoto) -> None:
        self._photos[slot] = photo
        height, width = photo.photo.shape[:2]
        self.photoChanged.emit(slot, f"{photo.name or 'photo'} ({width}×{height})")

    # --- sessions --------------------------------------------------------------------------

    def session_part(self) -> MorphPart | None:
        """The photos (as their files were read) and the last morph's options, for a session
        file; None before any photo is opened."""
        if all(photo is None for photo in self._photos):
            return None
        frames, size = self.options or (None, None)
        return MorphPart(tuple(self._photos), frames, size)

    def restore(self, part: MorphPart) -> None:
        """A session's photos (a slot it has none for keeps its photo) and options; the frames
        are not kept in sessions: morph again."""
        for slot, photo in enumerate(part.photos):
            if photo is not None:
                self._set_photo(slot, photo)
        if part.frames is not None and part.size is not None:
            self.options = (part.frames, part.size)

    # --- the job ---------------------------------------------------------------------------

    def start(self, frames: int, size: int) -> bool:
        """Submit a morph of `frames` frames (both photos included) of size² pixels to the
        worker (replacing any job it runs); False, with errorOccurred, when a photo or the model
        is missing."""
        missing = [label for label, photo in zip(PHOTO_LABELS, self._photos) if photo is None]
        if missing:
            self.errorOccurred.emit(f"morph: open photo {' and '.join(missing)} first")
            return False
        if self._model is None:
            self.errorOccurred.emit("morph: no model chosen")
            return False
        cache, model, device, projection = self._cache, self._model, self._device, self.projection
        photo_a, photo_b = (photo.photo for photo in self._photos)
        tune_steps = self.tune_steps

        def steps():
            from igan_app.engine.tuning import tuning_config  # torch: on the worker

            return morphing(cache, model, device, photo_a, photo_b, frames=frames, size=size,
                            projection=projection, tuning=tuning_config(tune_steps))

        try:
            self._requests.submit("morph", steps)
        except RuntimeError as err:  # the worker has been shut down
            self.errorOccurred.emit(f"morph: {err}")
            return False
        self.options = (frames, size)
        self.play(False)
        self.progressed.emit("loading", 0, 0)  # no measure while the models load
        self.statusMessage.emit(f"morphing: {frames} frames at {size}²…")
        self._set_busy(True)
        return True

    def stop(self) -> None:
        """Stop the morph at its next step, if this tab's request is the one running."""
        if self._busy:
            self._requests.stop()

    def is_busy(self) -> bool:
        """Whether this tab's morph is queued or running."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    def _on_step(self, _request: int, _kind: str, result: object) -> None:
        if isinstance(result, Progress):
            self.progressed.emit(result.what, result.done, max(1, result.total))

    def _ended(self) -> bool:
        """Whether the morph that ended is this tab's newest (none of its own waits after it);
        if so, the tab is no longer busy."""
        if self._requests.pending():
            return False
        self._set_busy(False)
        return True

    def _on_finished(self, _request: int, _kind: str, last: object) -> None:
        if self._ended() and isinstance(last, Morphed) and last.frames:
            self._show_frames(last.frames)
            side = last.frames[0].shape[0]
            self.statusMessage.emit(f"morph: {len(last.frames)} frames at {side}² in "
                                    f"{last.seconds:.1f} s")

    def _on_failed(self, _request: int, _kind: str, message: str, _details: str) -> None:
        if self._ended():
            self.errorOccurred.emit(message)

    def _on_cancelled(self, _request: int, _kind: str) -> None:
        if self._ended():
            self.statusMessage.emit("morph stopped")

    # --- frames ----------------------------------------------------------------------------

    def frames(self) -> list[np.ndarray]:
        """The last morph's frames, RGB uint8 (size, size, 3), A first; empty before one."""
        return list(self._frames)

    def frame_count(self) -> int:
        return len(self._frames)

    def current_frame(self) -> int:
        """The index of the frame shown (0 before any morph)."""
        return self._current

    def frame(self) -> np.ndarray | None:
        """The frame shown, or None before any morph."""
        return self._frames[self._current] if self._frames else None

    def set_frame(self, index: int) -> None:
        """Show frame `index`, clamped to the frames there are."""
        if self._frames:
            self._current = max(0, min(int(index), len(self._frames) - 1))
            self.frameChanged.emit(self._current)

    def _show_frames(self, frames: Sequence[np.ndarray]) -> None:
        self._frames = list(frames)
        self.framesChanged.emit()
        self.set_frame(0)

    def play(self, on: bool) -> None:
        """Start or pause the playback, FPS frames a second, looping; needs two frames."""
        on = bool(on) and len(self._frames) >= 2
        if on:
            self._timer.start()
        else:
            self._timer.stop()
        self.playingChanged.emit(on)

    def is_playing(self) -> bool:
        return self._timer.isActive()

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


__all__ = ["FPS", "MIN_PHOTO_SIDE", "MorphModel"]
