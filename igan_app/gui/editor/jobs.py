"""The model jobs the editor asks the shared worker for, as step factories over the edit journey.

Each factory is built on the GUI thread from the document and the options of the moment (plain
data, captured when the user asks) and called on the worker thread, where the models are loaded
and every tensor stays. The kinds name the jobs in the editor's busy text and its error messages.

A document with a tuned generator (`Document.tuned`) is edited, rendered and carried on that
generator: `model_for` gives the name the cache holds it under, rebuilding it from its weights
when the cache let it go (or when it came from a session file).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.engine.frame import Frame
from igan_app.engine.session_tuned import TunedWeights
from igan_app.engine.strokes import StrokeSet
from igan_app.gui.editor.document import PATH_FRAMES, Document, EditOptions, frame_for
from igan_app.gui.worker import StepFactory
from igan_app.journeys import edit as journey
from igan_app.journeys.models import ModelCache

# kind → (what the status bar says while it runs, what an error message calls it)
KINDS = {
    "project": ("projecting", "the projection"),
    "tune": ("tuning the generator on the photo", "tuning the generator"),
    "edit": ("editing", "the edit"),
    "live edit": ("editing", "the edit"),
    "path": ("rendering the path", "rendering the path"),
    "apply": ("applying to the photo", "applying the edit"),
    "preview": ("carrying the edit onto the photo", "carrying the edit onto the photo"),
}


def busy_text(kind: str) -> str:
    """What the editor is doing while a job of `kind` runs."""
    return KINDS[kind][0]


def failure_text(kind: str, message: str) -> str:
    """The one line shown when a job of `kind` failed with `message`."""
    return f"{KINDS.get(kind, (kind, kind))[1]} failed: {message}"


@dataclass(frozen=True)
class Projecting:
    """A projection step with what it ran on: one object, because the worker may drop older
    steps when newer ones arrive first. `frame` is the document's region at the model's
    resolution; `models` describes the model, the device and the feature weights."""

    step: journey.Projected
    frame: Frame
    models: str


def projection_job(cache: ModelCache, options: EditOptions, doc: Document) -> StepFactory:
    """Project the document's region: `Projecting` steps."""

    def steps():
        # The engine's configs import torch: built here, on the worker thread.
        from igan_app.engine.projection import ProjectionConfig

        method = "hybrid" if options.projection_steps > 0 else "encoder"
        config = ProjectionConfig(method, steps=max(1, options.projection_steps))
        models = cache.manifold(options.model, options.device)
        frame = frame_for(doc.frame, models.resolution)
        for step in journey.projection(cache, options.model, options.device, doc.photo, frame,
                                       config):
            yield Projecting(step, frame, models.describe())

    return steps


def model_for(cache: ModelCache, options: EditOptions, doc: Document) -> str:
    """The name of the generator `doc` is edited on: its tuned one, else the options' manifold.
    On the worker thread (it may rebuild the tuned generator)."""
    return options.model if doc.tuned is None else cache.hold_weights(doc.tuned, options.device)


@dataclass(frozen=True)
class Tuning:
    """A tuning step, and on the last one the tuned generator's weights (the document's
    `tuned`); one object, as `Projecting`."""

    step: journey.Tuned
    weights: TunedWeights | None = None


def tuning_job(cache: ModelCache, options: EditOptions, doc: Document) -> StepFactory:
    """Tune the generator on the document's region around its anchor: `Tuning` steps."""

    def steps():
        from igan_app.engine.tuning import tuning_config

        config = tuning_config(options.tune_steps)
        for step in journey.tuning(cache, options.model, options.device, doc.photo, doc.frame,
                                   doc.anchor, config):
            weights = None
            if step.done:
                weights = cache.weights_of(step.model, options.model, options.device)
            yield Tuning(step, weights)

    return steps


def edit_job(cache: ModelCache, options: EditOptions, doc: Document, strokes: StrokeSet,
             seed: int, resume: object) -> StepFactory:
    """Optimize towards `strokes` around the document's anchor: `Candidates` steps, continuing
    from an earlier step's `resume` (None: fresh starts)."""

    def steps():
        from igan_app.engine.editing import EditConfig

        config = EditConfig(starts=options.starts, keep=min(options.candidates, options.starts),
                            iterations=options.iterations, seed=seed)
        return journey.editing(cache, model_for(cache, options, doc), options.device, strokes,
                               doc.frame,
                               doc.anchor, doc.current, config, keep_weight=options.keep_weight,
                               resume=resume)

    return steps


def path_job(cache: ModelCache, options: EditOptions, doc: Document,
             target: np.ndarray) -> StepFactory:
    """Render PATH_FRAMES pictures from the anchor to `target`: one `PathFrames` step."""

    def steps():
        return journey.path_frames(cache, model_for(cache, options, doc), options.device,
                                   doc.anchor, target, PATH_FRAMES, options.path_mode)

    return steps


def transfer_job(cache: ModelCache, options: EditOptions, doc: Document, target: np.ndarray,
                 position: int) -> StepFactory:
    """Carry the change from the anchor to frame `position` of the path to `target` onto the
    photo (the point on the path is computed on the worker): `Progress` steps, then `Applied`."""
    t = position / (PATH_FRAMES - 1)

    def steps():
        return carry(cache, options, doc, doc.photo, doc.frame, target, t)

    return steps


def carry(cache: ModelCache, options: EditOptions, doc: Document, photo: np.ndarray,
          frame: Frame, target: np.ndarray, t: float, frames: int = 8):
    """`journey.apply_edit` of the change from the document's anchor to `t` of the way to
    `target` onto `photo` (the document's, or a smaller copy with `frame` scaled to it), with the
    options' transfer: the one call of it, for Apply, its preview and the live view. The
    document's strokes go with it (they keep the change local) when they are `photo`'s."""
    strokes = doc.strokes if doc.strokes.photo_size == photo.shape[:2] else None
    return journey.apply_edit(cache, model_for(cache, options, doc), options.device, photo,
                              frame, doc.anchor, target, t=t, frames=frames,
                              mode=options.transfer_mode, path=options.path_mode,
                              strokes=strokes)


__all__ = ["KINDS", "Projecting", "Tuning", "busy_text", "carry", "edit_job", "failure_text",
           "model_for", "path_job", "projection_job", "transfer_job", "tuning_job"]
