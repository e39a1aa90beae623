"""training/speed.py: the precision and compile switches of `igan train`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from same_weights import assert_same
from torch import nn

from igan_app.training import speed
from igan_app.training.common import to_batch
from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, unwrap, wrap
from igan_app.training.loop import run_to_end
from igan_app.training.manifold import ManifoldConfig, ManifoldTraining

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def default_speed():
    yield
    speed.configure(speed.Speed())


@pytest.mark.parametrize(("precision", "dtype"), [("auto", torch.float32),
                                                  ("fp32", torch.float32),
                                                  ("bf16", torch.bfloat16),
                                                  ("fp16", torch.float16)])
def test_the_precision_sets_the_autocast(precision, dtype):
    speed.configure(speed.Speed(precision))
    layer = nn.Linear(4, 4)
    with speed.autocast(CPU):
        assert layer(torch.ones(2, 4)).dtype == dtype


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="fp16"):
        speed.Speed("fp8")


def test_compile_wraps_the_network_and_keeps_its_parameters():
    network = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    assert wrap(network, ALONE, CPU) is network  # off by default: the network itself
    speed.configure(speed.Speed(compile=True))
    compiled = wrap(network, ALONE, CPU)
    assert compiled is not network and unwrap(compiled) is network
    assert [id(p) for p in compiled.parameters()] == [id(p) for p in network.parameters()]


@pytest.mark.parametrize(("precision", "scaling"), [("auto", False), ("bf16", False),
                                                   ("fp16", True)])
def test_only_float16_scales_the_loss(precision, scaling):
    speed.configure(speed.Speed(precision))
    scaler = speed.grad_scaler(CPU)
    loss = torch.tensor(2.0)
    assert scaler.is_enabled() == scaling
    assert (float(scaler.scale(loss)) > 2.0) == scaling


def manifold_run(run_dir, steps: int, resume: bool = False) -> ManifoldTraining:
    config = ManifoldConfig(resolution=32, latent_dim=8, width=4, batch=8, steps=steps,
                            sample_every=0, checkpoint_every=1)
    rng = np.random.default_rng(0)
    data = ImageSet(rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8), None, "random")
    run = ManifoldTraining(config, data, CPU, run_dir, resume=resume)
    run_to_end(run.loop)
    return run


def test_float16_training_scales_its_losses_and_resumes_exactly(tmp_path):
    speed.configure(speed.Speed("fp16"))
    whole = manifold_run(tmp_path / "whole", 3)
    assert whole.scaler.is_enabled()
    # The scale starts at 2^16 and is halved at every step whose float16 gradients overflow.
    assert 0 < whole.scaler.get_scale() <= 2.0**16
    assert all(torch.isfinite(p).all() for p in whole.g.parameters())
    manifold_run(tmp_path / "parts", 2)
    resumed = manifold_run(tmp_path / "parts", 3, resume=True)
    assert resumed.scaler.get_scale() == whole.scaler.get_scale()
    assert_same(resumed.g.state_dict(), whole.g.state_dict(), exact=True)


def test_a_float32_run_resumes_at_float16_with_a_fresh_scale(tmp_path):
    manifold_run(tmp_path / "run", 2)
    speed.configure(speed.Speed("fp16"))
    resumed = manifold_run(tmp_path / "run", 3, resume=True)
    assert resumed.step == 3 and resumed.scaler.is_enabled()


@pytest.mark.parametrize("channels_last", [True, False])
def test_the_memory_format_switch_sets_the_networks_and_batches(tmp_path, channels_last):
    speed.configure(speed.Speed(channels_last=channels_last))
    run = manifold_run(tmp_path / "run", 1)
    conv = next(p for p in run.d.parameters() if p.dim() == 4)
    batch = to_batch(np.zeros((2, 8, 8, 3), np.uint8), torch.arange(2), CPU)
    for tensor in (conv, batch):
        assert tensor.is_contiguous(memory_format=torch.channels_last) == channels_last


def test_the_memory_format_does_not_change_what_is_learned(tmp_path):
    last = manifold_run(tmp_path / "last", 2).g.state_dict()
    speed.configure(speed.Speed(channels_last=False))
    plain = manifold_run(tmp_path / "plain", 2).g.state_dict()
    assert_same(plain, last)
