"""Latent paths from one latent to another, and the pictures along them."""

from __future__ import annotations

import torch

from igan_app.engine.choices import PATH_MODES
from igan_app.zoo.dcgan import Manifold

MODES = PATH_MODES


def interpolate(start: torch.Tensor, end: torch.Tensor, frames: int,
                mode: str = "linear") -> torch.Tensor:
    """(frames, d) latents from `start` to `end` ((d,) or (1, d)), both ends included.

    slerp follows the great circle between the two directions while the length changes
    linearly; it falls back to the straight line when the two point the same way (or one is 0).
    """
    if frames < 2:
        raise ValueError(f"an interpolation needs at least 2 frames, got {frames}")
    return points_on_path(start, end, torch.linspace(0, 1, frames), mode)


def points_on_path(start: torch.Tensor, end: torch.Tensor, fractions: torch.Tensor,
                   mode: str = "linear") -> torch.Tensor:
    """(n, d) latents at `fractions` (n,) of the way along `interpolate`'s path (0: start)."""
    if mode not in MODES:
        raise ValueError(f"unknown interpolation {mode!r}; known: {', '.join(MODES)}")
    a, b = start.reshape(-1).float(), end.reshape(-1).float()
    if a.shape != b.shape:
        raise ValueError(f"latents differ in size: {a.numel()} and {b.numel()}")
    t = fractions.to(a.device, torch.float32).reshape(-1, 1)
    line = (1 - t) * a + t * b
    if mode == "linear":
        return line
    na, nb = a.norm(), b.norm()
    if na < 1e-8 or nb < 1e-8:
        return line
    cos = torch.clamp(torch.dot(a / na, b / nb), -1.0, 1.0)
    angle = torch.arccos(cos)
    if angle < 1e-4:
        return line
    direction = (torch.sin((1 - t) * angle) * (a / na) + torch.sin(t * angle) * (b / nb))
    direction = direction / torch.sin(angle)
    return direction * ((1 - t) * na + t * nb)


@torch.no_grad()
def render_path(manifold: Manifold, latents: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """G's pictures (frames, 3, r, r) in [-1, 1] for a path of latents, a batch at a time."""
    manifold.eval()
    return torch.cat([manifold.generator(latents[i:i + batch])
                      for i in range(0, len(latents), batch)])
