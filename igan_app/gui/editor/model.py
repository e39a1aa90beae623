"""The editor's state and the model jobs it asks for: what the editor widgets show and change.
Opening a photo projects it and tunes the generator on it (`Opening`); while the candidates
update, `LiveCarry` carries the best one onto the photo for the main view.

The document (photo, region, strokes, the anchor latent) is an immutable snapshot kept in one undo
history; opening a photo, strokes and applied edits push new snapshots. What the model proposes
(candidates, the path to the chosen one) is derived state, replaced as jobs report. Model jobs go
to the shared `ModelWorker` through a `RequestTracker`, which reports this tab's requests only.

While the user drags a stroke, the edit continues from the last shown step of the previous edit
(its `Candidates.resume`, an opaque value this model hands back and never reads), so the optimizer
keeps working towards the stroke as it grows, as iGAN's optimizer thread did; `LiveEditPacing`
says when the grown stroke's edit is submitted.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from igan_app.engine.strokes import Item, StrokesError, StrokeSet, item_kind
from igan_app.gui.editor import jobs
from igan_app.gui.editor.carry import LiveCarry
from igan_app.gui.editor.document import Document, EditOptions, new_document
from igan_app.gui.editor.live_edit import LiveEditPacing
from igan_app.gui.editor.opening import Opening
from igan_app.gui.editor.preview import EditPreview
from igan_app.gui.editor.proposal import Proposal
from igan_app.gui.history import History
from igan_app.gui.requests import RequestTracker
from igan_app.gui.worker import ModelWorker
from igan_app.journeys import edit as journey
from igan_app.journeys.models import ModelCache, Progress

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 150  # the slider settles this long before the photo preview is computed


class EditorModel(QObject):
    """The editor's state; widgets call its methods and listen to its signals."""

    documentChanged = Signal()  # the photo, the strokes or the anchor changed (also undo/redo)
    candidatesChanged = Signal()  # new candidate pictures or costs, or none
    pathChanged = Signal()  # the chosen candidate, its path frames or the slider position
    busyChanged = Signal(str)  # what runs now ("" when idle)
    progressed = Signal(int, int)  # done, total of the running job (0, 0: no measure)
    applied = Signal()  # Apply carried an edit onto the photo
    errorOccurred = Signal(str)  # one line for a dialog; the document is kept
    statusMessage = Signal(str)
    stepTimed = Signal(float)  # milliseconds per optimizer update
    modelsDescribed = Signal(str)  # model, device and feature weights in use

    def __init__(self, worker: ModelWorker, cache: ModelCache,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self.options = EditOptions()
        self.history: History[Document] | None = None
        self._requests = RequestTracker(worker, self)
        self._busy = ""
        self._seed = 0
        self._drawing: Item | None = None
        self._resume: object = None  # the last shown edit step's `resume`: the next edit's start
        self._pacing = LiveEditPacing()
        self._opening = Opening(self)  # the projection and the tuning
        self.live = LiveCarry(cache, self)  # the best candidate carried onto the photo
        self.live.carried.connect(lambda _ms: self.pathChanged.emit())
        self.proposal = Proposal()
        self._previews = EditPreview()  # the chosen edit carried onto the photo; Apply commits it
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._request_preview)
        for report in ("started", "step", "finished", "failed", "cancelled"):
            getattr(self._requests, report).connect(getattr(self, f"_on_{report}"))

    # --- the document -----------------------------------------------------------------------

    @property
    def document(self) -> Document | None:
        return None if self.history is None else self.history.current

    @property
    def busy(self) -> str:
        """What runs now ("" when idle)."""
        return self._busy

    # What the model proposes (see `Proposal`), for the widgets.
    candidates = property(lambda self: self.proposal.candidates)
    chosen = property(lambda self: self.proposal.chosen)
    path = property(lambda self: self.proposal.path)
    position = property(lambda self: self.proposal.position)

    def strokes(self) -> StrokeSet | None:
        """The committed strokes plus the one being drawn."""
        doc, drawing = self.document, self._drawing
        return None if doc is None else doc.strokes if drawing is None else doc.strokes.add(drawing)

    def set_options(self, options: EditOptions) -> None:
        old, self.options = self.options, options
        if (options.model, options.device) != (old.model, old.device):
            # A latent of one manifold means nothing to another, nor do the undo steps' latents.
            self.reproject(keep_steps=options.model == old.model)
        elif self.path is not None:
            self._preview_timer.start()  # the preview was made with the old options

    def open_photo(self, photo: np.ndarray, path: str | None = None,
                   box: tuple[int, int, int, int] | None = None, start_scene: bool = False) -> None:
        """Start a new document on `photo` (RGB uint8) and project it (a step Undo returns from
        when another document was open). The region is `box`, or the largest centred square; it
        is checked against the model once the model is loaded. `start_scene`: see Document."""
        self._start(new_document(photo, path, box, self._opening.resolution, start_scene))
        self._opening.project()

    def restore(self, doc: Document, proposal: Proposal | None = None) -> None:
        """Start from a saved document (an opened session), projected again only without an
        anchor. Its saved candidates (`proposal`, pictures included) come back as they were, the
        chosen one's path and preview computed again; without them its strokes are optimized."""
        self._start(doc)
        if proposal is None or proposal.candidates is None or doc.anchor is None:
            self._follow_document()
            return
        self._requests.stop()  # a job for the document replaced would replace the candidates
        self.proposal = proposal
        self.candidatesChanged.emit()
        self.pathChanged.emit()
        self._render_path()

    def reproject(self, *, keep_steps: bool = True) -> None:
        """Project the current photo again (after a cancelled projection, or to start over from
        the photo rather than the last applied edit); `keep_steps` False forgets the undo steps."""
        doc = self.document
        if doc is not None:
            self._clear_candidates()
            (self.history.replace if keep_steps else self.history.reset)(
                replace(doc, anchor=None, current=None, tuned=None))
            self.documentChanged.emit()
            self._opening.project()

    # --- strokes ----------------------------------------------------------------------------

    def preview_stroke(self, item: Item) -> None:
        """The stroke being drawn changed: show it and optimize towards it at once."""
        if self.document is None:
            return
        self._drawing = item
        self.documentChanged.emit()
        if not self._pacing.should_wait():
            self._edit(live=True)

    def cancel_stroke(self) -> None:
        self._drawing = None
        self.documentChanged.emit()
        self._edit()

    def add_stroke(self, item: Item) -> None:
        """The user finished a stroke: it becomes part of the document (undoable)."""
        doc = self.document
        self._drawing = None
        if doc is None:
            return
        try:
            strokes = doc.strokes.add(item)
        except StrokesError as err:
            self.documentChanged.emit()
            self.errorOccurred.emit(f"the stroke was not added: {err}")
            return
        self._push(replace(doc, strokes=strokes), f"{item_kind(item)} stroke")
        if doc.anchor is None and "project" not in self._requests.pending():
            self.statusMessage.emit("projecting the photo first (it was not); the edit follows")
            self._opening.project()
        else:
            self._edit()

    def clear_strokes(self) -> None:
        doc = self.document
        if doc is None or doc.strokes.is_empty:
            return
        self._push(replace(doc, strokes=StrokeSet(doc.photo.shape[:2])), "clear strokes")
        self._clear_candidates()

    def undo(self) -> None:
        if self.history is not None and self.history.can_undo:
            self.history.undo()
            self._follow_document()

    def redo(self) -> None:
        if self.history is not None and self.history.can_redo:
            self.history.redo()
            self._follow_document()

    def _follow_document(self) -> None:
        # The document changed under the model (undo, redo, a session): its edit, or projection.
        self._drawing = None
        self._resume = None
        self.documentChanged.emit()
        if self.document.anchor is None:  # a document left before its projection ended
            self._clear_candidates()
            self._opening.project()
        elif self.document.strokes.is_empty:
            self.stop()  # a job for the document left behind
            self._clear_candidates()
        else:
            self._edit()

    # --- candidates, the path, Fix, Restart, Apply ------------------------------------------

    def choose(self, index: int) -> None:
        """Choose candidate `index`: its path is rendered, the slider goes to its end."""
        chosen = self.proposal.choose(index)
        if chosen is not None:
            self.proposal = chosen
            self.live.follow(self.options, self.document, self.proposal)
            self.pathChanged.emit()
            self._render_path()

    def set_position(self, index: int) -> None:
        """The slider: frame `index` of the path, 0 = the anchor's picture."""
        self.proposal = self.proposal.at(index)
        self.pathChanged.emit()
        if self.path is not None:
            self._preview_timer.start()

    def preview_photo(self) -> np.ndarray | None:
        """The photo with the chosen edit carried onto it at the slider's position, once computed
        (None before, and as soon as anything it depends on changes): what Apply commits."""
        return self._previews.photo_for(self.proposal.edit_state(self.document, self.options))

    def carried_photo(self) -> np.ndarray | None:
        """The edit as the main view shows it: `preview_photo`, else the live view's, else None."""
        photo = self.preview_photo()
        return self.live.photo_for(self.options, self.document, self.proposal) \
            if photo is None else photo

    def picture(self) -> np.ndarray | None:
        """The generated picture the candidate view shows: the path frame at the slider, else
        the best candidate, else the anchor's picture."""
        picture, doc = self.proposal.picture(), self.document
        return doc.current if picture is None and doc is not None else picture

    def fix(self) -> None:
        """iGAN's Fix: the picture at the slider becomes the new starting point of the edit."""
        latent = self.proposal.latent()
        if latent is None or self.document.anchor is None:
            return
        self._push(replace(self.document, anchor=latent, current=self.picture()), "fix")
        self._clear_candidates()
        self._edit()

    def restart(self) -> None:
        """New random starts around the anchor (a new seed)."""
        self._seed += 1
        self._resume = None
        self._edit()

    def apply(self) -> bool:
        """Carry the change at the slider onto the full-resolution photo (undoable): done, or
        asked of the worker (`applied` follows); False, with a message, when nothing is chosen."""
        if self.proposal.target() is None or self.document.anchor is None:
            self.errorOccurred.emit("choose a candidate first: paint strokes, then click one")
            return False
        self._preview_timer.stop()  # a preview submitted now would replace the apply
        computed = self._previews.for_state(self.proposal.edit_state(self.document, self.options))
        if computed is not None:
            self._applied(computed)  # already computed for exactly this state
        else:
            self._submit_transfer("apply")
        return True

    def _request_preview(self) -> None:
        state = self.proposal.edit_state(self.document, self.options)
        if (state is None or self.path is None or self.preview_photo() is not None
                or "apply" in self._requests.pending()):
            return
        self._previews.asked(self._submit_transfer("preview"), state)

    def _submit_transfer(self, kind: str) -> int:
        return self._requests.submit(kind, jobs.transfer_job(
            self._cache, self.options, self.document, self.proposal.target(), self.position))

    def stop(self) -> None:
        """Stop the running job, if it is the editor's."""
        if self._busy:
            self._requests.stop()

    def shutdown(self) -> bool:
        """Stop and join the live view's worker (the window closes); whether it ended."""
        return self.live.shutdown()

    # --- jobs -------------------------------------------------------------------------------

    def _edit(self, live: bool = False) -> None:
        doc, strokes = self.document, self.strokes()
        if (doc is None or doc.anchor is None or strokes is None or strokes.is_empty
                or self._opening.tuning_this()):
            return
        steps = jobs.edit_job(self._cache, self.options, doc, strokes, self._seed, self._resume)
        self._pacing.submitted(self._requests.submit("edit" if not live else "live edit", steps))

    def _render_path(self) -> None:
        doc, target = self.document, self.proposal.target()
        if doc is not None and doc.anchor is not None and target is not None:
            self._requests.submit("path", jobs.path_job(self._cache, self.options, doc, target))

    # --- worker reports (GUI thread) --------------------------------------------------------

    def _on_started(self, _request: int, kind: str) -> None:
        self._set_busy(jobs.busy_text(kind))

    def _on_step(self, request: int, kind: str, result: object) -> None:
        if self._opening.step(kind, result):
            return
        if isinstance(result, journey.Candidates):
            self._pacing.step_reported(request)
            self._resume = result.resume
            self.proposal = self.proposal.with_candidates(result)
            self.progressed.emit(result.iteration, result.total)
            self.stepTimed.emit(result.ms)
            # The stroke being drawn is one of the strokes the live view's transfer follows.
            self.live.follow(self.options, replace(self.document, strokes=self.strokes()),
                             self.proposal)
            self.candidatesChanged.emit()
            self.pathChanged.emit()
            if self._pacing.waiting:
                self._edit(live=self._drawing is not None)
        elif isinstance(result, journey.PathFrames):
            self.proposal = replace(self.proposal, path=result)
            self.pathChanged.emit()
            self._preview_timer.start(0)
        elif isinstance(result, Progress):
            self.progressed.emit(result.done, result.total)
            self._set_busy(result.what)
        elif isinstance(result, journey.Applied):
            if kind == "preview":
                self._previews.arrived(request, result)
                self.pathChanged.emit()
            else:
                self._applied(result)

    def _applied(self, result: journey.Applied) -> None:
        doc = self.document
        self._push(replace(doc, photo=result.photo, anchor=result.latent, current=result.image,
                           strokes=StrokeSet(result.photo.shape[:2])), "apply")
        self._clear_candidates()
        self.statusMessage.emit(f"applied the edit to the {doc.photo.shape[1]}×"
                                f"{doc.photo.shape[0]} photo in {result.seconds:.2f} s")
        self.applied.emit()

    def _on_finished(self, request: int, kind: str, *_: object) -> None:  # or cancelled
        self._previews.ended(request)
        self._opening.ended(kind)
        self._set_busy("")
        self._edit_ended(request)

    _on_cancelled = _on_finished

    def _on_failed(self, request: int, kind: str, message: str, details: str) -> None:
        self._edit_ended(request)
        log.error("%s job failed: %s\n%s", kind, message, details)
        self._set_busy("")
        self._previews.ended(request)
        self.errorOccurred.emit(jobs.failure_text(kind, message))

    def _edit_ended(self, request: int) -> None:
        if self._pacing.ended(request):
            self._edit(live=self._drawing is not None)

    # --- helpers ----------------------------------------------------------------------------

    def _start(self, doc: Document) -> None:
        if self.history is None:
            self.history = History(doc)
        else:  # a step of the one history: Undo returns to the document replaced, with its anchor
            self.history.push(doc, f"open {Path(doc.path).name if doc.path else 'a picture'}")
        self._drawing = None
        self._clear_candidates()
        self.documentChanged.emit()

    def _push(self, doc: Document, label: str) -> None:
        self.history.push(doc, label)
        self.documentChanged.emit()

    def _clear_candidates(self) -> None:
        self.proposal = Proposal()
        self.live.forget()
        self._resume = None
        self.candidatesChanged.emit()
        self.pathChanged.emit()

    def _set_busy(self, what: str) -> None:
        if not what and self._requests.pending():
            return  # a newer request is waiting to start: it will say what it does
        if what != self._busy:
            self._busy = what
            self.busyChanged.emit(what)
