"""Several processes, one run: the world torchrun describes, DDP wrapping, each rank's share.

`torchrun --nproc_per_node N -m igan_app train …` starts N copies of a command with RANK,
WORLD_SIZE and LOCAL_RANK set; `join` turns that into a `World` and starts the process group
(NCCL on CUDA, gloo on the CPU). Without torchrun a run is one process and nothing here costs
anything. Every rank draws the same global batch and the same random numbers for it (they
derive from the seed and the step, training/loop.py) and keeps its `share`: so N processes
with a global batch B compute what one process does with B split into N micro-batches, and a
run can be resumed with another number of processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class World:
    """rank: this process (0 .. size − 1); size: processes in the run; local_rank: this
    process on its machine (its GPU)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Rank 0 writes logs, samples, checkpoints and cards; the others only train."""
        return self.rank == 0

    def share(self, items: torch.Tensor) -> torch.Tensor:
        """This rank's contiguous part of a global batch (its length a multiple of size)."""
        if len(items) % self.size:
            raise ValueError(f"a batch of {len(items)} does not split over {self.size} "
                             "processes; choose a batch that is a multiple of the processes")
        per = len(items) // self.size
        return items[self.rank * per:(self.rank + 1) * per]

    def average(self, value: float) -> float:
        """The mean of `value` over the ranks (for logging: every rank's loss counts)."""
        if self.size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.size

    def barrier(self) -> None:
        if self.size > 1:
            dist.barrier()


ALONE = World()  # one process: what every run is without torchrun


def launched() -> bool:
    """Whether torchrun (or a launcher like it) started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def join(device: torch.device) -> World:
    """The world this process belongs to, its process group started if it has several ranks
    (NCCL on CUDA, gloo otherwise). One process alone when not launched by torchrun."""
    if not launched():
        return World()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def leave() -> None:
    """End the process group, if one was started, once every rank has come to it: a rank that
    tears gloo down while another still talks to it can abort both (seen when a run stops
    before its last step)."""
    if dist.is_available() and dist.is_initialized():
        try:
            dist.barrier()
        except RuntimeError:  # a rank has already failed: nothing left to wait for
            pass
        dist.destroy_process_group()


def device_of(device: torch.device, world: World) -> torch.device:
    """The device of this rank: on CUDA its local GPU, otherwise `device` itself."""
    if device.type == "cuda" and world.size > 1:
        return torch.device("cuda", world.local_rank)
    return device


def wrap(module: nn.Module, world: World, device: torch.device) -> nn.Module:
    """`module` for training in `world`: itself alone; under DDP with several ranks; compiled
    when training/speed.py's settings ask for it.

    On CUDA, BatchNorm layers become SyncBatchNorm, so that the batch statistics are those of
    the global batch; on the CPU (gloo) SyncBatchNorm does not run, and each rank normalises
    its own share, as one process does for each micro-batch. Buffers (running statistics) are
    broadcast from rank 0 at each forward, so that every rank evaluates alike.
    """
    from igan_app.training.speed import compiled

    if world.size == 1:
        return compiled(module)
    if device.type == "cuda":
        module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
        return compiled(nn.parallel.DistributedDataParallel(module, device_ids=[device.index]))
    return compiled(nn.parallel.DistributedDataParallel(module))


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a compile and DDP wrapper (or the module itself)."""
    module = getattr(module, "_orig_mod", module)  # torch.compile's wrapper
    return module.module if isinstance(module, nn.parallel.DistributedDataParallel) else module


__all__ = ["ALONE", "World", "device_of", "join", "launched", "leave", "unwrap", "wrap"]
