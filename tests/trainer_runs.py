"""Runs of a trainer the distributed tests share: in this process, or as two gloo processes
spawned from it (their weights come back through the run folder)."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from igan_app.training.distributed import World, leave


def _network(run) -> torch.nn.Module:
    """The network a run trains: the encoder trainer's `e`, else its `net`."""
    return run.e if hasattr(run, "e") else run.net


def weights(run) -> dict[str, torch.Tensor]:
    """The trained network's parameters and BatchNorm statistics."""
    return {key: value.detach().clone() for key, value in _network(run).state_dict().items()}


def parameters(values: dict[str, torch.Tensor], run) -> dict[str, torch.Tensor]:
    """The trained parameters among `values`: each rank keeps its own BatchNorm statistics
    (DDP broadcasts rank 0's at each forward, one process updates them at each micro-batch)."""
    names = {name for name, _ in _network(run).named_parameters()}
    return {key: value for key, value in values.items() if key in names}


def train_one(build, config, run_dir: Path, resume: bool = False, stop: int | None = None):
    """Train in this process; `stop`: leave after that many steps, as a killed run does."""
    run = build(config, run_dir, resume)
    for result in run.steps():
        if result.step == stop:
            break
    return run, weights(run)


def _rank(rank: int, size: int, init: str, build, config, run_dir: str, resume: bool,
          stop: int | None) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=size)
    try:
        run = build(config, Path(run_dir), resume, World(rank, size))
        for result in run.steps():
            if result.step == stop:
                break
        if rank == 0:
            torch.save(weights(run), Path(run_dir) / "weights.pt")
    finally:
        leave()


def train_two(build, config, run_dir: Path, tmp_path: Path, stop: int | None = None) -> dict:
    init = f"file://{tmp_path / f'init-{run_dir.name}'}"
    mp.spawn(_rank, args=(2, init, build, config, str(run_dir), False, stop), nprocs=2, join=True)
    return torch.load(run_dir / "weights.pt", weights_only=True)


def largest_change(a: dict, b: dict) -> float:
    return max((a[k].float() - b[k].float()).abs().max().item() for k in a)
