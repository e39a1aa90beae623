"""The editor's model without its widgets: its pure parts (the document and its views, what the
model proposes, the live edit's pacing, the preview's state) and the model itself on a tiny random
manifold, driven through the shared worker as the view drives it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tiny_models import TINY_MANIFOLD, save_manifold

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import Stroke
from igan_app.gui.editor import jobs
from igan_app.gui.editor.document import (
    PATH_FRAMES,
    VIEWS,
    EditOptions,
    frame_for,
    from_session,
    new_document,
    side_by_side,
    to_session,
    view_pictures,
)
from igan_app.gui.editor.live_edit import LiveEditPacing
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.editor.preview import EditPreview
from igan_app.gui.editor.proposal import Proposal
from igan_app.gui.requests import RequestTracker
from igan_app.journeys.edit import Applied, Candidates, PathFrames
from igan_app.journeys.models import ModelCache

WAIT_MS = 60_000


def photo(height: int = 96, width: int = 128, value: int = 90) -> np.ndarray:
    return np.full((height, width, 3), value, np.uint8)


def candidates(count: int = 3, dim: int = 4) -> Candidates:
    latents = np.arange(count * dim, dtype=np.float32).reshape(count, dim)
    images = np.stack([np.full((8, 8, 3), i, np.uint8) for i in range(count)])
    return Candidates(1, 5, latents, images, tuple(float(i) for i in range(count)), 1.0)


def path(dim: int = 4) -> PathFrames:
    latents = np.stack([np.full(dim, i, np.float32) for i in range(PATH_FRAMES)])
    images = np.stack([np.full((8, 8, 3), 100 + i, np.uint8) for i in range(PATH_FRAMES)])
    return PathFrames(images, latents)


# --- the document -----------------------------------------------------------------------------

def test_a_new_document_is_centred_unprojected_and_without_strokes():
    doc = new_document(photo(), "a.png", None, None)
    assert doc.frame == Frame.centre((96, 128), 64)
    assert doc.original is doc.photo and doc.anchor is None and doc.strokes.is_empty
    boxed = new_document(photo(), None, (0, 0, 64, 64), 32)
    assert boxed.frame == Frame((96, 128), (0, 0, 64, 64), 32)


def shows(pair: tuple, expected: tuple) -> bool:
    return all(a is b for a, b in zip(pair, expected, strict=True))


def test_each_view_shows_its_picture_and_inset():
    doc = replace(new_document(photo(), None, None, None),
                  photo=photo(value=200), current=np.zeros((8, 8, 3), np.uint8))
    generated, preview = np.ones((8, 8, 3), np.uint8), photo(value=7)
    assert shows(view_pictures("original", doc, preview, generated), (doc.original, None))
    assert shows(view_pictures("reconstruction", doc, preview, generated),
                 (doc.photo, doc.current))
    assert shows(view_pictures("candidate", doc, None, generated), (doc.photo, generated))
    assert shows(view_pictures("candidate", doc, preview, generated), (preview, None))
    assert shows(view_pictures("edited", doc, preview, generated), (doc.photo, None))
    beside, inset = view_pictures("side by side", doc, preview, generated)
    assert beside.shape == (96, 2 * 128 + 16, 3) and inset is None
    assert np.array_equal(beside[:, :128], doc.original)
    assert np.array_equal(beside[:, -128:], doc.photo)
    assert view_pictures("edited", None, preview, generated) == (None, None)
    with pytest.raises(ValueError, match="unknown view"):
        view_pictures("sideways", doc, None, None)
    assert len(VIEWS) == 5


def test_side_by_side_puts_a_dark_gap_between_pictures_of_different_heights():
    out = side_by_side(photo(10, 4, 255), photo(6, 3, 255), gap=2)
    assert out.shape == (10, 9, 3)
    assert (out[:, 4:6] == 40).all() and (out[6:, 6:] == 40).all() and (out[:6, 6:] == 255).all()


def test_frame_for_keeps_the_region_and_refuses_a_small_photo():
    frame = Frame((96, 128), (10, 10, 74, 74), 64)
    assert frame_for(frame, 32) == Frame((96, 128), (10, 10, 74, 74), 32)
    with pytest.raises(ValueError, match="smaller than the model"):
        frame_for(Frame((40, 50), (0, 0, 40, 40), 32), 64)


def test_a_document_round_trips_through_its_session():
    doc = new_document(photo(), "a.png", (0, 0, 64, 64), 64)
    stroke = Stroke("color", ((5.0, 5.0), (20.0, 9.0)), 4.0, (250, 120, 30))
    doc = replace(doc, strokes=doc.strokes.add(stroke), anchor=np.ones(8, np.float32),
                  current=np.zeros((32, 32, 3), np.uint8), photo=photo(value=3))
    session = to_session(doc, "some-model")
    assert session.model == "some-model" and session.original is doc.original
    back = from_session(session)
    assert back.frame == Frame((96, 128), (0, 0, 64, 64), 32)  # the picture's resolution
    assert back.strokes == doc.strokes and back.path == "a.png"
    assert back.photo is doc.photo and back.original is doc.original
    unedited = from_session(to_session(new_document(photo(), None, None, None), "m"))
    assert unedited.original is unedited.photo


# --- what the model proposes -------------------------------------------------------------------

def test_a_proposal_chooses_moves_the_slider_and_keeps_a_choice_that_still_exists():
    assert Proposal().choose(0) is None and Proposal().target() is None
    found = candidates(3)
    chosen = Proposal(found).at(2).choose(1)
    assert chosen.chosen == 1 and chosen.position == PATH_FRAMES - 1 and chosen.path is None
    assert np.array_equal(chosen.target(), found.latents[1])
    assert chosen.choose(3) is None
    assert chosen.at(-4).position == 0 and chosen.at(99).position == PATH_FRAMES - 1
    assert chosen.with_candidates(candidates(2)).chosen == 1
    assert chosen.with_candidates(candidates(1)).chosen is None


def test_the_latent_and_picture_at_the_slider_come_from_the_rendered_path():
    chosen = Proposal(candidates(3)).choose(2)
    assert np.array_equal(chosen.latent(), chosen.target())  # the end of the slider
    assert np.array_equal(chosen.picture(), chosen.candidates.images[2])
    assert chosen.at(3).latent() is None  # between: only once the path is rendered
    rendered = replace(chosen, path=path()).at(3)
    assert np.array_equal(rendered.latent(), np.full(4, 3, np.float32))
    assert np.array_equal(rendered.picture(), rendered.path.images[3])
    assert np.array_equal(Proposal(candidates(3)).picture(), candidates(3).images[0])
    assert Proposal().picture() is None and Proposal().latent() is None


# --- the live edit's pacing and the preview's state --------------------------------------------

def test_a_changed_stroke_waits_for_the_first_step_of_the_running_edit():
    pacing = LiveEditPacing()
    assert not pacing.should_wait()  # nothing in flight: submit now
    pacing.submitted(7)
    assert pacing.should_wait() and pacing.waiting
    pacing.step_reported(6)  # another request's step changes nothing
    assert pacing.should_wait()
    pacing.step_reported(7)
    assert pacing.waiting  # the waiting change goes now
    pacing.submitted(8)
    assert not pacing.waiting
    pacing.step_reported(8)
    assert not pacing.should_wait()  # it has stepped: replace it at once
    assert not pacing.ended(7)
    pacing.submitted(9)
    assert pacing.should_wait()
    assert pacing.ended(9) and pacing.request is None
    assert not pacing.should_wait()


def test_a_preview_is_shown_only_for_the_state_it_was_asked_for():
    previews, doc, found = EditPreview(), object(), candidates()
    state = (doc, found, 1, 8, EditOptions())
    applied = Applied(photo(), 0.1, np.zeros(4, np.float32), np.zeros((8, 8, 3), np.uint8),
                      np.zeros((2, 8, 8, 3), np.uint8))
    previews.asked(3, state)
    assert previews.for_state(state) is None
    previews.arrived(3, applied)
    previews.ended(3)
    assert previews.for_state(state) is applied and previews.photo_for(state) is applied.photo
    assert previews.for_state((doc, found, 1, 8, state[4])) is applied  # the same objects
    assert previews.for_state((doc, found, 1, 7, state[4])) is None  # the slider moved
    assert previews.for_state((doc, found, 1, 8, EditOptions())) is None  # equal, not the same
    assert previews.for_state(None) is None and previews.photo_for(None) is None


def test_job_names_say_what_runs_and_what_failed():
    assert jobs.busy_text("project") == "projecting"
    assert jobs.busy_text("live edit") == jobs.busy_text("edit") == "editing"
    assert jobs.failure_text("live edit", "boom") == "the edit failed: boom"
    assert jobs.failure_text("apply", "x") == "applying the edit failed: x"


# --- the model on a tiny manifold --------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """The tiny manifold's folder (the cache takes a folder as a model name)."""
    return str(save_manifold(tmp_path_factory.mktemp("models") / TINY_MANIFOLD))


