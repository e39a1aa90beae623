"""The morph tab's model without its widgets: its reports, its stops, and a morph that replaces
another. The morph journey is replaced by a fake that steps until it is let go."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from igan_app.gui.morph import model as morph_model
from igan_app.gui.morph.model import MorphModel
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache, Progress
from igan_app.journeys.morph import Morphed

PHOTOS = Path(__file__).resolve().parents[2] / "assets" / "photos"
WAIT_MS = 5000


class FakeMorphing:
    """Stands for `journeys.morph.morphing`: one Progress, then (once `gate` is set) the frames,
    grey levels from 0 to 255."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls = 0

    def __call__(self, cache, model, device, photo_a, photo_b, *, frames, size, projection,
                 tuning):
        self.calls += 1
        yield Progress("projecting photo A", 1, 0)
        while not self.gate.wait(0.01):
            yield Progress("projecting photo A", 1, 0)  # a step: the worker can stop here
        levels = np.linspace(0, 255, frames).astype(np.uint8)
        yield Morphed([np.full((size, size, 3), v, np.uint8) for v in levels], [], 0.5)


@pytest.fixture
def fake(monkeypatch) -> FakeMorphing:
    fake = FakeMorphing()
    monkeypatch.setattr(morph_model, "morphing", fake)
    return fake


@pytest.fixture
def model(qapp, fake) -> MorphModel:
    """A model with both photos, on a worker of its own (shut down after the fake lets go)."""
    worker = ModelWorker()
    model = MorphModel(worker, ModelCache())
    model.set_model("landscape64", "cpu")
    assert model.open_photo(0, PHOTOS / "dune.jpg") and model.open_photo(1, PHOTOS / "storm.jpg")
    yield model
    fake.gate.set()
    assert worker.shutdown(WAIT_MS)


@pytest.fixture
def seen(model) -> list[tuple]:
    events: list[tuple] = []
    model.progressed.connect(lambda *args: events.append(("progress", *args)))
    model.busyChanged.connect(lambda busy: events.append(("busy", busy)))
    model.statusMessage.connect(lambda text: events.append(("status", text)))
    model.errorOccurred.connect(lambda text: events.append(("error", text)))
    return events


def test_a_morph_reports_its_progress_then_its_frames(qtbot, model, fake, seen):
    assert model.start(3, 8)
    assert seen[:3] == [("progress", "loading", 0, 0), ("status", "morphing: 3 frames at 8²…"),
                        ("busy", True)]
    # A step's total of 0 is reported as 1: the bar has a measure once the steps come.
    qtbot.waitUntil(lambda: ("progress", "projecting photo A", 1, 1) in seen, timeout=WAIT_MS)
    fake.gate.set()
    qtbot.waitUntil(lambda: not model.is_busy(), timeout=WAIT_MS)
    assert model.frame_count() == 3 and model.current_frame() == 0
    assert [int(f[0, 0, 0]) for f in model.frames()] == [0, 127, 255]
    assert seen[-1] == ("status", "morph: 3 frames at 8² in 0.5 s")
    model.set_frame(99)
    assert model.current_frame() == 2 and int(model.frame()[0, 0, 0]) == 255


def test_stop_ends_the_morph_quietly_and_a_new_morph_replaces_a_running_one(qtbot, model, fake,
                                                                             seen):
    assert model.start(2, 8)
    qtbot.waitUntil(lambda: fake.calls == 1 and len(seen) > 3, timeout=WAIT_MS)
    assert model.start(4, 8)  # replaces the first: its end is no "morph stopped"
    qtbot.waitUntil(lambda: fake.calls == 2, timeout=WAIT_MS)
    assert model.is_busy() and ("status", "morph stopped") not in seen
    assert [e for e in seen if e[0] == "busy"] == [("busy", True)]
    model.stop()
    qtbot.waitUntil(lambda: not model.is_busy(), timeout=WAIT_MS)
    assert seen[-2:] == [("busy", False), ("status", "morph stopped")]
    assert model.frame_count() == 0 and not [e for e in seen if e[0] == "error"]


def test_a_photo_smaller_than_the_smallest_model_is_refused(model, tmp_path, seen):
    from igan_app import imaging

    tiny = tmp_path / "tiny.png"
    imaging.write_image(tiny, np.zeros((40, 90, 3), np.uint8))
    assert not model.open_photo(1, tiny)
    assert seen == [("error", f"{tiny}: the photo is 90×40, smaller than 64 px on a side")]
    assert model.photo(1) is not None  # the storm is kept
