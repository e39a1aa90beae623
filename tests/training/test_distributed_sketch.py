"""SPADE and pix2pix on several processes (gloo on the CPU) against one, resuming exactly, and
resuming with another number of processes (training/sketch.py, training/sketch_steps.py).

Every two-process run happens in one spawn (a module fixture): starting the processes costs
more than the tiny runs themselves.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from igan_app.training.common import to_batch
from igan_app.training.data import ImageSet
from igan_app.training.distributed import World, leave
from igan_app.training.sketch import SketchConfig, SketchTraining, build_generator, model_input
from igan_app.training.sketch_steps import SpadeForward
from igan_app.world.render import render

CPU = torch.device("cpu")
SPADE = SketchConfig(model="spade", resolution=64, ngf=2, hidden=4, z_dim=4, ndf=4, d_layers=2,
                     batch=4, steps=3, lambda_vgg=0.0, sample_every=0, checkpoint_every=1)
PIX2PIX = SketchConfig(model="pix2pix", source="edges", resolution=64, ngf=4, ndf=4, d_layers=2,
                       num_d=1, batch=4, steps=3, lr_g=2e-4, sample_every=0, checkpoint_every=1)
# Two processes sum their gradients in another order than one process's micro-batches do; the
# spectral norm's vectors are the same (one power iteration per pass, whatever the split).
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
# SPADE's generator has biases that the normalization after them cancels (convolutions ahead of
# its parameter-free BatchNorm, the style encoder's ahead of InstanceNorm): their gradient is
# rounding noise, different for every summation order, and Adam (β2 0.9) turns any gradient into
# a step of up to √10·lr. Measured: they differ by up to 5e-4 after 3 steps at lr 1e-4; every
# other parameter by under 5e-6.
CANCELLED_BIAS_TOLERANCE = {"rtol": 0, "atol": 2 * 10**0.5 * SPADE.lr_g * SPADE.steps}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

# The runs of the two processes, by name.
TWO_PROCESS_RUNS = {
    "spade": SPADE,
    "pix2pix": PIX2PIX,
    "spade-2-parts": dataclasses.replace(SPADE, micro_batches=2),
    "spade-stopped": dataclasses.replace(SPADE, steps=1),  # resumed by one process
}


def scenes(n: int = 6) -> ImageSet:
    pairs = [render(seed, 64) for seed in range(n)]
    return ImageSet(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]),
                    f"world: {n} scenes")


def weights(run: SketchTraining) -> dict[str, torch.Tensor]:
    """The trained parameters, and the spectral norm's vectors (they are what the power
    iteration left)."""
    out = {}
    for name, net in (("g", run.g), ("d", run.d)):
        out |= {f"{name}.{k}": v.detach().clone() for k, v in net.named_parameters()}
        out |= {f"{name}.{k}": v.clone() for k, v in net.named_buffers()
                if k.endswith(("weight_u", "weight_v"))}
    return out


def train_one(config: SketchConfig, run_dir: Path, resume: bool = False) -> dict:
    run = SketchTraining(config, scenes(), CPU, run_dir, resume=resume)
    for _ in run.steps():
        pass
    return weights(run)


def _rank(rank: int, size: int, init: str, root: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=size)
    try:
        for name, config in TWO_PROCESS_RUNS.items():
            run = SketchTraining(config, scenes(), CPU, Path(root) / name,
                                 world=World(rank, size))
            for _ in run.steps():
                pass
            if rank == 0:
                torch.save(weights(run), Path(root) / f"{name}.pt")
    finally:
        leave()


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    """The folder of every two-process run: NAME/ (the run) and NAME.pt (its weights)."""
    root = tmp_path_factory.mktemp("two-processes")
    mp.spawn(_rank, args=(2, f"file://{root / 'init'}", str(root)), nprocs=2, join=True)
    return root


def two_process_weights(two: Path, name: str) -> dict:
    return torch.load(two / f"{name}.pt", weights_only=True)


def cancelled_biases(config: SketchConfig) -> set[str]:
    """The keys of `weights` whose gradient a later normalization makes zero: measured in
    float64 (where rounding leaves them under 1e-12) on the starting generator."""
    if config.model != "spade":
        return set()
    data, rng = scenes(), torch.Generator().manual_seed(0)
    g = build_generator(config).double().train()
    cond = model_input(data.labels, np.arange(4), "labels", CPU).double()
    real = to_batch(data.images, torch.arange(4), CPU).double()
    noise = torch.randn(4, config.z_dim, generator=rng).double()
    outputs = SpadeForward(g)(cond, real, noise)
    sum((t * torch.randn(t.shape, generator=rng).double()).sum() for t in outputs).backward()
    found = {f"g.{k}" for k, p in g.named_parameters() if p.grad.abs().max() < 1e-12}
    assert found and all(k.endswith(".bias") for k in found)
    return found


def assert_same(a: dict, b: dict, exact: bool = False, cancelled: set[str] = frozenset()) -> None:
    assert a.keys() == b.keys()
    for key, value in a.items():
        tolerance = ({"rtol": 0, "atol": 0} if exact else
                     CANCELLED_BIAS_TOLERANCE if key in cancelled else TOLERANCE)
        torch.testing.assert_close(value, b[key], **tolerance, msg=key)


@pytest.mark.parametrize("name, config", [("spade", SPADE), ("pix2pix", PIX2PIX)])
def test_two_processes_train_what_one_does_with_the_batch_in_two_parts(two, tmp_path, name,
                                                                       config):
    one = train_one(dataclasses.replace(config, micro_batches=2), tmp_path / "one")
    cancelled = cancelled_biases(config)
    assert_same(one, two_process_weights(two, name), cancelled=cancelled)
    if config.model == "spade":
        # ...and the parts are not a no-op: the whole batch at once (SPADE's BatchNorm over
        # all 4) trains other weights.
        whole = train_one(config, tmp_path / "whole")
        assert max((whole[k] - one[k]).abs().max().item() for k in one
                   if k not in cancelled) > 1e-3


def test_two_processes_in_two_parts_each_train_what_one_does_in_four(two, tmp_path):
    # G's pictures of both parts go back in one backward: DDP reduces G's gradients once.
    one = train_one(dataclasses.replace(SPADE, micro_batches=4), tmp_path)
    assert_same(one, two_process_weights(two, "spade-2-parts"), cancelled=cancelled_biases(SPADE))


def test_a_run_resumes_with_another_number_of_processes(two, tmp_path):
    halves = dataclasses.replace(SPADE, micro_batches=2)
    straight = train_one(halves, tmp_path)
    resumed = train_one(halves, two / "spade-stopped", resume=True)  # one process, two parts
    assert_same(straight, resumed, cancelled=cancelled_biases(SPADE))


@pytest.mark.parametrize("config", [SPADE, PIX2PIX])
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path, config):
    straight = train_one(config, tmp_path / "straight")
    train_one(dataclasses.replace(config, steps=1), tmp_path / "stopped")
    resumed = train_one(config, tmp_path / "stopped", resume=True)
    assert_same(straight, resumed, exact=True)
