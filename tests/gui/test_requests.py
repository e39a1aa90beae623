"""The request tracker: each tab sees the reports of its own requests only, with their kinds."""

from __future__ import annotations

import threading

from igan_app.gui.requests import RequestTracker

WAIT_MS = 2000


def steps(count: int):
    return lambda: iter(range(count))


def failing():
    yield 1
    raise ValueError("bad input\nsecond line")


def forever(entered: threading.Event):
    def make():
        entered.set()
        while True:
            yield "tick"
    return make


class Seen:
    def __init__(self, tracker: RequestTracker) -> None:
        self.events: list[tuple] = []
        tracker.started.connect(lambda r, k: self.events.append(("started", r, k)))
        tracker.step.connect(lambda r, k, x: self.events.append(("step", r, k, x)))
        tracker.finished.connect(lambda r, k, x: self.events.append(("finished", r, k, x)))
        tracker.failed.connect(lambda r, k, m, _d: self.events.append(("failed", r, k, m)))
        tracker.cancelled.connect(lambda r, k: self.events.append(("cancelled", r, k)))

    def ends(self) -> list[tuple]:
        return [e for e in self.events if e[0] in ("finished", "failed", "cancelled")]


def test_a_tab_sees_only_its_own_requests_with_their_kinds(worker, qtbot):
    mine, theirs = RequestTracker(worker), RequestTracker(worker)
    seen_mine, seen_theirs = Seen(mine), Seen(theirs)
    request = mine.submit("paint", steps(3))
    assert mine.kind(request) == "paint" and theirs.kind(request) is None
    qtbot.waitUntil(lambda: bool(seen_mine.ends()), timeout=WAIT_MS)
    assert seen_mine.ends() == [("finished", request, "paint", 2)]
    assert all(e[1] == request and e[2] == "paint" for e in seen_mine.events)
    assert seen_mine.events[0] == ("started", request, "paint")
    assert seen_theirs.events == []
    assert mine.kind(request) is None and mine.pending() == ()  # ended: no longer tracked


def test_failures_carry_the_first_line_and_end_the_request(worker, qtbot):
    tracker = RequestTracker(worker)
    seen = Seen(tracker)
    request = tracker.submit("morph", failing)
    qtbot.waitUntil(lambda: bool(seen.ends()), timeout=WAIT_MS)
    assert seen.ends() == [("failed", request, "morph", "bad input")]


def test_another_tabs_request_cancels_mine_and_stop_leaves_theirs_alone(worker, qtbot):
    mine, theirs = RequestTracker(worker), RequestTracker(worker)
    seen_mine = Seen(mine)
    entered = threading.Event()
    first = mine.submit("edit", forever(entered))
    assert entered.wait(WAIT_MS / 1000)
    assert mine.is_running() and mine.pending() == ("edit",)
    other = theirs.submit("morph", forever(threading.Event()))
    qtbot.waitUntil(lambda: bool(seen_mine.ends()), timeout=WAIT_MS)
    assert seen_mine.ends() == [("cancelled", first, "edit")]
    assert not mine.is_running() and theirs.is_running()
    mine.stop()  # not this tab's job: nothing happens to it
    assert theirs.kind(other) == "morph" and worker.latest_request == other
    theirs.stop()
    qtbot.waitUntil(lambda: theirs.pending() == (), timeout=WAIT_MS)
