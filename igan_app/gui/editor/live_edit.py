"""When an edit of changed strokes is submitted while the user is still drawing.

Mouse moves come faster than one optimizer step; replacing the running edit at every move would
replace each one before its first step and show nothing until the button is released. So a
change waits while the edit in flight has not reported a step yet, and is submitted as soon as
that edit steps or ends. Pure Python: the editor's model drives it with request numbers.
"""

from __future__ import annotations


class LiveEditPacing:
    """The edit in flight (a request number), whether it has stepped, and whether a change of
    the strokes waits for it."""

    def __init__(self) -> None:
        self.request: int | None = None
        self.stepped = False
        self.waiting = False

    def should_wait(self) -> bool:
        """The strokes changed: True (and the change is remembered) while the edit in flight has
        not stepped yet; False when an edit may be submitted now."""
        if self.request is not None and not self.stepped:
            self.waiting = True
            return True
        return False

    def submitted(self, request: int) -> None:
        """An edit was submitted as `request`: it is the one in flight, and nothing waits."""
        self.request, self.stepped, self.waiting = request, False, False

    def step_reported(self, request: int) -> None:
        """`request` reported a step: a change that waits (`waiting`) may be submitted now."""
        if request == self.request:
            self.stepped = True

    def ended(self, request: int) -> bool:
        """`request` ended (finished, failed or cancelled): whether a waiting change should be
        submitted now."""
        if request != self.request:
            return False
        self.request = None
        return self.waiting


__all__ = ["LiveEditPacing"]
