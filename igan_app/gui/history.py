"""Undo and redo over immutable snapshots of the document.

The caller makes a new snapshot for every change and pushes it with a label ("color stroke");
`History` keeps references only, never copies, so snapshots must not be changed afterwards.
Pure Python: no Qt, so that the rules are tested without a window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import MutableSequence
from typing import Generic, TypeVar

T = TypeVar("T")


class History(Generic[T]):
    """The current state of a document and the steps that led to it.

    initial: the document's first state.
    limit: how many steps can be undone, >= 0; older steps are forgotten.
    """

    def __init__(self, initial: T, limit: int = 100) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise ValueError(f"limit must be a number of undo steps >= 0, got {limit!r}")
        self._current = initial
        # Each entry is (the state on the other side of the step, the step's label).
        self._undo: deque[tuple[T, str]] = deque(maxlen=limit)
        self._redo: list[tuple[T, str]] = []

    @property
    def current(self) -> T:
        """The state the document is in now."""
        return self._current

    @property
    def limit(self) -> int:
        """The most steps that can be undone."""
        return self._undo.maxlen or 0

    def push(self, state: T, label: str) -> None:
        """Make `state` current, as the step named `label`; what could be redone is dropped."""
        self._undo.append((self._current, label))
        self._redo.clear()
        self._current = state

    def undo(self) -> T:
        """Go back one step and return the state it leads to; IndexError if there is none."""
        return self._move(self._undo, self._redo, "nothing to undo")

    def redo(self) -> T:
        """Repeat the step undone last and return the state it leads to; IndexError if there
        is none."""
        return self._move(self._redo, self._undo, "nothing to redo")

    def _move(self, source: MutableSequence[tuple[T, str]],
              target: MutableSequence[tuple[T, str]], empty: str) -> T:
        # The step leaves `source` for `target`, with the state it left behind.
        if not source:
            raise IndexError(empty)
        state, label = source.pop()
        target.append((self._current, label))
        self._current = state
        return state

    @property
    def can_undo(self) -> bool:
        """Whether there is a step to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone step to redo."""
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        """The label of the step `undo` would revert (for "Undo color stroke"), or None."""
        return self._undo[-1][1] if self._undo else None

    @property
    def redo_label(self) -> str | None:
        """The label of the step `redo` would repeat, or None."""
        return self._redo[-1][1] if self._redo else None

    def replace(self, state: T) -> None:
        """Make `state` current in place of the current one, as part of the same step (what a
        running job adds to the state it was asked for); the steps are kept."""
        self._current = state

    def reset(self, state: T) -> None:
        """Start over from `state` (a new document): nothing to undo or redo."""
        self._current = state
        self._undo.clear()
        self._redo.clear()
