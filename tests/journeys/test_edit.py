"""The editing journey driven directly, as the CLI, the GUI's worker and bench/ drive it, on a
tiny random manifold: the steps' types and shapes, resuming an edit, the point on the path,
tuning the generator on the photo and the later steps on the tuned one."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_models import save_manifold

from igan_app.engine.editing import EditConfig
from igan_app.engine.frame import Frame
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.strokes import Stroke, StrokeSet
from igan_app.engine.tuning import TuningConfig
from igan_app.journeys.edit import (
    Applied,
    Candidates,
    apply_edit,
    editing,
    path_frames,
    path_point,
    projection,
    tuning,
)
from igan_app.journeys.models import TUNED_KEPT, ModelCache, Progress

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PHOTO = (np.arange(96 * 128 * 3) % 251).astype(np.uint8).reshape(96, 128, 3)
SKY = Stroke("color", ((20, 10), (100, 10)), width=12, color=(240, 140, 70))
EDIT = EditConfig(starts=6, keep=3, iterations=3)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> str:
    return str(save_manifold(tmp_path_factory.mktemp("models") / "tiny"))


@pytest.fixture(scope="module")
def cache() -> ModelCache:
    return ModelCache()


@pytest.fixture(scope="module")
def projected(cache, model):
    frame = Frame.centre(PHOTO.shape[:2], 64)
    steps = list(projection(cache, model, "cpu", PHOTO, frame, ProjectionConfig("hybrid", 3)))
    return frame, steps


def candidates(cache, model, projected, **options) -> list[Candidates]:
    frame, steps = projected
    strokes = options.pop("strokes", StrokeSet(PHOTO.shape[:2], (SKY,)))
    return list(editing(cache, model, "cpu", strokes, frame, steps[-1].latent, steps[-1].image,
                        options.pop("config", EDIT), **options))


def test_projection_yields_every_step_and_ends_with_its_quality(projected):
    _, steps = projected
    assert [s.step for s in steps] == [0, 1, 2, 3] and [s.done for s in steps][-2:] == [False, True]
    last = steps[-1]
    assert last.latent.shape == (8,) and last.latent.dtype == np.float32
    assert last.image.shape == (64, 64, 3) and last.image.dtype == np.uint8
    assert last.psnr is not None and 0 < last.psnr < 100
    assert all(s.psnr is None for s in steps[:-1])


def test_an_edit_yields_the_kept_candidates_best_first(cache, model, projected):
    steps = candidates(cache, model, projected)
    assert [s.iteration for s in steps] == [1, 2, 3]
    last = steps[-1]
    assert 1 <= len(last.costs) <= 3 and list(last.costs) == sorted(last.costs)
    assert last.latents.shape == (len(last.costs), 8)
    assert last.images.shape == (len(last.costs), 64, 64, 3) and last.images.dtype == np.uint8


def test_strokes_outside_the_frame_give_no_step(cache, model, projected):
    outside = StrokeSet(PHOTO.shape[:2], (Stroke("color", ((2, 2), (8, 2)), 3, (0, 0, 0)),))
    assert candidates(cache, model, projected, strokes=outside) == []


def test_an_edit_resumes_from_a_step_and_ignores_a_resume_of_another_size(cache, model,
                                                                         projected):
    fresh = candidates(cache, model, projected)
    resumed = candidates(cache, model, projected, resume=fresh[-1].resume)
    assert not np.array_equal(resumed[0].latents, fresh[0].latents)
    # Resuming from the last step goes on from where that edit stopped: no worse than it was.
    assert resumed[-1].costs[0] <= fresh[-1].costs[0] + 1e-6
    other = candidates(cache, model, projected, config=EditConfig(starts=4, keep=3, iterations=3),
                       resume=fresh[-1].resume)
    again = candidates(cache, model, projected, config=EditConfig(starts=4, keep=3, iterations=3))
    assert np.array_equal(other[0].latents, again[0].latents)
    # The resume value is the engine's business: not part of a step's value or its repr.
    assert "resume" not in repr(fresh[-1]) and fresh[-1].resume is not None


def test_apply_carries_the_point_t_of_the_way_and_reports_progress(cache, model, projected):
    frame, steps = projected
    anchor = steps[-1].latent
    target = candidates(cache, model, projected)[-1].latents[0]
    results = list(apply_edit(cache, model, "cpu", PHOTO, frame, anchor, target, t=0.5,
                              frames=3))
    assert [type(r) for r in results] == [Progress, Progress, Applied]
    applied = results[-1]
    assert np.allclose(applied.latent, path_point(anchor, target, 0.5), atol=1e-6)
    assert applied.photo.shape == PHOTO.shape and applied.frames.shape == (3, 64, 64, 3)
    assert np.array_equal(applied.image, applied.frames[-1])
    whole = list(apply_edit(cache, model, "cpu", PHOTO, frame, anchor, target, frames=3))[-1]
    assert np.array_equal(whole.latent, target)  # t = 1 is the candidate itself, bit for bit
    path = list(path_frames(cache, model, "cpu", anchor, target, 3))[-1]
    assert np.array_equal(path.images[-1], whole.image)


def test_the_cache_loads_each_model_once_and_features_only_when_asked(cache, model):
    first = cache.manifold(model, "cpu", features=None)
    assert first.features is None and "VGG16" not in first.describe()
    assert cache.manifold(model, "cpu", features=None).manifold is first.manifold
    with_features = cache.manifold(model, "cpu")
    assert with_features.manifold is first.manifold and with_features.features is not None
    assert cache.manifold(model, "cpu").features is with_features.features


TUNE = TuningConfig(steps=20, lr=3e-3)


def tuned_steps(cache, model, projected, config=TUNE):
    frame, steps = projected
    return list(tuning(cache, model, "cpu", PHOTO, frame, steps[-1].latent, config))


def test_tuning_holds_a_tuned_generator_the_later_steps_run_on(cache, model, projected):
    frame, steps = projected
    anchor = steps[-1].latent
    shipped = {k: v.clone() for k, v in cache.manifold(model, "cpu").manifold.state_dict().items()}
    tuned = tuned_steps(cache, model, projected)
    assert [t.step for t in tuned] == list(range(21)) and [t.done for t in tuned][-2:] == [
        False, True]
    last = tuned[-1]
    assert last.psnr > steps[-1].psnr + 1 and all(t.model is None for t in tuned[:-1])
    assert last.image.shape == (64, 64, 3) and last.image.dtype == np.uint8
    held = cache.manifold(last.model, "cpu", features=None)
    assert held.manifold is not cache.manifold(model, "cpu").manifold
    after = cache.manifold(model, "cpu").manifold.state_dict()
    assert all(np.array_equal(shipped[k], after[k]) for k in shipped)
    # The path, the edit and the transfer draw with the tuned generator when given its name.
    target = candidates(cache, model, projected)[-1].latents[0]
    on_tuned = list(path_frames(cache, last.model, "cpu", anchor, target, 3))[-1]
    on_shipped = list(path_frames(cache, model, "cpu", anchor, target, 3))[-1]
    assert np.array_equal(on_tuned.images[0], last.image)
    assert not np.array_equal(on_tuned.images[0], on_shipped.images[0])
    edits = candidates(cache, last.model, projected)
    assert edits and edits[-1].images.shape[1:] == (64, 64, 3)
    applied = list(apply_edit(cache, last.model, "cpu", PHOTO, frame, anchor, target,
                              frames=3))[-1]
    assert np.array_equal(applied.frames, on_tuned.images)


def test_a_stopped_tuning_holds_nothing_and_old_ones_are_let_go(cache, model, projected):
    frame, steps = projected
    journey = tuning(cache, model, "cpu", PHOTO, frame, steps[-1].latent, TUNE)
    assert next(journey).step == 0
    journey.close()
    names = [tuned_steps(cache, model, projected, TuningConfig(steps=1))[-1].model
             for _ in range(TUNED_KEPT + 1)]
    assert len(set(names)) == len(names)
    assert cache.manifold(names[-1], "cpu", features=None).manifold is not None
    with pytest.raises(ValueError, match="no longer held"):
        cache.manifold(names[0], "cpu", features=None)


# --- what the transfer carries, and how ----------------------------------------------------------

def test_the_field_transfer_is_the_engine_transfer_bit_for_bit(cache, model, projected):
    from igan_app.engine.transfer import transfer

    frame, steps = projected
    target = candidates(cache, model, projected)[-1].latents[0]
    applied = list(apply_edit(cache, model, "cpu", PHOTO, frame, steps[-1].latent, target,
                              frames=3, mode="both", transfer="field"))[-1]
    expected = transfer(PHOTO, frame.box, list(applied.frames), "both")
    np.testing.assert_array_equal(applied.photo, expected)
    guided = list(apply_edit(cache, model, "cpu", PHOTO, frame, steps[-1].latent, target,
                             frames=3, mode="both"))[-1]
    assert not np.array_equal(guided.photo, expected)  # the default is the guided transfer


@pytest.mark.parametrize("strokes, carried, painted", [
    (None, "color", False), ((SKY,), "color", True),
    ((SKY, Stroke("sketch", ((30, 60), (90, 50)), width=3)), "both", True)])
def test_auto_carries_motion_only_for_shape_strokes_and_keeps_the_change_local(
        cache, model, projected, monkeypatch, strokes, carried, painted):
    from igan_app.engine import guided_transfer as guided_module

    asked = {}

    def record(photo, box, frames, mode, *, painted=None, **options):
        asked.update(mode=mode, painted=painted)
        return photo.copy()

    monkeypatch.setattr(guided_module, "guided_transfer", record)
    frame, steps = projected
    target = candidates(cache, model, projected)[-1].latents[0]
    stroke_set = None if strokes is None else StrokeSet(PHOTO.shape[:2], strokes)
    list(apply_edit(cache, model, "cpu", PHOTO, frame, steps[-1].latent, target, frames=2,
                    strokes=stroke_set))
    assert asked["mode"] == carried
    assert (asked["painted"] is not None) == painted
    if painted:  # the sky stroke runs along the frame's top rows
        assert asked["painted"].shape == (64, 64) and asked["painted"][:8].max() == 1
        assert asked["painted"][40:].max() == (0 if carried == "color" else 1)


def test_unknown_transfers_and_modes_are_refused_before_any_work(cache, model, projected):
    frame, steps = projected
    with pytest.raises(ValueError, match="unknown transfer 'paste'"):
        next(apply_edit(cache, model, "cpu", PHOTO, frame, steps[-1].latent, steps[-1].latent,
                        transfer="paste"))
    with pytest.raises(ValueError, match="unknown transfer mode 'warp'"):
        next(apply_edit(cache, model, "cpu", PHOTO, frame, steps[-1].latent, steps[-1].latent,
                        mode="warp"))
