"""What the model proposes for the editor's document, as one immutable value replaced as jobs
report: the candidates of the latest edit step, the chosen one, the rendered path to it and the
slider's position on that path. No Qt, and no latent math: the latents are the journey's."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

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
