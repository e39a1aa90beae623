"""The one model worker: every model job of the GUI runs here, one at a time, off the GUI thread.

A job is a factory that returns an iterator of step results: `lambda: edit(manifold, ...)` or
`lambda: project(manifold, ...)`. The factory is called on the worker thread, so even building
the generator (and its first tensors) never happens on the GUI thread. The worker asks the
iterator for one step at a time; stopping a job is not asking for the next step and then calling
its `close()`, so a generator's `finally` blocks run on the worker thread.

The newest request wins (stylegan3's AsyncRenderer): `submit` returns an increasing request
number; a new submit, of any kind, replaces the job that waits to start and asks the running job
to stop at its next step. There is one model job at a time, so a projection and an edit never
fight for the device, and whatever the user asked for last is what runs.

Signals, all delivered on the thread that created the worker (the GUI thread):
    started(request, kind)            the job began on the worker thread
    step(request, result)             a step result, the newest one not yet delivered
    finished(request, last_result)    the iterator ended; last_result is its last step (or None)
    failed(request, message, details) an exception, as data: a one-line message and a traceback
    cancelled(request)                stopped, replaced before it started, or superseded

Every request number that `submit` returned ends with exactly one of finished, failed or
cancelled. `started` and `step` are delivered only for the live request (the newest one, until
`stop()`); a request that is no longer live when its end arrives ends as `cancelled`, whatever
its generator did (a superseded failure is logged, not shown). The filter runs on the GUI thread
just before emitting, so a receiver connected on that thread never sees a stale result; a
receiver elsewhere, or one that may run after a `submit` made by another receiver of the same
signal, should still compare the request number with `latest_request`.

Steps are coalesced: when a job yields faster than the GUI thread takes its results, the older
undelivered ones are dropped (never reordered), so a fast projection cannot flood the event queue
with pictures; the last step always arrives before `finished`.

The worker is a plain `threading.Thread` rather than a QThread: it needs no Qt event loop (it
waits on a `threading.Condition`), Qt delivers signals emitted from it like from any thread, and
Python's `threading` sees it, so logging names it and the tests can check it has ended (a QThread
running Python code shows up as an unjoinable dummy thread instead).

`shutdown()` stops the job and joins the thread; the worker calls it on the application's
`aboutToQuit`, and a window that owns a worker should call it when it closes. The worker must be
created on the GUI thread, and only that thread calls its methods. Nothing here imports torch.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from igan_app.messages import one_line

log = logging.getLogger(__name__)

StepFactory = Callable[[], Iterable[Any]]

# What a report from the worker thread carries (the private `_report` signal).
_STARTED, _STEP, _FINISHED, _FAILED, _CANCELLED = range(5)
_NAMES = ("started", "step", "finished", "failed", "cancelled")


@dataclass
class _Job:
    request: int
    kind: str
    make_steps: StepFactory
    stop: threading.Event = field(default_factory=threading.Event)


class ModelWorker(QObject):
    """One worker thread for all model jobs; the newest request wins. See the module docstring.

    name: the worker thread's name (in logs and thread listings).
    """

    started = Signal(int, str)
    step = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str, str)
    cancelled = Signal(int)

    # (request, what, payload), emitted on any thread, delivered queued on the GUI thread.
    _report = Signal(int, int, object)

    def __init__(self, parent: QObject | None = None, name: str = "igan-model-worker") -> None:
        super().__init__(parent)
        self._name = name
        # Guards everything the two threads share: _pending, _running, _slot, _closing.
        self._cond = threading.Condition()
        self._pending: _Job | None = None  # submitted, not started yet
        self._running: _Job | None = None  # being stepped on the worker thread
        self._slot: tuple[int, Any] | None = None  # newest undelivered step: (request, result)
        self._closing = False
        self._thread: threading.Thread | None = None  # started by the first submit
        # GUI thread only:
        self._latest = 0  # newest request number handed out
        self._live: int | None = None  # request whose results are shown; None after stop()
        self._report.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # --- the GUI thread's side -----------------------------------------------------------------

    @property
    def latest_request(self) -> int:
        """The newest request number `submit` returned (0 before the first)."""
        return self._latest

    def submit(self, kind: str, make_steps: StepFactory) -> int:
        """Queue a job and return its request number; never waits for the running job.

        kind: a label for logs and the `started` signal ("project", "edit", ...); a new job of
        any kind supersedes the older ones. make_steps: called on the worker thread, returns an
        iterable of step results (normally a generator). Raises RuntimeError after `shutdown`.
        """
        job = _Job(self._latest + 1, kind, make_steps)
        with self._cond:
            if self._closing:
                raise RuntimeError("the model worker has been shut down")
            replaced = self._pending
            self._pending = job
            if self._running is not None:
                self._running.stop.set()
            if self._thread is None:
                # A daemon, so that a forgotten shutdown cannot keep the process alive.
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
        self._latest = self._live = job.request
        if replaced is not None:
            self._report.emit(replaced.request, _CANCELLED, None)
        return job.request

    def stop(self) -> None:
        """Stop the running job at its next step and drop the waiting one; both end cancelled."""
        self._live = None
        self._cancel_all()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop all jobs and join the worker thread; True when it has ended.

        Waits up to timeout_ms for the running job's current step to return (the only time the
        GUI thread waits). Safe to call again, e.g. after a timeout; `submit` fails afterwards.
        """
        self._live = None
        with self._cond:
            self._closing = True
        self._cancel_all()
        thread = self._thread
        if thread is None:
            return True
        thread.join(max(0, timeout_ms) / 1000)
        if thread.is_alive():
            log.warning("model worker: the running job did not stop within %d ms", timeout_ms)
            return False
        return True

    def _cancel_all(self) -> None:
        with self._cond:
            dropped, self._pending = self._pending, None
            if self._running is not None:
                self._running.stop.set()
            self._cond.notify_all()
        if dropped is not None:
            self._report.emit(dropped.request, _CANCELLED, None)

    @Slot(int, int, object)
    def _deliver(self, request: int, what: int, payload: Any) -> None:
        """Turn the worker's reports into the public signals, dropping what is no longer live."""
        if what == _STEP:
            with self._cond:
                taken, self._slot = self._slot, None
            if taken is not None and taken[0] == self._live:
                self.step.emit(*taken)
            return
        live = request == self._live
        if what == _STARTED:
            if live:
                self.started.emit(request, payload)
            return
        if live and what == _FINISHED:
            self.finished.emit(request, payload)
        elif live and what == _FAILED:
            self.failed.emit(request, *payload)
        else:
            if what == _FAILED:
                log.warning("model worker: superseded request %d failed: %s", request, payload[0])
            self.cancelled.emit(request)

    # --- the worker thread's side --------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                if self._closing:  # _cancel_all has dropped the pending job
                    return
                job, self._pending = self._pending, None
                self._running = job
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running = None

    def _run(self, job: _Job) -> None:
        """Step one job until it ends, fails or is asked to stop; report exactly one end."""
        if job.stop.is_set():  # superseded between leaving the queue and starting
            self._report.emit(job.request, _CANCELLED, None)
            return
        self._report.emit(job.request, _STARTED, job.kind)
        steps = None
        last = None
        end: tuple[int, Any] = (_CANCELLED, None)
        try:
            steps = iter(job.make_steps())
            while not job.stop.is_set():
                try:
                    result = next(steps)
                except StopIteration:
                    end = (_FINISHED, last)
                    break
                last = result
                with self._cond:
                    if job.stop.is_set():  # superseded during the step: drop its result
                        break
                    notify = self._slot is None
                    self._slot = (job.request, result)
                if notify:
                    self._report.emit(job.request, _STEP, None)
        except Exception as exc:  # noqa: BLE001 - any error in a job is reported, as data
            end = (_FAILED, (one_line(exc), traceback.format_exc()))
        finally:
            close = getattr(steps, "close", None)
            if close is not None:
                try:
                    close()  # runs a stopped generator's finally blocks, here
                except Exception as exc:  # noqa: BLE001 - as above
                    if end[0] != _FAILED:
                        end = (_FAILED, (one_line(exc), traceback.format_exc()))
        log.debug("model worker: %s request %d %s", job.kind, job.request, _NAMES[end[0]])
        self._report.emit(job.request, *end)
