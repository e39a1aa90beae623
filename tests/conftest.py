"""Test-wide setup: Qt without a display, and no test may leave a thread running."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

# Set before anything imports Qt, so GUI tests run on machines without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# How long a test's threads get to finish after the test returns, in seconds.
THREAD_JOIN_WAIT = 2.0
GUI_TESTS = Path(__file__).resolve().parent / "gui"


def pytest_collection_modifyitems(config, items):
    """Every test under tests/gui drives widgets: mark it `gui`, so `-m "not gui"` skips Qt."""
    for item in items:
        if GUI_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Fail the test if threads it started are still running shortly after it returns."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_JOIN_WAIT
    leftover = []
    for thread in threading.enumerate():
        if thread in before or thread is threading.current_thread():
            continue
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            leftover.append(thread)
    if leftover:
        names = ", ".join(f"{t.name} ({type(t).__name__}, daemon={t.daemon})" for t in leftover)
        pytest.fail(f"the test left {len(leftover)} thread(s) running: {names}", pytrace=False)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny networks run fastest on one thread, and then do not fight other processes for cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
