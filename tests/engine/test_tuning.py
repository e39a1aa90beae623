"""Pivotal tuning: the mechanics on a tiny random manifold (the fit improves, the shipped
generator is untouched, nearby latents are kept, stopping works), and the fit on a real photo
with the shipped landscape manifold."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_models import save_manifold

from igan_app import imaging
from igan_app.engine.frame import Frame
from igan_app.engine.losses import pixel_distance
from igan_app.engine.projection import run_projection
from igan_app.engine.tuning import TuningConfig, generator_blocks, run_tuning, tune
from igan_app.zoo.checkpoint import load_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")
ROOT = Path(__file__).resolve().parents[2]
PHOTOS, MODELS = ROOT / "assets" / "photos", ROOT / "models"
QUICK = TuningConfig(steps=30, lr=3e-3, feature_weight=0.0)


@pytest.fixture(scope="module")
def manifold(tmp_path_factory):
    folder = save_manifold(tmp_path_factory.mktemp("models") / "tiny")
    return load_checkpoint(folder, expected_kind="dcgan-manifold").model.eval()


@pytest.fixture(scope="module")
def target():
    """A picture the tiny manifold does not draw: a diagonal ramp in every channel."""
    ramp = torch.linspace(-0.8, 0.8, 64)
    image = (ramp[None, :] + ramp[:, None]) / 2
    return torch.stack([image, image.flip(0), -image])[None]


def latent(manifold, seed=1):
    return manifold.sample_latent(1, torch.Generator().manual_seed(seed))


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def nearby_distance(manifold, tuned, z, radius=0.3) -> float:
    toward = manifold.sample_latent(16, torch.Generator().manual_seed(99))
    points = z + radius * (toward - z)
    with torch.no_grad():
        return float(pixel_distance(tuned.generator(points), manifold.generator(points)).mean())


def test_the_fit_improves_and_the_shipped_generator_is_untouched(manifold, target):
    before = snapshot(manifold)
    steps = list(tune(manifold, target, latent(manifold), QUICK))
    assert [s.step for s in steps] == list(range(31)) and steps[-1].done
    assert not any(s.done for s in steps[:-1])
    assert steps[-1].psnr > steps[0].psnr + 2
    assert steps[-1].loss < steps[0].loss and all(s.ms > 0 for s in steps)
    tuned = steps[-1].manifold
    assert tuned is not manifold and all(s.manifold is tuned for s in steps)
    after = snapshot(manifold)
    assert all(torch.equal(before[k], after[k]) for k in before)
    changed = snapshot(tuned.generator)
    assert any(not torch.equal(changed[k], before["generator." + k]) for k in changed)


def test_batch_norm_statistics_are_used_not_updated(manifold, target):
    tuned = run_tuning(manifold, target, latent(manifold), QUICK).manifold
    original, changed = snapshot(manifold.generator), snapshot(tuned.generator)
    statistics = [k for k in original if "running_" in k or "num_batches" in k]
    assert statistics and all(torch.equal(original[k], changed[k]) for k in statistics)
    assert not tuned.training


def test_locality_keeps_the_pictures_of_nearby_latents(manifold, target):
    z = latent(manifold)
    free = run_tuning(manifold, target, z, TuningConfig(**{**QUICK.__dict__,
                                                           "locality_weight": 0.0})).manifold
    local = run_tuning(manifold, target, z, TuningConfig(**{**QUICK.__dict__,
                                                            "locality_weight": 10.0})).manifold
    assert nearby_distance(manifold, local, z) < 0.5 * nearby_distance(manifold, free, z)


def test_only_the_last_blocks_learn_when_asked(manifold, target):
    tuned = run_tuning(manifold, target, latent(manifold),
                       TuningConfig(**{**QUICK.__dict__, "blocks": 1})).manifold
    old, new = generator_blocks(manifold.generator), generator_blocks(tuned.generator)
    assert len(new) == 5  # 4×4 stem, 8, 16, 32, the 64 px picture
    for before, after in zip(old[:-1], new[:-1]):
        assert all(torch.equal(a.weight, b.weight) for a, b in zip(before, after))
    assert not torch.equal(old[-1][0].weight, new[-1][0].weight)


def test_stopping_leaves_the_shipped_generator_as_it_was(manifold, target):
    before = snapshot(manifold)
    steps = tune(manifold, target, latent(manifold), QUICK)
    taken = [next(steps) for _ in range(3)]
    steps.close()
    assert [s.step for s in taken] == [0, 1, 2] and not taken[-1].done
    after = snapshot(manifold)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_wrong_shapes_and_settings_are_refused(manifold, target):
    with pytest.raises(ValueError, match="target"):
        next(tune(manifold, target[:, :, :32, :32], latent(manifold)))
    with pytest.raises(ValueError, match="latent"):
        next(tune(manifold, target, torch.zeros(1, 3)))
    with pytest.raises(ValueError):
        TuningConfig(blocks=0)
    with pytest.raises(ValueError):
        TuningConfig(locality_radius=2)


@pytest.mark.slow
def test_tuning_reaches_a_real_photo():
    manifold = load_checkpoint(MODELS / "landscape64", expected_kind="dcgan-manifold").model
    features = load_checkpoint(MODELS / "vgg16-world", expected_kind="vgg16-features").model
    photo = imaging.read_image(PHOTOS / "dune.jpg")
    target = imaging.to_tensor(Frame.centre(photo.shape[:2], 64).crop(photo), "cpu")
    projected = run_projection(manifold, target, features=features)
    tuned = run_tuning(manifold, target, projected.latent, TuningConfig(steps=100), features)
    assert tuned.psnr >= 25
