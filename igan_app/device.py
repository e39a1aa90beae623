"""The one place that picks the compute device: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is heavy; `igan --help` must not pay for it
    import torch

ENV_VAR = "IGAN_DEVICE"
CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(RuntimeError):
    """A device was asked for that this machine does not have."""


def pick_device(requested: str | None = None) -> torch.device:
    """Return the device to compute on.

    `requested` is "auto" (or None), "cpu", "cuda", "cuda:N" or "mps". None falls back to the
    IGAN_DEVICE environment variable, then to "auto" (CUDA → MPS → CPU). Asking for a device that
    is not present raises DeviceError rather than silently running somewhere else.
    """
    import torch

    name = (requested or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r} was asked for, but CUDA is not available here")
        device = torch.device(name)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(
                f"device {name!r} was asked for, but only {torch.cuda.device_count()} "
                "CUDA device(s) are present"
            )
        return device
    if name == "mps":
        if not _mps_available():
            raise DeviceError("device 'mps' was asked for, but Apple's MPS is not available here")
        return torch.device("mps")
    raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(CHOICES)} or cuda:N")


def describe(device: torch.device) -> str:
    """A human-readable name, e.g. 'cuda:0 (NVIDIA H100)' or 'cpu (2 threads)'."""
    import torch

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
