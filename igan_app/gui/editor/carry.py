"""The live view: while the candidates update (a stroke being drawn, an edit running), the best
(or the chosen) candidate's change carried onto the photo, so that the main view shows the photo
as it will be rather than the model's 64 px picture stretched over the region.

The carry runs on a worker of its own, beside the editor's, so that it never stops the edit it
follows (the shared worker's newest request replaces the running one). Requests are coalesced:
one carry runs at a time, and of the updates that arrive meanwhile only the newest is carried
next, so a carry slower than the optimizer's steps still finishes and the view follows the edit
a step or two behind. Photos larger than LIVE_SIDE are carried at that size (their strokes
scaled with them), and the change (not the smaller photo) is scaled back onto the photo, which
keeps its own detail: a 1280×800 photo's carry takes a quarter of the time at 640 px.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import Layer, Stroke, StrokesError, StrokeSet, Warp
from igan_app.gui.editor import jobs
from igan_app.gui.editor.document import PATH_FRAMES, Document, EditOptions
from igan_app.gui.editor.proposal import Proposal
from igan_app.gui.requests import RequestTracker
from igan_app.gui.worker import ModelWorker, StepFactory
from igan_app.journeys import edit as journey
from igan_app.journeys.models import ModelCache

log = logging.getLogger(__name__)

LIVE_SIDE = 640  # the longest side a live carry works at
LIVE_FRAMES = 3  # generated pictures along the path of a live carry (Apply follows more)


@dataclass(frozen=True, eq=False)
class Carried:
    """A live carry's result: the photo with the change of candidate `index` of `candidates`
    carried onto it, for `doc` and `options`; `ms` from the candidates' arrival to the result."""

    doc: Document
    options: EditOptions
    candidates: journey.Candidates
    index: int
    photo: np.ndarray
    ms: float


def live_job(cache: ModelCache, options: EditOptions, doc: Document,
             candidates: journey.Candidates, index: int, asked: float) -> StepFactory:
    """Carry candidate `index`'s change onto the document's photo (at most LIVE_SIDE): its
    `Applied` steps' last becomes one `Carried`; `asked`: `time.perf_counter()` of the ask."""
    target = candidates.latents[index]

    def steps():
        import cv2

        photo, frame, carried = doc.photo, doc.frame, doc
        scale = LIVE_SIDE / max(photo.shape[:2])
        if scale < 1:
            photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            frame = _scaled(frame, photo.shape[:2], scale)
            carried = replace(doc, strokes=scaled_strokes(doc.strokes, photo.shape[:2], scale))
        for step in jobs.carry(cache, options, carried, photo, frame, target, 1.0, LIVE_FRAMES):
            if isinstance(step, journey.Applied):
                edited = step.photo
                if scale < 1:
                    edited = _change_onto(doc.photo, photo, edited)
                yield Carried(doc, options, candidates, index, edited,
                              (time.perf_counter() - asked) * 1000)

    return steps


def _scaled(frame: Frame, size: tuple[int, int], scale: float) -> Frame:
    """`frame`'s region on the photo scaled by `scale` to `size` (height, width)."""
    height, width = size
    left, top, right, bottom = frame.box
    box = (min(int(left * scale), width - 1), min(int(top * scale), height - 1),
           min(max(round(right * scale), int(left * scale) + 1), width),
           min(max(round(bottom * scale), int(top * scale) + 1), height))
    return Frame(size, box, frame.resolution)


def scaled_strokes(strokes: StrokeSet, size: tuple[int, int], scale: float) -> StrokeSet:
    """`strokes` on the photo scaled by `scale` to `size` (height, width); none when one of them
    no longer reaches into it (a speck of a layer)."""
    import cv2

    def point(p: tuple[float, float]) -> tuple[float, float]:
        return p[0] * scale, p[1] * scale

    def sized(picture: np.ndarray | None) -> np.ndarray | None:
        return None if picture is None else cv2.resize(
            picture.astype(np.uint8), (size[1], size[0]), interpolation=cv2.INTER_NEAREST)

    def item(it):
        if isinstance(it, Stroke):
            return replace(it, points=tuple(map(point, it.points)), width=it.width * scale)
        if isinstance(it, Warp):
            return replace(it, source=point(it.source), size=it.size * scale,
                           destination=point(it.destination))
        if isinstance(it, Layer):
            return replace(it, mask=sized(it.mask).astype(bool), colors=sized(it.colors))
        raise TypeError(f"no scaling for a {type(it).__name__}")

    try:
        return StrokeSet(size, tuple(item(it) for it in strokes.items))
    except StrokesError:
        return StrokeSet(size)


