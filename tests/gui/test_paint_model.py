"""The paint tab's model without its widgets: the map's history, the style, and when renders run.

The paint journey is replaced by a fake that records what it was asked to draw and can be held
until a test lets it go, so the scheduling is checked without a network.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from igan_app.gui.paint.model import PaintModel
from igan_app.gui.paint.renders import THROTTLE_MS
from igan_app.gui.settings import PAINT_SEED_RANGE, Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys import paint as journey
from igan_app.journeys.paint import NO_MODEL, InstalledPainter, PaneRender, Rendered

WAIT_MS = 5000
SKY, WATER, TREE = 0, 5, 8


class FakePainting:
    """Stands for `journeys.paint.painting`: a pane's picture is its map in grey, its error
    when `errors` names the model; each job waits for `gate` before it draws."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.asked: list[tuple[tuple, np.ndarray, int]] = []  # (models, labels, seed)
        self.errors: dict[str, str] = {}
        self.fail = ""

    def __call__(self, cache, models, device, labels, *, seed, style, deterministic):
        self.asked.append((tuple(models), labels.copy(), seed))
        assert self.gate.wait(WAIT_MS / 1000)
        if self.fail:
            raise RuntimeError(self.fail)
        panes = [None if model is None else
                 PaneRender(model, None, 0.0, self.errors[model]) if model in self.errors else
                 PaneRender(model, np.repeat(labels[..., None], 3, axis=2), 1.0)
                 for model in models]
        yield Rendered(tuple(panes), True)


@pytest.fixture
def fake(monkeypatch) -> FakePainting:
    fake = FakePainting()
    monkeypatch.setattr(journey, "painting", fake)
    monkeypatch.setattr(journey, "paint_models", lambda: [
        InstalledPainter("a", "labels"), InstalledPainter("b", "labels")])
    return fake


@pytest.fixture
def worker(qapp, fake):
    worker = ModelWorker()
    yield worker
    fake.gate.set()  # the fake's job ends, so the worker can
    assert worker.shutdown(WAIT_MS)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def model(worker, settings) -> PaintModel:
    return PaintModel(worker, settings)


@pytest.fixture
def errors(model) -> list[str]:
    seen: list[str] = []
    model.errorOccurred.connect(seen.append)
    return seen


def render_and_wait(qtbot, renders) -> None:
    shown: list[int] = []
    renders.rendered.connect(shown.append)
    request = renders.render_now()
    qtbot.waitUntil(lambda: request in shown and not renders.is_busy(), timeout=WAIT_MS)


def filled(label: int) -> np.ndarray:
    return np.full((256, 256), label, np.uint8)


def test_changes_during_a_render_wait_for_it_then_only_the_newest_map_renders(qtbot, model,
                                                                               fake, worker):
    renders = model.renders
    assert renders.pane_models() == ("a", "b")  # the first label models, as no default is there
    model.set_seed(7)
    renders.set_shown(True)
    qtbot.waitUntil(lambda: len(fake.asked) == 1, timeout=WAIT_MS)  # the sky map, held
    first = worker.latest_request
    model.replace_map(filled(WATER), "water")
    model.replace_map(filled(TREE), "trees")
    qtbot.wait(2 * THROTTLE_MS)  # the timers run out while the render is in flight
    assert worker.latest_request == first and renders.is_busy()
    rendered: list[int] = []
    renders.rendered.connect(rendered.append)
    fake.gate.set()
    qtbot.waitUntil(lambda: not renders.is_busy() and len(rendered) == 2, timeout=WAIT_MS)
    assert [int(labels.max()) for _, labels, _ in fake.asked] == [SKY, TREE]  # water: never
    assert [seed for *_, seed in fake.asked] == [7, 7]
    assert rendered[-1] == worker.latest_request == first + 1
    for pane in (0, 1):
        assert (renders.image(pane) == TREE).all()
        assert renders.panes[pane].info == f"{'ab'[pane]}: 256×256 in 1 ms"


def test_a_hidden_tab_renders_nothing_until_shown_and_the_choices_are_kept(qtbot, model, fake,
                                                                           worker, settings):
    renders = model.renders
    model.replace_map(filled(WATER), "water")
    assert renders.choose(1, NO_MODEL) and not renders.choose(0, "not-installed")
    assert renders.pane_models() == ("a", None) and settings.paint_model(1) == NO_MODEL
    qtbot.wait(2 * THROTTLE_MS)
    assert worker.latest_request == 0 and not renders.is_busy()
    fake.gate.set()
    renders.set_shown(True)
    qtbot.waitUntil(lambda: renders.image(0) is not None and not renders.is_busy(),
                    timeout=WAIT_MS)
    assert [models for models, *_ in fake.asked] == [("a", None)]
    assert renders.image(1) is None and renders.first_rendered(None) == 0
    again = PaintModel(worker, settings)
    assert again.renders.pane_models() == ("a", None)


def test_a_failing_pane_shows_its_error_once_and_a_failed_job_is_reported(qtbot, model, fake,
                                                                          errors):
    renders, statuses = model.renders, []
    model.statusMessage.connect(statuses.append)
    fake.gate.set()
    fake.errors["b"] = "b: the weights do not fit"
    renders.set_shown(True)
    qtbot.waitUntil(lambda: renders.image(0) is not None and not renders.is_busy(),
                    timeout=WAIT_MS)
    for _ in range(2):
        render_and_wait(qtbot, renders)
    assert errors == ["b: the weights do not fit"]  # not again at every render
    assert renders.panes[1].info == "b: the weights do not fit" and renders.image(1) is None
    assert statuses[-1] == "rendered in 1 ms"
    fake.fail = "boom"
    with qtbot.waitSignal(renders.renderingChanged, timeout=WAIT_MS,
                          check_params_cb=lambda on: not on):
        renders.render_now()
    assert errors[-1] == "paint: boom" and not renders.is_busy()


def test_edits_are_undo_steps_and_the_choices_are_kept(model, settings):
    steps: list[str | None] = []
    model.historyChanged.connect(lambda: steps.append(model.history.undo_label))
    model.set_label(TREE)
    model.set_brush(1000)
    assert settings.paint_brush == 128 == model.drawing.brush
    model.press((10.0, 10.0))
    model.move((100.0, 10.0))
    assert steps == []  # the drag goes on
    model.release()
    painted = model.labels()
    assert steps == ["brush stroke"] and (painted == TREE).any()
    model.undo()
    assert (model.labels() == SKY).all() and model.history.can_redo
    model.redo()
    assert np.array_equal(model.labels(), painted)
    model.set_seed(PAINT_SEED_RANGE[1] + 5)
    assert model.seed == settings.paint_seed == PAINT_SEED_RANGE[1]
    model.set_deterministic(True)
    assert settings.paint_deterministic and model.render_source().deterministic
