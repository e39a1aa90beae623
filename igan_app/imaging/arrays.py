"""Image arrays: uint8 pixels to float NCHW tensors in [-1, 1] and back, and laid out in a grid.

torch is imported inside the functions that need it, so `igan --help` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from igan_app.messages import describe_value

if TYPE_CHECKING:
    import torch


def to_tensor(
    images: np.ndarray | Sequence[np.ndarray], device: torch.device | str | None = None
) -> torch.Tensor:
    """uint8 (H, W, 3) or (N, H, W, 3) (array or sequence) → float32 NCHW in [-1, 1].

    A single image gives N=1. `device` None leaves the tensor on the CPU.
    """
    import torch

    batch = np.asarray(images)
    if batch.ndim == 3:
        batch = batch[None]
    if batch.dtype != np.uint8 or batch.ndim != 4 or batch.shape[3] != 3:
        raise ValueError(f"to_tensor needs uint8 (H, W, 3) or (N, H, W, 3); got {describe_value(batch)}")
    if not batch.flags.writeable:  # torch warns about sharing memory it could write to
        batch = batch.copy()
    # Move the uint8 pixels, a quarter of the float bytes, before widening them.
    pixels = torch.from_numpy(batch)
    if device is not None:
        pixels = pixels.to(device)
    return (pixels.permute(0, 3, 1, 2).float() / 127.5 - 1.0).contiguous()


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """float NCHW or CHW in [-1, 1] → uint8 (N, H, W, 3) or (H, W, 3) on the CPU.

    Values are rounded to nearest and clamped; one channel (C=1) is repeated as gray.
    """
    import torch

    if tensor.ndim not in (3, 4) or tensor.shape[-3] not in (1, 3):
        raise ValueError(
            f"to_uint8 needs a (N, C, H, W) or (C, H, W) tensor with C 1 or 3; "
            f"got shape {tuple(tensor.shape)}"
        )
    scaled = ((tensor.detach().float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)
    scaled = scaled.expand(*scaled.shape[:-3], 3, *scaled.shape[-2:]).movedim(-3, -1)
    return np.ascontiguousarray(scaled.cpu().numpy())


def tile(images: Sequence[np.ndarray], cols: int, *, pad: int = 2, background: int = 255) -> np.ndarray:
    """Lay (H, W, 3) uint8 images of one size out in a grid, row by row, `pad` pixels apart."""
    if not images:
        raise ValueError("tile() needs at least one image")
    h, w = images[0].shape[:2]
    rows = -(-len(images) // cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, 3), background, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = image
    return out
