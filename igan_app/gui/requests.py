"""One tab's requests to the shared model worker, and only their reports.

Every tab submits to the same `ModelWorker`, whose signals reach every tab. A `RequestTracker`
remembers the request numbers its tab submitted (with the kind of each) and re-emits the
worker's reports for those alone, with the kind attached, so a tab never compares request
numbers itself. Exactly one of finished, failed or cancelled ends each tracked request.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from igan_app.gui.worker import ModelWorker, StepFactory


class RequestTracker(QObject):
    """The requests one tab submitted to `worker`; see the module docstring.

    Signals (GUI thread): started(request, kind); step(request, kind, result);
    finished(request, kind, last_result); failed(request, kind, message, details);
    cancelled(request, kind).
    """

    started = Signal(int, str)
    step = Signal(int, str, object)
    finished = Signal(int, str, object)
    failed = Signal(int, str, str, str)
    cancelled = Signal(int, str)

    def __init__(self, worker: ModelWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._kinds: dict[int, str] = {}  # submitted here and not ended yet
        self._latest = 0  # the newest request submitted here
        worker.started.connect(self._on_started)
        worker.step.connect(self._on_step)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)

    def submit(self, kind: str, make_steps: StepFactory) -> int:
        """Submit a job (see `ModelWorker.submit`) and track it; its request number. Raises
        RuntimeError when the worker has been shut down."""
        request = self.worker.submit(kind, make_steps)
        self._kinds[request] = kind
        self._latest = request
        return request

    @property
    def latest(self) -> int:
        """The newest request submitted through this tracker (0 before the first)."""
        return self._latest

    def kind(self, request: int) -> str | None:
        """The kind of a tracked request that has not ended, else None."""
        return self._kinds.get(request)

    def pending(self) -> tuple[str, ...]:
        """The kinds of the tracked requests that have not ended, oldest first."""
        return tuple(self._kinds.values())

    def is_running(self) -> bool:
        """Whether this tab's newest request is the worker's newest and has not ended."""
        return self._latest in self._kinds and self.worker.latest_request == self._latest

    def stop(self) -> None:
        """Stop the worker's job if it is this tab's (another tab's job is left alone)."""
        if self.is_running():
            self.worker.stop()

    def _on_started(self, request: int, _kind: str) -> None:
        if request in self._kinds:
            self.started.emit(request, self._kinds[request])

    def _on_step(self, request: int, result: object) -> None:
        # Another receiver of the same worker signal may have submitted since it was emitted
        # (the worker's docstring): a step of a request that is no longer the newest is stale.
        if request in self._kinds and request == self.worker.latest_request:
            self.step.emit(request, self._kinds[request], result)

    def _on_finished(self, request: int, last: object) -> None:
        kind = self._kinds.pop(request, None)
        if kind is not None:
            self.finished.emit(request, kind, last)

    def _on_failed(self, request: int, message: str, details: str) -> None:
        kind = self._kinds.pop(request, None)
        if kind is not None:
            self.failed.emit(request, kind, message, details)

    def _on_cancelled(self, request: int) -> None:
        kind = self._kinds.pop(request, None)
        if kind is not None:
            self.cancelled.emit(request, kind)


__all__ = ["RequestTracker"]
