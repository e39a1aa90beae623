"""What the GUI tests share: a model worker that is shut down (and joined) after the test."""

from __future__ import annotations

import pytest

from igan_app.gui.worker import ModelWorker

# How long the fixture waits for the worker's running step to return at shutdown; it returns as
# soon as the thread ends, so a generous bound costs nothing when all is well.
WORKER_SHUTDOWN_MS = 30_000


@pytest.fixture
def worker(qapp):
    """A fresh ModelWorker; the test fails if its thread does not end at shutdown."""
    worker = ModelWorker()
    yield worker
    assert worker.shutdown(WORKER_SHUTDOWN_MS)
