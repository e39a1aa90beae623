"""How fast a training process computes: mixed precision and torch.compile, chosen once per
process by the command line (`igan train … --precision --compile`).

Defaults that are right everywhere: bfloat16 autocast on CUDA (no gradient scaler needed: its
exponent range is float32's), float32 on the CPU (bfloat16 matmuls on a CPU without AMX are
slower than float32), no compile (its first steps take minutes on a small CPU and it pays only
for long runs; measure with bench/training.py before turning it on).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class Speed:
    """precision: "auto" (bf16 on CUDA, fp32 elsewhere), "fp32" or "bf16" (autocast);
    compile: torch.compile each network that trains."""

    precision: str = "auto"
    compile: bool = False

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


def autocast(device: torch.device) -> torch.autocast:
    """The autocast context of the current precision on `device` (a no-op for float32)."""
    precision = _current.precision
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    return torch.autocast(device.type, torch.bfloat16, enabled=precision == "bf16")


def compiled(module: nn.Module) -> nn.Module:
    """`module` compiled when the settings ask for it (the parameters stay the module's own, so
    optimizers, averages and checkpoints see no difference)."""
    return torch.compile(module) if _current.compile else module


__all__ = ["PRECISIONS", "Speed", "autocast", "compiled", "configure", "current"]
