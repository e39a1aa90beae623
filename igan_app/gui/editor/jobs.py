"""The model jobs the editor asks the shared worker for, as step factories over the edit journey.

Each factory is built on the GUI thread from the document and the options of the moment (plain
data, captured when the user asks) and called on the worker thread, where the models are loaded
and every tensor stays. The kinds name the jobs in the editor's busy text and its error messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import StrokeSet
from igan_app.gui.editor.document import PATH_FRAMES, Document, EditOptions, frame_for
from igan_app.gui.worker import StepFactory
from igan_app.journeys import edit as journey
from igan_app.journeys.models import ModelCache

# kind → (what the status bar says while it runs, what an error message calls it)
KINDS = {
    "project": ("projecting", "the projection"),
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


def edit_job(cache: ModelCache, options: EditOptions, doc: Document, strokes: StrokeSet,
             seed: int, resume: object) -> StepFactory:
    """Optimize towards `strokes` around the document's anchor: `Candidates` steps, continuing
    from an earlier step's `resume` (None: fresh starts)."""

    def steps():
        from igan_app.engine.editing import EditConfig

        config = EditConfig(starts=options.starts, keep=min(options.candidates, options.starts),
                            iterations=options.iterations, seed=seed)
        return journey.editing(cache, options.model, options.device, strokes, doc.frame,
                               doc.anchor, doc.current, config, keep_weight=options.keep_weight,
                               resume=resume)

    return steps


def path_job(cache: ModelCache, options: EditOptions, doc: Document,
             target: np.ndarray) -> StepFactory:
    """Render PATH_FRAMES pictures from the anchor to `target`: one `PathFrames` step."""

    def steps():
        return journey.path_frames(cache, options.model, options.device, doc.anchor, target,
                                   PATH_FRAMES, options.path_mode)

    return steps


def transfer_job(cache: ModelCache, options: EditOptions, doc: Document, target: np.ndarray,
                 position: int) -> StepFactory:
    """Carry the change from the anchor to frame `position` of the path to `target` onto the
    photo (the point on the path is computed on the worker): `Progress` steps, then `Applied`."""
    t = position / (PATH_FRAMES - 1)

    def steps():
        return journey.apply_edit(cache, options.model, options.device, doc.photo, doc.frame,
                                  doc.anchor, target, t=t, mode=options.transfer_mode,
                                  path=options.path_mode)

    return steps


__all__ = ["KINDS", "Projecting", "busy_text", "edit_job", "failure_text", "path_job",
           "projection_job", "transfer_job"]
