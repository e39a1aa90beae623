"""Quality measures: the Fréchet distance, segmenter IoU, FID-L with its references, reconstruction."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from igan_app import imaging
from igan_app.training import metrics
from igan_app.training.data import ImageSet, world_scenes
from igan_app.training.metrics import fid_l, frechet_distance, reconstruction, segmenter_miou
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.palette import NUM_LABELS
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.vgg import FeatureNetwork, VGG16Features

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


# --- Fréchet distance -------------------------------------------------------------------------

def _sample(seed: int, n: int = 400, d: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mixing  # correlated columns


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = _sample(0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8 * np.trace(np.cov(a.T)))


def test_frechet_distance_of_a_shift_is_the_squared_shift():
    # Same covariance: the trace term Tr(Σ + Σ − 2 (Σ Σ)^½) = Tr(2Σ − 2Σ) vanishes.
    a = _sample(1)
    c = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    expected = float((c**2).sum())
    assert frechet_distance(a, a + c) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a + c, a) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_a_doubled_zero_mean_set_is_its_covariance_trace():
    # b = 2a: μb = 2μa = 0 = μa and Σb = 4Σa, so
    # FD = Tr(Σa + 4Σa − 2 (Σa · 4Σa)^½) = Tr(5Σa − 2 · 2Σa) = Tr(Σa).
    a = _sample(2)
    a = a - a.mean(0)
    expected = float(np.trace(np.cov(a, rowvar=False)))
    assert frechet_distance(a, 2 * a) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(2 * a, a) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_is_never_negative():
    a = _sample(3, n=6, d=8)  # fewer samples than dimensions: singular covariances
    assert frechet_distance(a, a) >= 0.0
    assert frechet_distance(a, a[::-1]) >= 0.0


# --- segmenter IoU ----------------------------------------------------------------------------

class AlwaysSky(nn.Module):
    """A 'segmenter' that labels every pixel 0 (sky)."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(image.shape[0], NUM_LABELS, *image.shape[-2:])
        logits[:, 0] = 1.0
        return logits


def test_segmenter_miou_of_a_constant_prediction(cache):
    n, size = 8, 32
    report = segmenter_miou(AlwaysSky(), n=n, resolution=size, batch=3)
    truth = world_scenes(n, size, first_seed=HELD_OUT_SEED).labels
    counts = np.bincount(truth.ravel(), minlength=NUM_LABELS)
    present = [label for label in range(NUM_LABELS) if counts[label]]
    assert 0 in present and len(present) > 1  # otherwise the test says little
    # Predicted sky everywhere: intersection = true sky pixels, union = all pixels.
    assert report.values["IoU sky"] == pytest.approx(counts[0] / truth.size)
    for label in present[1:]:
        assert report.values[f"IoU {metrics.NAMES[label]}"] == 0.0
    absent = [label for label in range(NUM_LABELS) if not counts[label]]
    for label in absent:
        assert f"IoU {metrics.NAMES[label]}" not in report.values
        assert [metrics.NAMES[label], "absent"] in report.rows
    assert report.values["mIoU"] == pytest.approx(counts[0] / truth.size / len(present))
    assert report.settings == {"n": n, "resolution": size}
    text = report.text()
    assert f"{counts[0] / truth.size:.3f}" in text and "| label | IoU |" in text


# --- FID-L ------------------------------------------------------------------------------------

def test_fid_l_of_the_reference_scenes_themselves_is_zero(cache):
    n, size = 16, 32
    torch.manual_seed(0)
    segmenter = Segmenter(width=4)
    held_out = world_scenes(n, size, first_seed=HELD_OUT_SEED).images
    given = []

    def generate(k: int) -> torch.Tensor:
        start = sum(given)
        given.append(k)
        return imaging.to_tensor(held_out[start:start + k], "cpu")

    report = fid_l(generate, segmenter, n=n, resolution=size)
    assert sum(given) == n
    blur_name = f"blurred σ={metrics.BLUR_SIGMA:g}"
    assert [row[0] for row in report.rows] == ["floor", blur_name, "model"]
    floor, blur, model = (report.values[k] for k in ("floor", blur_name, "model"))
    assert floor > 0 and blur > 0
    assert model == pytest.approx(0.0, abs=1e-6 * floor)
    # The position is measured from the floor (0%) towards the blurred set (100%): a model that
    # reproduces the reference scenes exactly beats the floor, so it sits below 0%.
    position = (model - floor) / (blur - floor)
    assert report.values["model_position"] == pytest.approx(position)
    assert f"{100 * position:.0f}%" in report.note
    # The floor compares against the other half of 2n held-out scenes.
    second = world_scenes(2 * n, size, first_seed=HELD_OUT_SEED).images[n:]
    reference = metrics.embed(segmenter, held_out, n)
    assert floor == pytest.approx(frechet_distance(reference,
                                                   metrics.embed(segmenter, second, n)))


def test_fid_l_without_a_generator_scores_extra_sets(cache):
    torch.manual_seed(0)
    segmenter = Segmenter(width=4)
    held_out = world_scenes(8, 32, first_seed=HELD_OUT_SEED).images
    report = fid_l(None, segmenter, n=8, resolution=32, extra={"same": held_out})
    assert [row[0] for row in report.rows][-1] == "same"
    assert "model" not in report.values and report.note == ""
    assert report.values["same"] == pytest.approx(0.0, abs=1e-6 * report.values["floor"])


# --- reconstruction ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def features():
    torch.manual_seed(0)
    model = VGG16Features("relu3_3").eval().requires_grad_(False)
    return FeatureNetwork(model, "world", Path("test-vgg"))


def _random_set(n: int = 3) -> ImageSet:
    rng = np.random.default_rng(0)
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), None, "random")


def test_reconstruction_identity_is_perfect(features):
    data = _random_set()
    report = reconstruction(lambda x: x, lambda w: w, features, {"random": data}, batch=2)
    assert report.values["random feature distance"] == 0.0
    assert report.values["random PSNR"] > 100
    assert report.rows[0][:2] == ["random", 3]
    assert report.settings["features"] == features.describe()


def test_reconstruction_by_zeros_has_the_psnr_of_the_images_power(features):
    data = _random_set()
    report = reconstruction(lambda x: x, lambda w: torch.zeros_like(w), features,
                            {"random": data, "again": data}, batch=2)
    x = data.images.astype(np.float64) / 127.5 - 1.0
    mse = (x**2).reshape(len(x), -1).mean(1)  # per image, against all-zero images
    expected = float(np.mean([10 * math.log10(4 / m) for m in mse]))
    assert report.values["random PSNR"] == pytest.approx(expected, rel=1e-5)
    assert report.values["again PSNR"] == pytest.approx(expected, rel=1e-5)
    assert report.values["random feature distance"] > 0
    assert f"{expected:.2f}" in report.text()


def test_feature_ranking_puts_near_copies_before_other_scenes(cache, features):
    report = metrics.feature_ranking(features, n=6, resolution=32, batch=3)
    values = report.values
    assert report.settings["features"] == features.describe()
    # Even an untrained VGG sees a one-pixel shift as nearer than a different scene.
    assert values["distance shifted 1 px"] < values["distance another scene"]
    assert values["nearer than another scene: shifted 1 px"] == 1.0
    assert 0.0 <= values["nearer than another scene: blurred σ=1 px"] <= 1.0
    assert len(report.rows) == 3