@pytest.fixture
def model(qtbot, worker, tiny, one_torch_thread) -> EditorModel:
    editor = EditorModel(worker, ModelCache())
    editor.set_options(EditOptions(model=tiny, device="cpu", starts=4, candidates=2,
                                   iterations=6, projection_steps=2, tune_steps=3))
    yield editor
    assert editor.shutdown()


def record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args[0] if args else None))
    return seen


def test_open_edit_choose_and_apply_through_the_worker(qtbot, model):
    busy = record(model.busyChanged)
    model.open_photo(photo(96, 128, 120), "p.png")
    qtbot.waitUntil(lambda: model.document.anchor is not None, timeout=WAIT_MS)
    assert busy[0] == "projecting" and model.document.current.shape == (64, 64, 3)
    model.add_stroke(Stroke("color", ((40.0, 30.0), (90.0, 30.0)), 12.0, (250, 120, 30)))
    qtbot.waitUntil(lambda: model.busy == "" and model.candidates is not None, timeout=WAIT_MS)
    assert "editing" in busy and len(model.candidates.costs) == 2
    model.choose(1)
    qtbot.waitUntil(lambda: model.preview_photo() is not None, timeout=WAIT_MS)
    assert np.array_equal(model.path.images[-1], model.candidates.images[1])
    preview = model.preview_photo()
    model.apply()  # computed for this very state: committed at once
    assert model.document.photo is preview and model.document.strokes.is_empty
    assert model.history.undo_label == "apply" and model.candidates is None


def test_a_failed_job_names_it_and_another_tabs_requests_are_not_the_editors(qtbot, model,
                                                                             worker):
    errors = record(model.errorOccurred)
    model.set_options(replace(model.options, model="no-such-model"))  # nothing open: no job
    assert worker.latest_request == 0
    model.open_photo(photo())
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert errors[0].startswith("the projection failed: ") and "no-such-model" in errors[0]
    assert model.busy == "" and model.document is not None

    other = RequestTracker(worker)
    finished = record(other.finished)
    other.submit("render", lambda: iter(range(3)))
    qtbot.waitUntil(lambda: bool(finished), timeout=WAIT_MS)
    assert model.busy == "" and len(errors) == 1
    model.stop()  # no job of the editor's runs: nothing to stop, nothing breaks
    assert model.busy == ""
