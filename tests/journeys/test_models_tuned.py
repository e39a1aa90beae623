"""The cache's tuned generators as plain data: the weights of one held (`weights_of`), and a
generator rebuilt from weights (`hold_weights`), as a session file's come back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_models import save_manifold

from igan_app.engine.frame import Frame
from igan_app.engine.session_members import SessionError
from igan_app.engine.session_tuned import TunedWeights
from igan_app.engine.tuning import TuningConfig
from igan_app.journeys.edit import render_between, tuning
from igan_app.journeys.models import TUNED_KEPT, ModelCache

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PHOTO = (np.arange(96 * 128 * 3) % 251).astype(np.uint8).reshape(96, 128, 3)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> str:
    return str(save_manifold(tmp_path_factory.mktemp("models") / "tiny"))


def tuned(cache: ModelCache, model: str, latent: np.ndarray) -> str:
    frame = Frame.centre(PHOTO.shape[:2], 64)
    *_, last = tuning(cache, model, "cpu", PHOTO, frame, latent, TuningConfig(steps=4))
    return last.model


def picture(cache: ModelCache, name: str, latent: np.ndarray) -> np.ndarray:
    return render_between(cache.manifold(name, "cpu", features=None), latent, latent, 2).images[0]


def test_weights_of_a_tuned_generator_name_it_and_rebuild_it_once_let_go(model):
    cache = ModelCache()
    dim = cache.manifold(model, "cpu", None).manifold.latent_dim
    latent = np.linspace(-0.5, 0.5, dim).astype(np.float32)
    name = tuned(cache, model, latent)
    weights = cache.weights_of(name, model, "cpu")
    assert weights.base == model and all(isinstance(v, np.ndarray)
                                         for v in weights.generator.values())
    assert cache.hold_weights(weights, "cpu") == name  # held: answered without a rebuild
    expected = picture(cache, name, latent)
    assert not np.array_equal(expected, picture(cache, model, latent))  # it was tuned
    for _ in range(TUNED_KEPT):  # newer tunings push it out of the cache
        tuned(cache, model, latent)
    with pytest.raises(ValueError, match="no longer held"):
        cache.manifold(name, "cpu", None)
    rebuilt = cache.hold_weights(weights, "cpu")
    assert rebuilt != name and np.array_equal(picture(cache, rebuilt, latent), expected)
    assert cache.hold_weights(weights, "cpu") == rebuilt  # once


def test_float16_weights_rebuild_a_float32_generator_close_to_the_tuned_one(model):
    cache = ModelCache()
    latent = np.zeros(cache.manifold(model, "cpu", None).manifold.latent_dim, np.float32)
    name = tuned(cache, model, latent)
    weights = cache.weights_of(name, model, "cpu")
    half = TunedWeights(model, {k: v.astype(np.float16) if v.dtype.kind == "f" else v
                                for k, v in weights.generator.items()})
    rebuilt = cache.hold_weights(half, "cpu")
    generator = cache.manifold(rebuilt, "cpu", None).manifold.generator
    assert all(p.dtype == torch.float32 for p in generator.parameters())
    difference = np.abs(picture(cache, rebuilt, latent).astype(int)
                        - picture(cache, name, latent).astype(int))
    assert difference.max() <= 3  # float16 rounding, no more


def test_weights_that_do_not_fit_the_base_are_refused(model):
    cache = ModelCache()
    weights = cache.weights_of(tuned(cache, model, np.zeros(
        cache.manifold(model, "cpu", None).manifold.latent_dim, np.float32)), model, "cpu")
    first = next(iter(weights.generator))
    wrong = dict(weights.generator)
    wrong[first] = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match="do not fit"):
        cache.hold_weights(TunedWeights(model, wrong), "cpu")
    with pytest.raises(SessionError, match="not finite"):
        TunedWeights(model, {first: np.full(3, np.nan, np.float32)})
