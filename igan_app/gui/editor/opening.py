"""Opening a photo in the editor: its projection onto the manifold, then the generator tuned on it
(`EditOptions.tune_steps`), both part of opening the photo rather than undoable steps of their own.

The tuned generator is the document's (`Document.tuned`) from then on: edits, the path and the
transfer run on it, and its picture of the anchor is the document's `current`. While it is being
tuned the document's edits wait for it (a stroke drawn meanwhile is edited once it is tuned);
stopping it keeps the untuned projection. An applied edit keeps the generator: the photo changed
only where the generator's own change was carried onto it, and its picture of the applied latent
is the new `current`: on real photos that picture still matches the edited photo at 23-29 dB
(31-32 dB before the edit, 13-16 dB untuned), and tuning again would cost seconds per Apply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from igan_app.gui.editor import jobs

if TYPE_CHECKING:
    from igan_app.gui.editor.model import EditorModel


class Opening:
    """The projection and the tuning of the editor `model`'s photo: what runs, for which photo,
    and what their steps do to the document. The model submits through `project` and hands the
    steps of both kinds to `step`, and every end of a job to `ended`."""

    def __init__(self, model: EditorModel) -> None:
        self.model = model
        self.resolution: int | None = None  # the model's, once a projection has reported
        self._projecting: np.ndarray | None = None  # the photo the running projection is for
        self._tuning: tuple | None = None  # the photo and anchor the running tuning is for
        self._described = ""

    def project(self) -> None:
        """Project the document's photo (tuning follows, as the options say)."""
        model = self.model
        self._projecting = model.document.photo
        model._requests.submit("project",
                               jobs.projection_job(model._cache, model.options, model.document))

    def tuning_this(self) -> bool:
        """Whether the running tuning is the document's (its edits wait for it)."""
        doc, run = self.model.document, self._tuning
        return run is not None and doc.photo is run[0] and doc.anchor is run[1]

    def step(self, kind: str, result: object) -> bool:
        """Take a projection or tuning step; False for a step of another kind."""
        model = self.model
        if isinstance(result, jobs.Projecting):
            model.progressed.emit(result.step.step, result.step.total)
            if result.models != self._described:
                self._described = result.models
                self.resolution = result.frame.resolution
                model.modelsDescribed.emit(result.models)
            if result.step.done:
                self._projected(result)
            return True
        if isinstance(result, jobs.Tuning):
            # The PSNR so far says whether it is worth waiting for.
            model._set_busy(f"{jobs.busy_text(kind)} ({result.step.psnr:.1f} dB)")
            model.progressed.emit(result.step.step, result.step.total)
            if result.weights is not None:
                self._tuned(result)
            return True
        return False

    def ended(self, kind: str) -> None:
        """A job of `kind` ended; a tuning of the document that ended before its last step was
        stopped."""
        if kind == "tune" and self.tuning_this():
            self._tuning = None
            self.model.statusMessage.emit("tuning stopped: editing on the untuned projection")

    def _projected(self, result: jobs.Projecting) -> None:
        model, doc, step = self.model, self.model.document, result.step
        if doc is None or doc.anchor is not None or doc.photo is not self._projecting:
            return  # Undo went back to another document while it ran
        model.history.replace(replace(doc, frame=result.frame, anchor=step.latent,
                                      current=step.image, tuned=None))
        model.documentChanged.emit()
        quality = "" if step.psnr is None else f", {step.psnr:.1f} dB"
        model.statusMessage.emit(f"projected the region onto the manifold (loss {step.loss:.3f}"
                                 f"{quality})")
        if model.options.tune_steps != 0:
            doc = model.document
            self._tuning = (doc.photo, doc.anchor)
            model._requests.submit("tune", jobs.tuning_job(model._cache, model.options, doc))
        else:
            model._edit()

    def _tuned(self, result: jobs.Tuning) -> None:
        model, doc = self.model, self.model.document
        if not self.tuning_this():
            return  # the document changed while it ran
        self._tuning = None
        model.history.replace(replace(doc, current=result.step.image, tuned=result.weights))
        model.documentChanged.emit()
        model.statusMessage.emit(f"tuned the generator on the photo "
                                 f"({result.step.psnr:.1f} dB)")
        model._edit()


__all__ = ["Opening"]
