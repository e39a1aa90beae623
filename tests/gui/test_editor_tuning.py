"""The editor tunes the generator on each photo it projects and edits on the tuned one; tuning
reports its PSNR, can be stopped, and comes back from a session file without tuning again. While
the candidates update, the main view shows the best one carried onto the photo (the live view)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from tiny_models import TINY_MANIFOLD, save_manifold

from igan_app.engine.session import open_session, save_session
from igan_app.engine.strokes import Stroke
from igan_app.gui import settings as settings_module
from igan_app.gui.editor import carry as carry_module
from igan_app.gui.editor.document import EditOptions, from_session, to_session, view_pictures
from igan_app.gui.editor.model import EditorModel
from igan_app.journeys.edit import render_between
from igan_app.journeys.models import ModelCache

WAIT_MS = 60_000
SKY = Stroke("color", ((30.0, 20.0), (100.0, 24.0)), 14.0, (250, 120, 30))


def photo(height: int = 96, width: int = 128) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 2, y * 2, 255 - x - y // 2], -1).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(save_manifold(tmp_path_factory.mktemp("models") / TINY_MANIFOLD))


def editor_on(worker, tiny: str, tune_steps: int, cache: ModelCache | None = None) -> EditorModel:
    editor = EditorModel(worker, cache or ModelCache())
    editor.set_options(EditOptions(model=tiny, device="cpu", starts=4, candidates=2,
                                   iterations=6, projection_steps=2, tune_steps=tune_steps))
    return editor


@pytest.fixture
def editors(qtbot, worker, tiny, one_torch_thread):
    made: list[EditorModel] = []

    def make(tune_steps: int, cache: ModelCache | None = None) -> EditorModel:
        made.append(editor_on(worker, tiny, tune_steps, cache))
        return made[-1]

    yield make
    for editor in made:
        assert editor.shutdown()


def record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args[0] if args else None))
    return seen


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))


def rendered(cache: ModelCache, name: str, latent: np.ndarray) -> np.ndarray:
    return render_between(cache.manifold(name, "cpu", None), latent, latent, 2).images[0]


def test_the_tuning_steps_setting_is_the_engines_until_set(tmp_path):
    from PySide6.QtCore import QSettings

    kept = settings_module.Settings(QSettings(str(tmp_path / "s.ini"),
                                              QSettings.Format.IniFormat))
    assert kept.tune_steps is None  # EditOptions' None: TuningConfig's steps
    kept.tune_steps = 0
    assert kept.tune_steps == 0
    with pytest.raises(ValueError, match="tuning steps"):
        kept.tune_steps = 5000
    kept.tune_steps = None
    assert kept.tune_steps is None


def test_a_photo_is_tuned_on_after_its_projection_and_edited_on_the_tuned_generator(
        qtbot, editors):
    cache = ModelCache()
    model = editors(10, cache)
    busy, currents = record(model.busyChanged), []
    model.documentChanged.connect(lambda: currents.append(model.document.current))
    model.open_photo(photo(), "p.png")
    qtbot.waitUntil(lambda: model.document.tuned is not None, timeout=WAIT_MS)
    doc = model.document
    tuning = [b for b in busy if b.startswith("tuning the generator on the photo (")]
    assert tuning and all(b.endswith(" dB)") for b in tuning) and busy[0] == "projecting"
    projected = next(c for c in currents if c is not None)
    crop = doc.frame.crop(doc.photo)
    assert psnr(doc.current, crop) > psnr(projected, crop)  # the tuned picture is closer
    assert model.history.undo_label is None  # tuning is part of opening the photo

    model.add_stroke(SKY)
    qtbot.waitUntil(lambda: model.busy == "" and model.candidates is not None, timeout=WAIT_MS)
    found = model.candidates
    tuned = cache.hold_weights(doc.tuned, "cpu")
    assert np.array_equal(found.images[0], rendered(cache, tuned, found.latents[0]))
    assert not np.array_equal(found.images[0], rendered(cache, model.options.model,
                                                        found.latents[0]))


def test_a_stroke_waits_for_the_tuning_and_stopping_it_keeps_the_projection(qtbot, editors):
    model = editors(1000)
    messages = record(model.statusMessage)
    model.open_photo(photo())
    qtbot.waitUntil(lambda: model.busy.startswith("tuning"), timeout=WAIT_MS)
    model.add_stroke(SKY)
    assert model._requests.pending() == ("tune",)  # the edit waits for the tuned generator
    model.stop()
    qtbot.waitUntil(lambda: model.busy == "", timeout=WAIT_MS)
    assert model.document.tuned is None and model.document.anchor is not None
    assert "tuning stopped: editing on the untuned projection" in messages
    model.restart()  # the edit now runs on the projection
    qtbot.waitUntil(lambda: model.busy == "" and model.candidates is not None, timeout=WAIT_MS)


def test_without_tuning_the_projection_is_edited_at_once(qtbot, editors):
    model = editors(0)
    busy = record(model.busyChanged)
    model.open_photo(photo())
    model.add_stroke(SKY)
    qtbot.waitUntil(lambda: model.busy == "" and model.candidates is not None, timeout=WAIT_MS)
    assert model.document.tuned is None and not any(b.startswith("tuning") for b in busy)


def test_a_session_brings_the_tuned_generator_back_without_tuning_again(qtbot, editors,
                                                                        tmp_path):
    model = editors(10)
    model.open_photo(photo())
    qtbot.waitUntil(lambda: model.document.tuned is not None and model.busy == "",
                    timeout=WAIT_MS)
    model.add_stroke(SKY)
    qtbot.waitUntil(lambda: model.busy == "" and model.candidates is not None, timeout=WAIT_MS)
    save_session(tmp_path / "s.igan", to_session(model.document, model.options.model))

    cache = ModelCache()  # a new run of the application
    again = editors(10, cache)
    busy = record(again.busyChanged)
    doc = from_session(open_session(tmp_path / "s.igan"))
    again.restore(doc)
    qtbot.waitUntil(lambda: again.busy == "" and again.candidates is not None, timeout=WAIT_MS)
    assert not any(b.startswith(("tuning", "projecting")) for b in busy)
    name = cache.hold_weights(doc.tuned, "cpu")
    assert "~tuned" in name and psnr(rendered(cache, name, doc.anchor), doc.current) > 40
    found = again.candidates
    assert np.array_equal(found.images[0], rendered(cache, name, found.latents[0]))


def test_the_main_view_shows_the_best_candidate_carried_onto_the_photo(qtbot, editors):
    model = editors(0)
    carried = record(model.live.carried)
    model.open_photo(photo(), "p.png")
    model.add_stroke(SKY)
    qtbot.waitUntil(lambda: model.candidates is not None and model.carried_photo() is not None,
                    timeout=WAIT_MS)  # while the edit runs
    # The last step's candidates are carried too (their change is the largest).
    qtbot.waitUntil(lambda: model.busy == "" and model.live.latest.candidates is model.candidates,
                    timeout=WAIT_MS)
    doc, shown = model.document, model.carried_photo()
    assert model.chosen is None and shown.shape == doc.photo.shape and carried[0] > 0
    left, top, right, bottom = doc.frame.box
    assert not np.array_equal(shown[top:bottom, left:right], doc.photo[top:bottom, left:right])
    assert view_pictures("candidate", doc, shown, model.picture()) == (shown, None)  # no inset
    model.choose(1)  # the chosen one's is carried next
    qtbot.waitUntil(lambda: model.live.latest.index == 1, timeout=WAIT_MS)
    model.clear_strokes()
    assert model.carried_photo() is None


def test_live_carries_are_coalesced_one_running_the_newest_next(qtbot, monkeypatch, worker):
    ran, release = [], threading.Event()

    def job(cache, options, doc, candidates, index, asked):
        def steps():
            ran.append(index)
            release.wait(10)
            yield carry_module.Carried(doc, options, candidates, index, doc.photo, 1.0)
        return steps

    monkeypatch.setattr(carry_module, "live_job", job)
    live = carry_module.LiveCarry(ModelCache())
    doc = from_session_like()
    for index in range(4):
        live.request(EditOptions(), doc, object(), index)
    qtbot.waitUntil(lambda: ran == [0], timeout=WAIT_MS)
    release.set()
    qtbot.waitUntil(lambda: live.latest is not None and live.latest.index == 3, timeout=WAIT_MS)
    assert ran == [0, 3]  # 1 and 2 were replaced while 0 ran
    assert live.shutdown()


def from_session_like():
    from igan_app.gui.editor.document import new_document

    return replace(new_document(photo(), None, None, None), anchor=np.zeros(4, np.float32))


def test_a_large_photo_is_carried_smaller_and_its_change_scaled_back(qtbot, monkeypatch,
                                                                      tiny, one_torch_thread):
    cache, options = ModelCache(), EditOptions(model=tiny, device="cpu")
    doc = from_session_like()
    dim = cache.manifold(tiny, "cpu", None).manifold.latent_dim
    rng = np.random.default_rng(0)
    anchor = rng.standard_normal(dim).astype(np.float32)
    doc = replace(doc, anchor=anchor)
    target = anchor + rng.standard_normal(dim).astype(np.float32)
    found = type("Found", (), {"latents": target[None]})()
    full = list(carry_module.live_job(cache, options, doc, found, 0, time.perf_counter())())
    monkeypatch.setattr(carry_module, "LIVE_SIDE", 64)
    small = list(carry_module.live_job(cache, options, doc, found, 0, time.perf_counter())())
    a, b = full[-1].photo, small[-1].photo
    assert a.shape == b.shape == doc.photo.shape
    assert not np.array_equal(a, doc.photo) and psnr(a, b) > 25  # the same change, near enough


def test_the_status_bar_keeps_the_tunings_decibels(qtbot, tmp_path, tiny_models_dir, open_window):
    win = open_window(tmp_path)
    win.editor.busyChanged.emit("tuning the generator on the photo (23.4 dB)")
    assert win.busy_label.text() == "Tuning the generator on the photo (23.4 dB)…"
    assert win.progress.isVisible()


def test_strokes_are_scaled_with_the_photo_a_live_carry_works_on():
    from igan_app.engine.strokes import Layer, StrokeSet, Warp

    mask = np.zeros((96, 128), bool)
    mask[10:40, 20:60] = True
    strokes = StrokeSet((96, 128), (SKY, Warp((50.0, 50.0), 20.0, (60.0, 40.0)),
                                    Layer("sketch", mask)))
    half = carry_module.scaled_strokes(strokes, (48, 64), 0.5)
    stroke, warp, layer = half.items
    assert half.photo_size == (48, 64)
    assert stroke.points == ((15.0, 10.0), (50.0, 12.0)) and stroke.width == 7.0
    assert stroke.color == SKY.color
    assert (warp.source, warp.size, warp.destination) == ((25.0, 25.0), 10.0, (30.0, 20.0))
    assert layer.mask.shape == (48, 64) and layer.mask.sum() == 15 * 20
