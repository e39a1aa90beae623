"""The editor's state and the model jobs it asks for: what the editor widgets show and change.

The document (photo, region, strokes, the anchor latent) is an immutable snapshot kept in an undo
history; strokes and applied edits push new snapshots. What the model proposes for the document
(candidates, the path to the chosen one) is derived state, replaced as jobs report. Every model
job goes to the shared `ModelWorker`; this object remembers which request numbers are its own and
ignores the rest (the morph view submits to the same worker).

While the user drags a stroke, the edit continues from the previous edit's latents (the
journey's `Continuation`, which keeps them on the worker's side), so the optimizer keeps working
towards the stroke as it grows, as iGAN's optimizer thread did. A changed stroke does not replace an edit that has not shown its
first step yet: mouse moves come faster than one step, and replacing every job before it yields
would show nothing until the button is released. The change waits, and is submitted as soon as
the running edit reports a step (or ends).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from igan_app.engine.frame import Frame, check_fits
from igan_app.engine.strokes import Item, StrokesError, StrokeSet, item_kind
from igan_app.gui.history import History
from igan_app.gui.worker import ModelWorker
from igan_app.journeys import edit as jobs
from igan_app.journeys.models import DEFAULT_MANIFOLD, ModelCache, Progress

log = logging.getLogger(__name__)

VIEWS = ("original", "reconstruction", "candidate", "edited", "side by side")
PATH_FRAMES = 9  # pictures along the slider, from the anchor to the chosen candidate
PREVIEW_DELAY_MS = 150  # the slider settles this long before the photo preview is computed


@dataclass(frozen=True, eq=False)
class Document:
    """One undoable state of the editor. `photo` is the current photo (after applied edits),
    `original` the photo as opened; `anchor` (d,) and `current` (r, r, 3) are the latent the edit
    starts from and its picture (None until the projection ends)."""

    photo: np.ndarray
    original: np.ndarray
    path: str | None
    frame: Frame
    strokes: StrokeSet
    anchor: np.ndarray | None = None
    current: np.ndarray | None = None


@dataclass(frozen=True)
class EditOptions:
    """What the editor asks of the engine; the main window fills it from the settings."""

    model: str = DEFAULT_MANIFOLD
    device: str | None = None
    starts: int = 16
    candidates: int = 8
    iterations: int = 40
    projection_steps: int = 30
    transfer_mode: str = "both"
    path_mode: str = "linear"
    keep_weight: float = 1.0


@dataclass(frozen=True)
class _Projecting:
    """A projection step with what it ran on: one object, because the worker may drop older
    steps when newer ones arrive first."""

    step: jobs.Projected
    frame: Frame
    models: str


class EditorModel(QObject):
    """The editor's state; widgets call its methods and listen to its signals."""

    documentChanged = Signal()  # the photo, the strokes or the anchor changed (also undo/redo)
    candidatesChanged = Signal()  # new candidate pictures or costs, or none
    pathChanged = Signal()  # the chosen candidate, its path frames or the slider position
    busyChanged = Signal(str)  # what runs now ("" when idle)
    progressed = Signal(int, int)  # done, total of the running job (0, 0: no measure)
    errorOccurred = Signal(str)  # one line for a dialog; the document is kept
    statusMessage = Signal(str)
    stepTimed = Signal(float)  # milliseconds per optimizer update
    modelsDescribed = Signal(str)  # model, device and feature weights in use

    def __init__(self, worker: ModelWorker, cache: ModelCache,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker, self._cache = worker, cache
        self.options = EditOptions()
        self.history: History[Document] | None = None
        self._requests: dict[int, str] = {}
        self._busy = ""
        self._seed = 0
        self._preview: Item | None = None
        self._continuation = jobs.Continuation()  # where the next edit of these strokes begins
        self._edit_request: int | None = None  # the edit in flight, and whether it has stepped
        self._edit_stepped = False
        self._edit_waiting = False  # the strokes changed while that edit had not stepped yet
        self._resolution: int | None = None
        self._models_described = ""
        self.candidates: jobs.Candidates | None = None
        self.chosen: int | None = None
        self.path: jobs.PathFrames | None = None
        self.position = PATH_FRAMES - 1
        # The chosen edit carried onto the photo, computed once a candidate is chosen, for the
        # state it was computed for (document, candidates, chosen, position); Apply commits it.
        self.preview: jobs.Applied | None = None
        self._preview_state: tuple | None = None
        self._preview_requests: dict[int, tuple] = {}
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._request_preview)
        worker.started.connect(self._on_started)
        worker.step.connect(self._on_step)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)

    # --- the document -----------------------------------------------------------------------

    @property
    def document(self) -> Document | None:
        return None if self.history is None else self.history.current

    @property
    def busy(self) -> str:
        return self._busy

    def strokes(self) -> StrokeSet | None:
        """The committed strokes plus the one being drawn."""
        doc = self.document
        if doc is None:
            return None
        if self._preview is None:
            return doc.strokes
        return doc.strokes.add(self._preview)

    def set_options(self, options: EditOptions) -> None:
        model_changed = (options.model, options.device) != (self.options.model,
                                                            self.options.device)
        self.options = options
        if self.path is not None and not model_changed:
            self._preview_timer.start()  # the preview was made with the old options
        if model_changed and self.document is not None:
            # A latent of one manifold means nothing to another: project again.
            self._clear_candidates()
            self._set_document(replace(self.document, anchor=None, current=None), push=None)
            self._project()

    def open_photo(self, photo: np.ndarray, path: str | None = None,
                   box: tuple[int, int, int, int] | None = None) -> None:
        """Start a new document on `photo` (RGB uint8) and project it. The region is `box`, or
        the largest centred square; it is checked against the model once the model is loaded."""
        frame = (Frame(photo.shape[:2], box, self._resolution or 64) if box is not None
                 else Frame.centre(photo.shape[:2], self._resolution or 64))
        doc = Document(photo, photo, path, frame, StrokeSet(photo.shape[:2]))
        self.history = History(doc)
        self._preview = None
        self._clear_candidates()
        self.documentChanged.emit()
        self._project()

    def restore(self, doc: Document) -> None:
        """Start from a saved document (an opened session): projected again only when it has no
        anchor; its strokes are optimized again (the seed is fixed, so the candidates return)."""
        self.history = History(doc)
        self._preview = None
        self._clear_candidates()
        self.documentChanged.emit()
        if doc.anchor is None:
            self._project()
        else:
            self._edit()

    def reproject(self) -> None:
        """Project the current photo again (after a cancelled projection, or to start over from
        the photo rather than from the last applied edit)."""
        doc = self.document
        if doc is not None:
            self._clear_candidates()
            self._set_document(replace(doc, anchor=None, current=None), push=None)
            self._project()

    # --- strokes ----------------------------------------------------------------------------

    def preview_stroke(self, item: Item) -> None:
        """The stroke being drawn changed: show it and optimize towards it at once."""
        if self.document is None:
            return
        self._preview = item
        self.documentChanged.emit()
        if self._edit_request is not None and not self._edit_stepped:
            self._edit_waiting = True
        else:
            self._edit(live=True)

    def cancel_stroke(self) -> None:
        self._preview = None
        self.documentChanged.emit()
        self._edit()

    def add_stroke(self, item: Item) -> None:
        """The user finished a stroke: it becomes part of the document (undoable)."""
        doc = self.document
        self._preview = None
        if doc is None:
            return
        try:
            strokes = doc.strokes.add(item)
        except StrokesError as err:
            self.documentChanged.emit()
            self.errorOccurred.emit(f"the stroke was not added: {err}")
            return
        self._set_document(replace(doc, strokes=strokes), push=f"{item_kind(item)} stroke")
        self._edit()

    def clear_strokes(self) -> None:
        doc = self.document
        if doc is None or doc.strokes.is_empty:
            return
        self._set_document(replace(doc, strokes=StrokeSet(doc.photo.shape[:2])),
                           push="clear strokes")
        self._clear_candidates()

    def undo(self) -> None:
        if self.history is not None and self.history.can_undo:
            self.history.undo()
            self._after_history_move()

    def redo(self) -> None:
        if self.history is not None and self.history.can_redo:
            self.history.redo()
            self._after_history_move()

    def _after_history_move(self) -> None:
        self._preview = None
        self._continuation = jobs.Continuation()
        self.documentChanged.emit()
        if self.document.strokes.is_empty:
            self._clear_candidates()
        else:
            self._edit()

    # --- candidates, the path, Fix, Restart, Apply ------------------------------------------

    def choose(self, index: int) -> None:
        if self.candidates is None or not 0 <= index < len(self.candidates.costs):
            return
        self.chosen = index
        self.path = None
        self.position = PATH_FRAMES - 1
        self.pathChanged.emit()
        self._render_path()

    def set_position(self, index: int) -> None:
        """The slider: frame `index` of the path, 0 = the anchor's picture."""
        self.position = max(0, min(PATH_FRAMES - 1, int(index)))
        self.pathChanged.emit()
        if self.path is not None:
            self._preview_timer.start()

    def chosen_latent(self) -> np.ndarray | None:
        """The latent at the slider's position on the path to the chosen candidate: a frame of
        the rendered path (no latent math on the GUI thread), the candidate itself at the end of
        the slider, else None until the path is rendered."""
        if self.chosen is None or self.candidates is None or self.document.anchor is None:
            return None
        if self.path is not None:
            return self.path.latents[self.position]
        if self.position == PATH_FRAMES - 1:
            return self.candidates.latents[self.chosen]
        return None

    def _can_apply(self) -> bool:
        return (self.chosen is not None and self.candidates is not None
                and self.document is not None and self.document.anchor is not None)

    def preview_photo(self) -> np.ndarray | None:
        """The photo with the chosen edit carried onto it at the slider's position, once computed
        (None before, and as soon as anything it depends on changes)."""
        state = self._edit_state()
        if self.preview is None or state is None or not _same(state, self._preview_state):
            return None
        return self.preview.photo

    def _edit_state(self) -> tuple | None:
        if self.chosen is None or self.document is None:
            return None
        return (self.document, self.candidates, self.chosen, self.position, self.options)

    def picture(self) -> np.ndarray | None:
        """The generated picture the candidate view shows: the path frame at the slider, else
        the best candidate, else the anchor's picture."""
        if self.path is not None:
            return self.path.images[self.position]
        if self.candidates is not None and len(self.candidates.images):
            return self.candidates.images[self.chosen or 0]
        return None if self.document is None else self.document.current

    def fix(self) -> None:
        """iGAN's Fix: the picture at the slider becomes the new starting point of the edit."""
        latent = self.chosen_latent()
        if latent is None:
            return
        self._set_document(replace(self.document, anchor=latent, current=self.picture()),
                           push="fix")
        self._clear_candidates()
        self._edit()

    def restart(self) -> None:
        """New random starts around the anchor (a new seed)."""
        self._seed += 1
        self._continuation = jobs.Continuation()
        self._edit()

    def apply(self) -> None:
        """Carry the change at the slider onto the full-resolution photo (undoable)."""
        if not self._can_apply():
            self.errorOccurred.emit("choose a candidate first: paint strokes, then click one")
            return
        self._preview_timer.stop()  # a preview submitted now would replace the apply
        if self.preview_photo() is not None:
            self._applied(self.preview)  # already computed for exactly this state
            return
        self._submit_transfer("apply")

    def _request_preview(self) -> None:
        state = self._edit_state()
        if (state is None or self.path is None or self.preview_photo() is not None
                or "apply" in self._requests.values()):
            return
        self._preview_requests[self._submit_transfer("preview")] = state

    def _submit_transfer(self, kind: str) -> int:
        doc, options = self.document, self.options
        target = self.candidates.latents[self.chosen]
        t = self.position / (PATH_FRAMES - 1)

        def steps():
            return jobs.apply_edit(self._cache, options.model, options.device, doc.photo,
                                   doc.frame, doc.anchor, target, t=t,
                                   mode=options.transfer_mode, path=options.path_mode)

        return self._submit(kind, steps)

    def stop(self) -> None:
        if self._busy:
            self._worker.stop()

    # --- jobs -------------------------------------------------------------------------------

    def _project(self) -> None:
        from igan_app.engine.projection import ProjectionConfig

        doc, options = self.document, self.options
        method = "hybrid" if options.projection_steps > 0 else "encoder"
        config = ProjectionConfig(method, steps=max(1, options.projection_steps))
        cache = self._cache

        def steps():
            models = cache.manifold(options.model, options.device)
            frame = _frame_for(doc.frame, models.resolution)
            for step in jobs.projection(cache, options.model, options.device, doc.photo, frame,
                                        config):
                yield _Projecting(step, frame, models.describe())

        self._submit("project", steps)

    def _edit(self, live: bool = False) -> None:
        from igan_app.engine.editing import EditConfig

        doc, strokes = self.document, self.strokes()
        if doc is None or doc.anchor is None or strokes is None or strokes.is_empty:
            return
        options = self.options
        config = EditConfig(starts=options.starts, keep=min(options.candidates, options.starts),
                            iterations=options.iterations, seed=self._seed)
        continuation = self._continuation
        cache = self._cache

        def steps():
            return jobs.editing(cache, options.model, options.device, strokes, doc.frame,
                                doc.anchor, doc.current, config, keep_weight=options.keep_weight,
                                continuation=continuation)

        self._edit_waiting = False
        self._edit_request = self._submit("edit" if not live else "live edit", steps)
        self._edit_stepped = False

    def _render_path(self) -> None:
        doc = self.document
        if self.chosen is None or doc is None or doc.anchor is None or self.candidates is None:
            return
        target = self.candidates.latents[self.chosen]
        options, cache = self.options, self._cache

        def steps():
            return jobs.path_frames(cache, options.model, options.device, doc.anchor, target,
                                    PATH_FRAMES, options.path_mode)

        self._submit("path", steps)

    def _submit(self, kind: str, steps) -> int:
        request = self._worker.submit(kind, steps)
        self._requests[request] = kind
        return request

    # --- worker reports (GUI thread) --------------------------------------------------------

    def _mine(self, request: int) -> str | None:
        return self._requests.get(request)

    def _on_started(self, request: int, kind: str) -> None:
        if self._mine(request):
            self._set_busy({"project": "projecting", "apply": "applying to the photo",
                            "preview": "carrying the edit onto the photo"}.get(
                kind, "editing" if "edit" in kind else "rendering the path"))

    def _on_step(self, request: int, result: object) -> None:
        kind = self._mine(request)
        if kind is None:
            return
        if isinstance(result, _Projecting):
            self.progressed.emit(result.step.step, result.step.total)
            if result.models != self._models_described:
                self._models_described = result.models
                self._resolution = result.frame.resolution
                self.modelsDescribed.emit(result.models)
            if result.step.done:
                self._projected(result.step, result.frame)
        elif isinstance(result, jobs.Candidates):
            if request == self._edit_request:
                self._edit_stepped = True
            self.candidates = result
            if self.chosen is not None and self.chosen >= len(result.costs):
                self.chosen = None
            self.path = None
            self.progressed.emit(result.iteration, result.total)
            self.stepTimed.emit(result.ms)
            self.candidatesChanged.emit()
            self.pathChanged.emit()
            if self._edit_waiting:
                self._edit(live=self._preview is not None)
        elif isinstance(result, jobs.PathFrames):
            self.path = result
            self.pathChanged.emit()
            self._preview_timer.start(0)
        elif isinstance(result, Progress):
            self.progressed.emit(result.done, result.total)
            self._set_busy(result.what)
        elif isinstance(result, jobs.Applied):
            if kind == "preview":
                self.preview, self._preview_state = result, self._preview_requests.get(request)
                self.pathChanged.emit()
            else:
                self._applied(result)

    def _projected(self, result: jobs.Projected, frame: Frame) -> None:
        doc = self.document
        if doc is None:
            return
        # The projection is part of opening the photo, not an undoable step of its own.
        self.history.reset(replace(doc, frame=frame, anchor=result.latent, current=result.image))
        self.documentChanged.emit()
        self.statusMessage.emit(f"projected the region onto the manifold (loss {result.loss:.3f})")
        self._edit()

    def _applied(self, result: jobs.Applied) -> None:
        doc = self.document
        self._set_document(replace(doc, photo=result.photo, anchor=result.latent,
                                   current=result.image,
                                   strokes=StrokeSet(result.photo.shape[:2])), push="apply")
        self._clear_candidates()
        self.statusMessage.emit(f"applied the edit to the {doc.photo.shape[1]}×"
                                f"{doc.photo.shape[0]} photo in {result.seconds:.2f} s")

    def _on_finished(self, request: int, _last: object) -> None:
        self._preview_requests.pop(request, None)
        if self._requests.pop(request, None) is not None:
            self._set_busy("")
        self._edit_ended(request)

    def _on_failed(self, request: int, message: str, details: str) -> None:
        kind = self._requests.pop(request, None)
        if kind is None:
            return
        self._edit_ended(request)
        log.error("%s job failed: %s\n%s", kind, message, details)
        self._set_busy("")
        self._preview_requests.pop(request, None)
        self.errorOccurred.emit(f"{_JOB_NAMES.get(kind, kind)} failed: {message}")

    def _on_cancelled(self, request: int) -> None:
        self._preview_requests.pop(request, None)
        if self._requests.pop(request, None) is not None and not self._requests:
            self._set_busy("")
        self._edit_ended(request)

    def _edit_ended(self, request: int) -> None:
        if request != self._edit_request:
            return
        self._edit_request = None
        if self._edit_waiting:
            self._edit(live=self._preview is not None)

    # --- helpers ----------------------------------------------------------------------------

    def _set_document(self, doc: Document, push: str | None) -> None:
        if push is None:
            self.history.reset(doc)
        else:
            self.history.push(doc, push)
        self.documentChanged.emit()

    def _clear_candidates(self) -> None:
        self.candidates, self.chosen, self.path = None, None, None
        self._continuation = jobs.Continuation()
        self.position = PATH_FRAMES - 1
        self.candidatesChanged.emit()
        self.pathChanged.emit()

    def _set_busy(self, what: str) -> None:
        if what != self._busy:
            self._busy = what
            self.busyChanged.emit(what)


_JOB_NAMES = {"project": "the projection", "edit": "the edit", "live edit": "the edit",
              "path": "rendering the path", "apply": "applying the edit",
              "preview": "carrying the edit onto the photo"}


def _same(a: tuple, b: tuple | None) -> bool:
    """The states hold arrays and snapshots: the same objects, not equal values."""
    return b is not None and len(a) == len(b) and all(x is y or (isinstance(x, int) and x == y)
                                                      for x, y in zip(a, b, strict=True))


def _frame_for(frame: Frame, resolution: int) -> Frame:
    """The same region for a model of another resolution; refused when the photo is smaller."""
    check_fits(frame.photo_size, resolution)
    return Frame(frame.photo_size, frame.box, resolution)


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 16) -> np.ndarray:
    """Two pictures of the same height next to each other, on a dark gap."""
    height = max(left.shape[0], right.shape[0])
    out = np.full((height, left.shape[1] + gap + right.shape[1], 3), 40, np.uint8)
    out[:left.shape[0], :left.shape[1]] = left
    out[:right.shape[0], left.shape[1] + gap:] = right
    return out


