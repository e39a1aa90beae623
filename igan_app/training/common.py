"""What every training loop shares: step results, seeding, batches, run state, grids, cards."""

from __future__ import annotations

import copy
import platform
import random
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from igan_app import files, imaging
from igan_app.training import speed

STATE_FILE = "state.pt"


@dataclass
class TrainStep:
    """One optimizer step's result: what a progress bar shows and a test checks."""

    step: int
    total: int
    losses: dict[str, float]
    images_per_s: float
    sample_grid: Path | None = None
    checkpoint: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a CPU generator for data order and latents."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def hardware(device: torch.device) -> str:
    """Where a run happened, for model cards."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda})"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    threads = torch.get_num_threads()
    return f"CPU {cpu}, {threads} thread{'s' if threads != 1 else ''}"


def to_batch(images: np.ndarray, index: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (N, H, W, 3) rows → float (B, 3, H, W) in [-1, 1], on device, in the memory format
    of training/speed.py (channels-last by default)."""
    x = imaging.to_tensor(images[index.numpy()], device)
    return x.contiguous(memory_format=speed.memory_format())


def mirrored(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """The batch `x` with the items where `which` (bool, one per item) holds mirrored
    left-right (landscapes have no handedness)."""
    which = which.to(x.device).view(-1, *([1] * (x.dim() - 1)))
    return torch.where(which, x.flip(-1), x)


class EMA:
    """An exponential moving average of a module's parameters (buffers are copied)."""

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, source: nn.Module, decay: float | None = None) -> None:
        d = self.decay if decay is None else decay
        for ours, theirs in zip(self.module.parameters(), source.parameters()):
            ours.lerp_(theirs.detach(), 1.0 - d)
        for ours, theirs in zip(self.module.buffers(), source.buffers()):
            ours.copy_(theirs)


@torch.no_grad()
def recalibrate_norms(module: nn.Module, feed: Callable[[int], object], batches: int) -> None:
    """Recompute the BatchNorm running statistics of `module` for its current weights, as a
    plain average over `batches` calls of `feed(i)` (which runs the module in training mode).

    An averaged generator's weights never ran in training mode, so the running statistics copied
    from the training network do not fit them.
    """
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    module.train()
    for i in range(batches):
        feed(i)
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    module.eval()


def recalibrate_batchnorm(generator: nn.Module, latent_dim: int, batches: int, batch: int,
                          rng: torch.Generator, device: torch.device) -> None:
    """`recalibrate_norms` for a latent → image generator, fed samples of the uniform prior."""
    def feed(_i: int) -> None:
        z = torch.rand(batch, latent_dim, generator=rng).mul_(2).sub_(1).to(device)
        generator(z)

    recalibrate_norms(generator, feed, batches)


def write_grid(path: Path, images: torch.Tensor, cols: int = 8) -> Path:
    """Save a batch in [-1, 1] as one tiled image."""
    imaging.write_image(path, imaging.tile(list(imaging.to_uint8(images)), cols))
    return path


def save_state(run_dir: Path, state: Mapping[str, Any]) -> Path:
    """Write the resumable training state atomically (tensors and plain values only)."""
    path = run_dir / STATE_FILE
    files.write_atomic(path, lambda f: torch.save(dict(state), f))
    return path


def load_state(run_dir: Path) -> dict[str, Any] | None:
    """The saved state of a run, or None; read with weights_only=True (no code is unpickled)."""
    path = run_dir / STATE_FILE
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=True)


def autocast(device: torch.device) -> torch.autocast:
    """The autocast of the process's precision (training/speed.py): by default bfloat16 on
    CUDA, and on other devices a context that changes nothing."""
    return speed.autocast(device)


class Timer:
    """Images per second over the last window of steps."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def rate(self, images: int) -> float:
        now = time.perf_counter()
        elapsed, self.last = now - self.last, now
        return images / max(elapsed, 1e-9)


def format_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def clear_run(run_dir: Path) -> None:
    """Forget a previous run's state and samples (a fresh start in the same folder)."""
    if (run_dir / STATE_FILE).exists():
        (run_dir / STATE_FILE).unlink()
    shutil.rmtree(run_dir / "samples", ignore_errors=True)
