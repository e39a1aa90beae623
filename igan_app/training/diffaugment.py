"""Differentiable augmentation (DiffAugment, Zhao et al. 2020): colour, translation and cutout
applied to every picture D sees, real or generated, so that D cannot memorise a small set and
G's gradient still flows through the augmentation.

An augmentation is drawn first (`draw`, per-item parameters from a torch.Generator) and applied
after (`augment`), so that the parameters of a global batch are drawn once from the step's
generator and each rank and micro-batch applies its own part (`Augmentation.part`): processes
and resumed runs augment alike. The published settings: brightness ±0.5, saturation ×[0, 2],
contrast ×[0.5, 1.5], shifts up to 1/8 of the side (zeros fill in), a cutout square of half the
side (set to 0, mid-grey in [-1, 1]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")
TRANSLATION = 1 / 8  # the largest shift, as a fraction of the side
CUTOUT = 1 / 2       # the cutout square's side, as a fraction of the image's


def parse_policy(policy: str) -> tuple[str, ...]:
    """"color,translation,cutout" (any subset; "" for none) → its parts, checked."""
    parts = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in parts if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    return parts


@dataclass(frozen=True)
class Augmentation:
    """Per-item parameters for a batch of `size`×`size` pictures: brightness (N,) added;
    saturation (N,) and contrast (N,) factors; shift (N, 2) rows and columns, in pixels;
    cutout (N, 2) the top-left corner of the square, in pixels. Parts not in `policy` are left
    out when applied."""

    policy: tuple[str, ...]
    size: int
    brightness: torch.Tensor
    saturation: torch.Tensor
    contrast: torch.Tensor
    shift: torch.Tensor
    cutout: torch.Tensor

    def part(self, select: Callable[[torch.Tensor], torch.Tensor]) -> Augmentation:
        """The parameters of the items `select` keeps (e.g. a StepInput's `part`)."""
        return replace(self, **{f.name: select(getattr(self, f.name)) for f in fields(self)
                                if isinstance(getattr(self, f.name), torch.Tensor)})

    def __len__(self) -> int:
        return len(self.brightness)


def draw(n: int, size: int, generator: torch.Generator | None = None,
         policy: str = "color,translation,cutout") -> Augmentation:
    """Parameters for n pictures of size×size, drawn (on the CPU) from `generator`; every part
    is drawn whatever the policy, so that the generator advances alike for every policy."""
    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator)

    most = int(size * TRANSLATION + 0.5)
    square = int(size * CUTOUT + 0.5)
    shift = torch.randint(-most, most + 1, (n, 2), generator=generator)
    cutout = torch.randint(0, size + (1 - square % 2), (n, 2), generator=generator) - square // 2
    return Augmentation(parse_policy(policy), size, uniform(n) - 0.5, uniform(n) * 2,
                        uniform(n) + 0.5, shift, cutout)


def augment(x: torch.Tensor, augmentation: Augmentation) -> torch.Tensor:
    """x (N, C, S, S) in [-1, 1], augmented; differentiable with respect to x."""
    if x.shape[0] != len(augmentation) or x.shape[-1] != augmentation.size:
        raise ValueError(f"the augmentation is for {len(augmentation)} pictures of "
                         f"{augmentation.size}px, got {tuple(x.shape)}")
    if "color" in augmentation.policy:
        x = color(x, augmentation.brightness, augmentation.saturation, augmentation.contrast)
    if "translation" in augmentation.policy:
        x = translate(x, augmentation.shift)
    if "cutout" in augmentation.policy:
        x = cut_out(x, augmentation.cutout, int(augmentation.size * CUTOUT + 0.5))
    return x


def color(x: torch.Tensor, brightness: torch.Tensor, saturation: torch.Tensor,
          contrast: torch.Tensor) -> torch.Tensor:
    """Brightness added, then saturation (around each pixel's grey) and contrast (around the
    picture's mean) scaled, one value of each per item."""
    def per_item(v: torch.Tensor) -> torch.Tensor:
        return v.to(x.device, x.dtype).view(-1, 1, 1, 1)

    x = x + per_item(brightness)
    grey = x.mean(1, keepdim=True)
    x = (x - grey) * per_item(saturation) + grey
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * per_item(contrast) + mean


def translate(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Each item moved by its (rows, columns) shift: pixel (i, j) of the result is pixel
    (i − rows, j − columns) of the item, zero where that falls outside."""
    n, _, h, w = x.shape
    pad = int(shift.abs().max()) if len(shift) else 0
    padded = F.pad(x, [pad, pad, pad, pad])
    shift = shift.to(x.device)
    rows = (torch.arange(h, device=x.device).view(1, h, 1) - shift[:, 0].view(n, 1, 1) + pad)
    cols = (torch.arange(w, device=x.device).view(1, 1, w) - shift[:, 1].view(n, 1, 1) + pad)
    items = torch.arange(n, device=x.device).view(n, 1, 1)
    # Advanced indexing on (N, H, W, C): the result is (N, h, w, C); its gradient scatters back.
    return padded.permute(0, 2, 3, 1)[items, rows, cols].permute(0, 3, 1, 2)


def cut_out(x: torch.Tensor, corner: torch.Tensor, side: int) -> torch.Tensor:
    """Each item with a side×side square at its (row, column) corner set to 0 (clipped at the
    borders)."""
    n, _, h, w = x.shape
    corner = corner.to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) - corner[:, 0].view(n, 1, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w) - corner[:, 1].view(n, 1, 1)
    inside = (rows >= 0) & (rows < side) & (cols >= 0) & (cols < side)
    return x * (~inside).unsqueeze(1).to(x.dtype)


__all__ = ["POLICIES", "Augmentation", "augment", "color", "cut_out", "draw", "parse_policy",
           "translate"]
