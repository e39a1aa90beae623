"""What the model proposes for the editor's document, as one immutable value replaced as jobs
report: the candidates of the latest edit step, the chosen one, the rendered path to it and the
slider's position on that path. No Qt, and no latent math: the latents are the journey's."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from igan_app.engine.session import EditorSession
from igan_app.gui.editor.document import PATH_FRAMES
from igan_app.journeys.edit import Candidates, PathFrames


@dataclass(frozen=True)
class Proposal:
    """candidates: the latest edit step's, best first (None: no edit yet); chosen: an index into
    them; path: PATH_FRAMES pictures and latents from the anchor to the chosen candidate, once
    rendered; position: the slider's frame on the path, 0 = the anchor's picture."""

    candidates: Candidates | None = None
    chosen: int | None = None
    path: PathFrames | None = None
    position: int = PATH_FRAMES - 1

    @classmethod
    def from_session(cls, session: EditorSession) -> Proposal:
        """The candidates `session` was saved with, the chosen one and the slider (its path not
        rendered); no candidates when it holds none, or not their pictures."""
        if session.candidates is None or session.pictures is None:
            return cls()
        found = Candidates(0, 0, session.candidates, session.pictures, session.costs, 0.0)
        return cls(found, session.chosen, None, round(session.position * (PATH_FRAMES - 1)))

    def session_fields(self) -> dict:
        """The candidates as `EditorSession` fields (none without candidates): their latents,
        pictures and costs, the chosen one, the slider as a fraction of the path."""
        found = self.candidates
        if found is None or not len(found.costs):
            return {}
        return {"candidates": found.latents, "pictures": found.images, "costs": found.costs,
                "chosen": self.chosen, "position": self.position / (PATH_FRAMES - 1)}

    def with_candidates(self, found: Candidates) -> Proposal:
        """A new edit step: its candidates, the choice kept while it still exists, no path."""
        keep = self.chosen is not None and self.chosen < len(found.costs)
        return replace(self, candidates=found, chosen=self.chosen if keep else None, path=None)

    def choose(self, index: int) -> Proposal | None:
        """Candidate `index` chosen, its path not rendered yet, the slider at its end; None when
        there is no such candidate."""
        if self.candidates is None or not 0 <= index < len(self.candidates.costs):
            return None
        return Proposal(self.candidates, index)

    def at(self, position: int) -> Proposal:
        """The slider at frame `position` of the path (clamped)."""
        return replace(self, position=max(0, min(PATH_FRAMES - 1, int(position))))

    def edit_state(self, doc: object, options: object) -> tuple | None:
        """What the chosen edit carried onto `doc`'s photo with `options` depends on (a preview
        made for another state is stale); None when nothing is chosen or there is no document."""
        if self.chosen is None or doc is None:
            return None
        return (doc, self.candidates, self.chosen, self.position, options)

    def target(self) -> np.ndarray | None:
        """The chosen candidate's latent (d,), or None."""
        if self.chosen is None or self.candidates is None:
            return None
        return self.candidates.latents[self.chosen]

    def latent(self) -> np.ndarray | None:
        """The latent at the slider on the path to the chosen candidate: a frame of the rendered
        path, the candidate itself at the end of the slider, else None until the path is
        rendered."""
        if self.path is not None and self.chosen is not None:
            return self.path.latents[self.position]
        return self.target() if self.position == PATH_FRAMES - 1 else None

    def picture(self) -> np.ndarray | None:
        """The path frame at the slider, else the chosen (or best) candidate's picture, else
        None."""
        if self.path is not None:
            return self.path.images[self.position]
        if self.candidates is not None and len(self.candidates.images):
            return self.candidates.images[self.chosen or 0]
        return None


__all__ = ["Proposal"]
