"""The chosen edit carried onto the photo ahead of Apply, kept for the editor state it was made for.

Once a candidate is chosen and its path rendered, the editor asks for the transfer at the slider's
position, so that the candidate view shows the edited photo and Apply commits it at once. The
result is shown only while the state it was computed for (the document, the candidates, the
chosen one, the slider position and the options) is still the editor's, as the same objects.
Pure Python: the editor's model drives it with request numbers.
"""

from __future__ import annotations

import numpy as np

from igan_app.journeys.edit import Applied


class EditPreview:
    """The newest preview that arrived and the state it was asked for; the preview requests in
    flight with theirs."""

    def __init__(self) -> None:
        self._applied: Applied | None = None
        self._state: tuple | None = None
        self._asked: dict[int, tuple] = {}

    def asked(self, request: int, state: tuple) -> None:
        """A preview for `state` was submitted as `request`."""
        self._asked[request] = state

    def arrived(self, request: int, applied: Applied) -> None:
        """`request`'s result: it becomes the preview, for the state it was asked for."""
        self._applied, self._state = applied, self._asked.get(request)

    def ended(self, request: int) -> None:
        """`request` ended (finished, failed or cancelled), a preview request or not."""
        self._asked.pop(request, None)

    def for_state(self, state: tuple | None) -> Applied | None:
        """The preview made for exactly `state`, else None."""
        if self._applied is None or state is None or not _same(state, self._state):
            return None
        return self._applied

    def photo_for(self, state: tuple | None) -> np.ndarray | None:
        """The edited photo of `for_state(state)`, else None."""
        applied = self.for_state(state)
        return None if applied is None else applied.photo


def _same(a: tuple, b: tuple | None) -> bool:
    """The states hold arrays and snapshots: the same objects (ints by value), not equal values."""
    return b is not None and len(a) == len(b) and all(x is y or (isinstance(x, int) and x == y)
                                                      for x, y in zip(a, b, strict=True))


__all__ = ["EditPreview"]
