"""Pivotal tuning of one generator on several photos at once (a morph's two): each photo's
latent is its pivot, and each photo is fitted better than by the untuned generator."""

from __future__ import annotations

import pytest
import torch
from tiny_models import save_manifold

from igan_app.engine.losses import psnr
from igan_app.engine.tuning import TuningConfig, run_tuning, tune
from igan_app.zoo.checkpoint import load_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")
QUICK = TuningConfig(steps=30, lr=3e-3)


@pytest.fixture(scope="module")
def manifold(tmp_path_factory):
    folder = save_manifold(tmp_path_factory.mktemp("models") / "tiny")
    return load_checkpoint(folder, expected_kind="dcgan-manifold").model.eval()


def targets() -> torch.Tensor:
    """Two pictures the tiny manifold does not draw: opposite diagonal ramps."""
    ramp = torch.linspace(-0.8, 0.8, 64)
    image = (ramp[None, :] + ramp[:, None]) / 2
    first = torch.stack([image, image.flip(0), -image])
    return torch.stack([first, -first.flip(1)])


def test_one_generator_fits_both_photos_better_than_untuned(manifold):
    target = targets()
    z = manifold.sample_latent(2, torch.Generator().manual_seed(3))
    with torch.no_grad():
        before = psnr(manifold.generator(z), target)
    steps = list(tune(manifold, target, z, QUICK))
    last = steps[-1]
    assert last.done and len(last.psnrs) == 2
    assert steps[0].psnrs == pytest.approx(tuple(before.tolist()), abs=1e-3)
    with torch.no_grad():
        after = psnr(last.manifold.generator(z), target)
    assert last.psnrs == pytest.approx(tuple(after.tolist()), abs=1e-3)
    assert last.psnr == pytest.approx(float(after.mean()), abs=1e-3)
    for i in range(2):
        assert after[i] > before[i] + 2, (before, after)


def test_one_photo_still_tunes_as_before(manifold):
    target = targets()[:1]
    z = manifold.sample_latent(1, torch.Generator().manual_seed(3))
    result = run_tuning(manifold, target, z, TuningConfig(steps=3, lr=3e-3))
    assert len(result.psnrs) == 1 and result.psnr == result.psnrs[0]


def test_latents_must_match_the_targets(manifold):
    z = manifold.sample_latent(1, torch.Generator().manual_seed(3))
    with pytest.raises(ValueError, match="latent must be"):
        next(tune(manifold, targets(), z, QUICK))
    with pytest.raises(ValueError, match="target must be"):
        next(tune(manifold, targets()[:, :, :32], z.repeat(2, 1), QUICK))