def _change_onto(photo: np.ndarray, small: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """`photo` with the change from `small` (a smaller copy) to `edited` scaled up onto it."""
    import cv2

    change = edited.astype(np.float32) - small.astype(np.float32)
    change = cv2.resize(change, (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(photo.astype(np.float32) + change + 0.5, 0, 255).astype(np.uint8)


class LiveCarry(QObject):
    """The live carries of one editor: `request` as the candidates update, `photo_for` what the
    main view shows; `carried` when a new one arrived, with the ms it took from the ask."""

    carried = Signal(float)

    def __init__(self, cache: ModelCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._worker = ModelWorker(self, name="igan-live-carry")
        self._requests = RequestTracker(self._worker, self)
        self._running: int | None = None
        self._waiting: tuple | None = None  # the newest ask while one runs
        self.latest: Carried | None = None
        self._closed = False
        self._requests.step.connect(self._on_step)
        self._requests.finished.connect(self._on_ended)
        self._requests.cancelled.connect(self._on_ended)
        self._requests.failed.connect(self._on_failed)

    def request(self, options: EditOptions, doc: Document, candidates: journey.Candidates,
                index: int) -> None:
        """Carry candidate `index` of `candidates` onto `doc`'s photo: now when no carry runs,
        else after the running one (replacing any ask that waits for it)."""
        ask = (options, doc, candidates, index, time.perf_counter())
        if self._closed:
            return
        if self._running is not None:
            self._waiting = ask
        else:
            self._submit(ask)

    def follow(self, options: EditOptions, doc: Document, proposal: Proposal) -> None:
        """The candidates (or the choice) changed: carry the chosen one, else the best."""
        found = proposal.candidates
        if found is not None and len(found.costs) and doc.anchor is not None:
            self.request(options, doc, found, proposal.chosen or 0)

    def photo_for(self, options: EditOptions, doc: Document | None,
                  proposal: Proposal) -> np.ndarray | None:
        """The newest carry while it still shows the edit `proposal` shows, the slider at the
        candidate: the same photo, anchor, options and candidate (an older step's is fine)."""
        got, index = self.latest, proposal.chosen or 0
        if (got is None or proposal.candidates is None or doc is None or got.options != options
                or proposal.position != PATH_FRAMES - 1):
            return None
        # A stroke added makes a new document of the same photo and anchor: its edit goes on.
        same = got.doc.photo is doc.photo and got.doc.anchor is doc.anchor
        return got.photo if same and got.index == index else None

    def forget(self) -> None:
        """Nothing carried is shown any more (the candidates were cleared), nothing waits."""
        self.latest, self._waiting = None, None

    def shutdown(self) -> bool:
        """Stop and join the carry worker (the window calls it when it closes); nothing is
        carried after it."""
        self._closed, self._waiting = True, None
        return self._worker.shutdown()

    def _submit(self, ask: tuple) -> None:
        options, doc, candidates, index, asked = ask
        self._running = self._requests.submit(
            "carry", live_job(self._cache, options, doc, candidates, index, asked))

    def _on_step(self, _request: int, _kind: str, result: object) -> None:
        if isinstance(result, Carried):
            self.latest = result
            self.carried.emit(result.ms)

    def _on_failed(self, request: int, _kind: str, message: str, details: str) -> None:
        # Apply and its preview run the same transfer and say what went wrong; the live view
        # falls back to the generated picture.
        log.warning("live carry failed: %s\n%s", message, details)
        self._on_ended(request)

    def _on_ended(self, request: int, *_: object) -> None:
        if request != self._running:
            return
        self._running = None
        ask, self._waiting = self._waiting, None
        if ask is not None:
            self._submit(ask)


__all__ = ["LIVE_FRAMES", "LIVE_SIDE", "Carried", "LiveCarry", "live_job", "scaled_strokes"]
