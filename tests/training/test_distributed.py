"""Training on several processes (gloo on the CPU) against one, resuming exactly, and resuming
with another number of processes (training/loop.py, training/distributed.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from same_weights import assert_same

from igan_app.training.data import ImageSet
from igan_app.training.distributed import World, leave
from igan_app.training.loop import batch_indices, step_generator
from igan_app.training.manifold import ManifoldConfig, ManifoldTraining

CPU = torch.device("cpu")
CONFIG = ManifoldConfig(resolution=32, latent_dim=8, width=4, batch=8, steps=3, sample_every=0,
                        checkpoint_every=1)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


def images(n: int = 12) -> ImageSet:
    rng = np.random.default_rng(0)
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), None, f"random: {n}")


def weights(run: ManifoldTraining) -> dict[str, torch.Tensor]:
    return {f"{name}.{key}": value.detach().clone() for name, net in (("g", run.g), ("d", run.d))
            for key, value in net.named_parameters()}


def train_one(config: ManifoldConfig, run_dir: Path, resume: bool = False) -> dict:
    run = ManifoldTraining(config, images(), CPU, run_dir, resume=resume)
    for _ in run.steps():
        pass
    return weights(run)


def _rank(rank: int, size: int, init: str, config: ManifoldConfig, run_dir: str,
          resume: bool) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=size)
    try:
        run = ManifoldTraining(config, images(), CPU, Path(run_dir), resume=resume,
                               world=World(rank, size))
        for _ in run.steps():
            pass
        if rank == 0:
            torch.save(weights(run), Path(run_dir) / "weights.pt")
    finally:
        leave()


def train_two(config: ManifoldConfig, run_dir: Path, tmp_path: Path, resume: bool = False) -> dict:
    init = f"file://{tmp_path / f'init-{run_dir.name}-{resume}'}"
    mp.spawn(_rank, args=(2, init, config, str(run_dir), resume), nprocs=2, join=True)
    return torch.load(run_dir / "weights.pt", weights_only=True)


def test_two_processes_train_what_one_does_with_the_batch_in_two_parts(tmp_path):
    one = train_one(dataclasses.replace(CONFIG, micro_batches=2), tmp_path / "one")
    two = train_two(CONFIG, tmp_path / "two", tmp_path)
    assert_same(one, two)
    # ...and the micro-batches are not a no-op: the whole batch at once (BatchNorm over all 8)
    # trains other weights.
    whole = train_one(CONFIG, tmp_path / "whole")
    assert max((whole[k] - one[k]).abs().max().item() for k in one) > 1e-3


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    straight = train_one(CONFIG, tmp_path / "straight")
    train_one(dataclasses.replace(CONFIG, steps=1), tmp_path / "stopped")
    resumed = train_one(CONFIG, tmp_path / "stopped", resume=True)
    assert_same(straight, resumed, exact=True)


def test_a_run_resumes_with_another_number_of_processes(tmp_path):
    halves = dataclasses.replace(CONFIG, micro_batches=2)
    straight = train_one(halves, tmp_path / "straight")
    train_two(dataclasses.replace(CONFIG, steps=1), tmp_path / "run", tmp_path)
    resumed = train_one(halves, tmp_path / "run", resume=True)  # one process, two parts
    assert_same(straight, resumed)


def test_the_data_order_and_random_numbers_follow_the_seed_and_step_alone():
    seen = torch.cat([batch_indices(12, 4, 0, step) for step in range(3)])
    assert sorted(seen.tolist()) == list(range(12))  # an epoch: every item once
    assert not torch.equal(batch_indices(12, 4, 0, 3), batch_indices(12, 4, 0, 0))  # reshuffled
    assert torch.equal(batch_indices(12, 4, 0, 5), batch_indices(12, 4, 0, 5))
    assert not torch.equal(batch_indices(12, 4, 1, 0), batch_indices(12, 4, 0, 0))
    assert len(batch_indices(3, 8, 0, 0)) == 8  # a set smaller than the batch repeats
    draw = [torch.rand(4, generator=step_generator(0, s)) for s in (7, 7, 8)]
    assert torch.equal(draw[0], draw[1]) and not torch.equal(draw[0], draw[2])


def test_a_batch_that_does_not_split_over_the_processes_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not split"):
        ManifoldTraining(dataclasses.replace(CONFIG, batch=9, micro_batches=2), images(), CPU,
                         tmp_path)
