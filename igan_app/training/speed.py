"""How fast a training process computes: mixed precision, memory format and torch.compile,
chosen once per process by the command line (`igan train … --precision --channels-last
--compile`).

Defaults: bfloat16 autocast on CUDA (no gradient scaler needed: its exponent range is
float32's); float32 on the CPU, where bfloat16 is fast only on CPUs with bfloat16 instructions
(this project's AVX512-BF16 CPU trains the manifold 1.5× faster with --precision bf16; CPUs
without them emulate it) and where the distributed tests compare weights at float32's
tolerance; float16 (for GPUs without bfloat16) scales the losses with a `torch.amp.GradScaler`,
since float16 gradients underflow, and is 30× slower on a CPU, which emulates it;
channels-last convolutions (1.4× faster than contiguous on this CPU, and what tensor cores
want); no compile (its first steps take minutes, so a short run is slower with it: 0.67× over 20
steps here). bench/training.py --variants measures each switch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Speed:
    """precision: "auto" (bf16 on CUDA, fp32 elsewhere), "fp32", "bf16" or "fp16" (autocast;
    fp16 with loss scaling); compile: torch.compile each network that trains; channels_last:
    convolution networks and their batches in channels-last memory format."""

    precision: str = "auto"
    compile: bool = False
    channels_last: bool = True

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose one of "
                             f"{', '.join(PRECISIONS)}")


_current = Speed()


def configure(speed: Speed) -> None:
    """Set the speed settings of this process's training."""
    global _current
    _current = speed


def current() -> Speed:
    return _current


def precision(device: torch.device) -> str:
    """"fp32", "bf16" or "fp16": the current precision on `device`, "auto" resolved."""
    if _current.precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return _current.precision


def autocast(device: torch.device) -> torch.autocast:
    """The autocast context of the current precision on `device` (a no-op for float32)."""
    chosen = precision(device)
    dtype = torch.float16 if chosen == "fp16" else torch.bfloat16
    return torch.autocast(device.type, dtype, enabled=chosen != "fp32")


def grad_scaler(device: torch.device) -> torch.amp.GradScaler:
    """A trainer's loss scaler: `scaler.scale(loss).backward()`, `scaler.step(optimizer)` for
    each optimizer, `scaler.update()` once a step. It scales only for float16 and passes
    everything through otherwise; one scaler serves every optimizer of a step, as PyTorch's
    recipe for several optimizers has it."""
    return torch.amp.GradScaler(device.type, enabled=precision(device) == "fp16")


def load_scaler(scaler: torch.amp.GradScaler, state: dict | None) -> None:
    """Put back a saved scaler state; a run saved at another precision starts a fresh scale."""
    if scaler.is_enabled() and state:
        scaler.load_state_dict(state)


def memory_format() -> torch.memory_format:
    """The memory format of the networks that train and of their batches."""
    return torch.channels_last if _current.channels_last else torch.contiguous_format


def compiled(module: nn.Module) -> nn.Module:
    """`module` compiled when the settings ask for it (the parameters stay the module's own, so
    optimizers, averages and checkpoints see no difference)."""
    return torch.compile(module) if _current.compile else module


__all__ = ["PRECISIONS", "Speed", "autocast", "compiled", "configure", "current", "grad_scaler",
           "load_scaler", "memory_format", "precision"]
