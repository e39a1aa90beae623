"""The model worker, driven through its public API with tiny generators instead of models."""

from __future__ import annotations

import itertools
import sys
import threading
import time

import pytest
from PySide6.QtCore import QObject, Signal

from igan_app.gui.worker import ModelWorker

ENDS = ("finished", "failed", "cancelled")
WAIT_MS = 2000  # upper bounds for waits; the tests take milliseconds when all is well


class Recorder:
    """Every signal the worker emits, in order, with whether it arrived on the main thread."""

    def __init__(self, worker: ModelWorker) -> None:
        self.events: list[tuple[str, int, object]] = []
        self.off_main_thread: list[str] = []
        worker.started.connect(lambda request, kind: self._add("started", request, kind))
        worker.step.connect(lambda request, result: self._add("step", request, result))
        worker.finished.connect(lambda request, last: self._add("finished", request, last))
        worker.failed.connect(
            lambda request, message, details: self._add("failed", request, (message, details)))
        worker.cancelled.connect(lambda request: self._add("cancelled", request, None))

    def _add(self, name: str, request: int, payload: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.off_main_thread.append(name)
        self.events.append((name, request, payload))

    def of(self, name: str, request: int) -> list[object]:
        return [p for n, r, p in self.events if n == name and r == request]

    def ends(self, request: int) -> list[tuple[str, object]]:
        return [(n, p) for n, r, p in self.events if n in ENDS and r == request]

    def index(self, name: str, request: int) -> int:
        return next(i for i, (n, r, _) in enumerate(self.events) if n == name and r == request)


def counting(count: int | None, delay: float = 0.0, closed: threading.Event | None = None):
    """A job factory: yields 0, 1, ... (forever when count is None), sets `closed` when closed."""

    def make():
        try:
            for i in itertools.count() if count is None else range(count):
                if delay:
                    time.sleep(delay)
                yield i
        finally:
            if closed is not None:
                closed.set()

    return make


def blocking(entered: threading.Event, release: threading.Event):
    """A job factory whose first step is slow: it waits until `release` is set."""

    def make():
        entered.set()
        release.wait(WAIT_MS / 1000)
        yield "slow"

    return make


@pytest.fixture
def recorder(worker):
    return Recorder(worker)


def test_steps_arrive_in_order_on_the_gui_thread(worker, recorder, qtbot):
    taken = threading.Event()  # the job waits until the GUI got each step, so none is coalesced
    worker.step.connect(lambda request, result: taken.set())

    def make():
        for i in range(5):
            taken.clear()
            yield i
            if not taken.wait(WAIT_MS / 1000):
                raise TimeoutError(f"step {i} was not delivered")

    request = worker.submit("project", make)
    assert request == worker.latest_request == 1
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert recorder.events == [("started", 1, "project"), *[("step", 1, i) for i in range(5)],
                               ("finished", 1, 4)]
    assert recorder.off_main_thread == []


def test_fast_steps_are_coalesced_but_never_reordered(worker, recorder, qtbot):
    request = worker.submit("project", counting(300))
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    steps = recorder.of("step", request)
    assert steps == sorted(set(steps)) and steps[-1] == 299
    assert recorder.ends(request) == [("finished", 299)]
    assert recorder.events[-1][0] == "finished"


def test_a_job_without_steps_finishes_with_none(worker, recorder, qtbot):
    request = worker.submit("edit", lambda: iter(()))
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert recorder.ends(request) == [("finished", None)]


def test_a_new_request_cancels_the_running_one(worker, recorder, qtbot):
    closed = threading.Event()
    first = worker.submit("project", counting(None, delay=0.002, closed=closed))
    qtbot.waitUntil(lambda: len(recorder.of("step", first)) >= 2, timeout=WAIT_MS)
    submitted_at = len(recorder.events)
    second = worker.submit("edit", counting(3))
    assert second == worker.latest_request == first + 1
    qtbot.waitUntil(lambda: bool(recorder.ends(second)), timeout=WAIT_MS)

    assert closed.is_set()  # the first generator was closed: its finally block ran
    assert recorder.ends(first) == [("cancelled", None)]
    assert recorder.ends(second) == [("finished", 2)]
    after = recorder.events[submitted_at:]
    assert all(r == second for n, r, _ in after if n != "cancelled")  # nothing of request 1
    # One job at a time: the second started only after the first had ended.
    assert recorder.index("cancelled", first) < recorder.index("started", second)


def test_queued_jobs_are_replaced_by_the_newest(worker, recorder, qtbot):
    entered, release = threading.Event(), threading.Event()
    made: list[str] = []

    def job(name: str):
        def make():
            made.append(name)
            yield name
        return make

    first = worker.submit("edit", blocking(entered, release))
    assert entered.wait(WAIT_MS / 1000)
    queued = [worker.submit("edit", job(name)) for name in "bcd"]
    release.set()
    qtbot.waitUntil(lambda: bool(recorder.ends(queued[-1])), timeout=WAIT_MS)

    assert made == ["d"]  # the replaced factories were never called
    assert recorder.ends(queued[-1]) == [("finished", "d")]
    for request in [first, *queued[:-1]]:
        assert recorder.ends(request) == [("cancelled", None)]
    assert recorder.of("step", first) == []  # its slow step returned after it was superseded


def test_an_exception_is_reported_and_the_worker_goes_on(worker, recorder, qtbot):
    def broken():
        yield 1
        raise ValueError("photo.png is not an image\nsecond line")

    request = worker.submit("project", broken)
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    [(end, (message, details))] = recorder.ends(request)
    assert end == "failed" and message == "photo.png is not an image"
    assert "Traceback" in details and "ValueError" in details and "broken" in details

    def bad_factory():
        raise RuntimeError("no model loaded")

    request = worker.submit("edit", bad_factory)
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert recorder.ends(request)[0][0] == "failed"
    assert recorder.ends(request)[0][1][0] == "no model loaded"

    request = worker.submit("edit", counting(2))
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert recorder.ends(request) == [("finished", 1)]
    assert recorder.off_main_thread == []


def test_stop_cancels_the_running_job(worker, recorder, qtbot):
    closed = threading.Event()
    request = worker.submit("project", counting(None, delay=0.002, closed=closed))
    qtbot.waitUntil(lambda: bool(recorder.of("step", request)), timeout=WAIT_MS)
    worker.stop()
    stopped_at = len(recorder.events)
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert closed.is_set()
    assert recorder.ends(request) == [("cancelled", None)]
    assert [n for n, _, _ in recorder.events[stopped_at:]] == ["cancelled"]

    again = worker.submit("project", counting(2))
    qtbot.waitUntil(lambda: bool(recorder.ends(again)), timeout=WAIT_MS)
    assert recorder.ends(again) == [("finished", 1)]


def test_shutdown_joins_the_thread_and_is_idempotent(qtbot):
    worker = ModelWorker(name="test-worker")
    recorder = Recorder(worker)
    assert worker.shutdown() is True  # nothing started yet

    worker = ModelWorker(name="test-worker")
    recorder = Recorder(worker)
    closed = threading.Event()
    request = worker.submit("project", counting(None, delay=0.002, closed=closed))
    qtbot.waitUntil(lambda: bool(recorder.of("step", request)), timeout=WAIT_MS)
    assert any(t.name == "test-worker" for t in threading.enumerate())
    assert worker.shutdown(WAIT_MS) is True
    assert closed.is_set()
    assert not any(t.name == "test-worker" for t in threading.enumerate())
    assert worker.shutdown(WAIT_MS) is True
    with pytest.raises(RuntimeError, match="shut down"):
        worker.submit("edit", counting(1))
    qtbot.waitUntil(lambda: bool(recorder.ends(request)), timeout=WAIT_MS)
    assert recorder.ends(request) == [("cancelled", None)]


def test_shutdown_waits_for_a_slow_step_only_as_long_as_asked(qtbot):
    worker = ModelWorker()
    entered, release = threading.Event(), threading.Event()
    worker.submit("edit", blocking(entered, release))
    assert entered.wait(WAIT_MS / 1000)
    assert worker.shutdown(20) is False  # the step is still running
    release.set()
    assert worker.shutdown(WAIT_MS) is True


def test_the_gui_thread_never_waits_for_a_running_step(worker, recorder, qtbot):
    entered, release = threading.Event(), threading.Event()
    first = worker.submit("edit", blocking(entered, release))
    assert entered.wait(WAIT_MS / 1000)

    tick = time.perf_counter()
    second = worker.submit("edit", counting(2))
    worker.stop()
    third = worker.submit("edit", counting(3))
    elapsed = time.perf_counter() - tick
    # The job is still inside its slow step, yet the calls returned at once.
    assert not release.is_set() and elapsed < 0.05
    release.set()
    qtbot.waitUntil(lambda: bool(recorder.ends(third)), timeout=WAIT_MS)
    assert recorder.ends(first) == recorder.ends(second) == [("cancelled", None)]
    assert recorder.ends(third) == [("finished", 2)]


class _Emitter(QObject):
    ping = Signal(int)


def test_emitting_a_signal_keeps_the_reference_to_true(qtbot):
    """PySide6 6.12.0's Signal.emit returns True without owning it: on Python < 3.12, where True
    is not immortal, every emit drops one reference and after some hundreds the process dies
    with "Fatal Python error: bool_dealloc". The worker emits per step, so such a release must
    not be installed: pyproject.toml has to exclude it."""
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.ping.emit(1)
    # Other code may take or drop a few references meanwhile; the bug drops one per emit.
    assert sys.getrefcount(True) - before > -50, "this PySide6 release leaks True on emit"
