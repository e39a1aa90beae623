"""A transformer generator in the manner of TransGAN (Jiang et al. 2021): no convolutions.

The latent becomes an 8×8 grid of tokens through one linear layer; each stage then runs pre-norm
transformer blocks (multi-head self-attention, a GELU MLP) on its grid and the next stage doubles
the grid's side, halving the channels: stage i has side 8·2^i and `width / 2^i` channels. Grids of
side 16 or less attend fully; larger grids attend within Swin-like windows of `window`×`window`
tokens, every other block shifted by half a window with Swin's mask (so no attention wraps around
the border), which keeps the cost linear in the number of tokens. Each stage adds a learned
position embedding. Upsampling is a per-token linear layer and a pixel shuffle (each token's
output split into its four children), or bilinear interpolation of the grid; the image is a
per-token linear to RGB and tanh.

The defaults (width 104, two blocks per stage up to 32², none at 64², pixel shuffle) have about
the parameters of the style generator at width 12 (1.15 M against 1.17 M); `parameter_count` and
`width_for_budget` size other budgets.

Tokens are kept channels-last, (N, H, W, C), so every linear layer acts on the last axis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo.checkpoint import register_architecture

RESOLUTIONS = (32, 64, 128)
BASE = 8  # side of the first token grid
FULL_ATTENTION_MAX_SIDE = 16  # grids up to this side attend fully; larger ones in windows
UPSAMPLING = ("bilinear", "pixel_shuffle")


def _stage_sides(resolution: int) -> list[int]:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {resolution}")
    return [BASE * 2 ** i for i in range(int(math.log2(resolution // BASE)) + 1)]


def _default_depths(resolution: int) -> tuple[int, ...]:
    """Two blocks per stage, so that windowed stages pair a plain and a shifted block (with one,
    the windows never exchange anything and their borders show as seams); none at the last
    stage, whose tokens are the pixels: there a block costs more than all the others together,
    and after a pixel shuffle each pixel already has its own weights."""
    return (*(2,) * (len(_stage_sides(resolution)) - 1), 0)


def _stage_widths(resolution: int, width: int) -> list[int]:
    sides = _stage_sides(resolution)
    divisor = 2 ** (len(sides) - 1)
    if width < divisor or width % divisor:
        raise ValueError(f"width must be a positive multiple of {divisor} at resolution "
                         f"{resolution} (the channels halve at each of its stages), got {width}")
    return [width // 2 ** i for i in range(len(sides))]


def _heads(channels: int, head_dim: int) -> int:
    """The most heads of at least `head_dim` channels (one at least) that divide `channels`."""
    return max(h for h in range(1, max(1, channels // head_dim) + 1) if channels % h == 0)


def _checked_depths(resolution: int, depths: Sequence[int] | None) -> tuple[int, ...]:
    sides = _stage_sides(resolution)
    if depths is None:
        return _default_depths(resolution)
    depths = tuple(int(d) for d in depths)
    if len(depths) != len(sides) or min(depths) < 0:
        raise ValueError(f"depths must be {len(sides)} counts >= 0 (one per stage, sides "
                         f"{sides}), got {list(depths)}")
    return depths


def parameter_count(resolution: int = 64, latent_dim: int = 100, width: int = 104,
                    depths: Sequence[int] | None = None, mlp_ratio: int = 4,
                    channels: int = 3, upsampling: str = "pixel_shuffle", **_: object) -> int:
    """The number of parameters of `TransformerGenerator` built with these arguments, computed
    without building it (arguments that do not change the count, such as window, are ignored)."""
    sides = _stage_sides(resolution)
    widths = _stage_widths(resolution, width)
    depths = _checked_depths(resolution, depths)
    total = (latent_dim + 1) * BASE * BASE * widths[0]  # latent → first grid
    for side, c, depth in zip(sides, widths, depths, strict=True):
        hidden = mlp_ratio * c
        # two norms (4c), qkv (3c² + 3c), projection (c² + c), MLP (2·c·hidden + hidden + c)
        block = 4 * c * c + 2 * c * hidden + 9 * c + hidden
        total += side * side * c + depth * block
    children = 4 if upsampling == "pixel_shuffle" else 1
    total += sum((a + 1) * b * children for a, b in itertools.pairwise(widths))
    return total + 2 * widths[-1] + (widths[-1] + 1) * channels  # final norm, to RGB


def width_for_budget(budget: int, resolution: int = 64, latent_dim: int = 100,
                     **options: object) -> int:
    """The width whose `parameter_count` is closest to `budget` (other arguments as given)."""
    step = 2 ** (len(_stage_sides(resolution)) - 1)
    best, best_gap = step, None
    width = step
    while True:
        count = parameter_count(resolution, latent_dim, width, **options)  # type: ignore[arg-type]
        gap = abs(count - budget)
        if best_gap is not None and gap > best_gap:
            return best  # the count grows with the width, so the gap only grows from here
        best, best_gap, width = width, gap, width + step


# --- primitives ---------------------------------------------------------------------------------


def _windows(x: torch.Tensor, window: int) -> torch.Tensor:
    """(N, H, W, C) → (N, windows, window², C), windows in row-major order."""
    n, h, w, c = x.shape
    x = x.view(n, h // window, window, w // window, window, c).transpose(2, 3)
    return x.reshape(n, (h // window) * (w // window), window * window, c)


def _unwindows(x: torch.Tensor, side: int, window: int) -> torch.Tensor:
    """The inverse of `_windows` for a square grid of `side`."""
    n, _, _, c = x.shape
    per_row = side // window
    x = x.view(n, per_row, per_row, window, window, c).transpose(2, 3)
    return x.reshape(n, side, side, c)


def _shift_mask(side: int, window: int, shift: int, heads: int) -> torch.Tensor:
    """(1, windows·heads, window², window²) additive mask, -inf between two tokens of a shifted
    window that may not attend: after rolling the grid by -shift, the windows along the far
    edges hold tokens from both sides of the image, which must not see each other."""
    region = torch.zeros(side, dtype=torch.long)
    region[side - window:side - shift] = 1
    region[side - shift:] = 2
    ids = (region[:, None] * 3 + region[None, :])[..., None]  # (side, side, 1)
    ids = _windows(ids[None], window)[0, :, :, 0]  # (windows, window²)
    apart = ids[:, :, None] != ids[:, None, :]
    mask = torch.zeros(apart.shape).masked_fill(apart, float("-inf"))
    return mask.repeat_interleave(heads, dim=0)[None]


class PositionEmbedding(nn.Module):
    """A learned vector per grid position, added to the tokens."""

    def __init__(self, side: int, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(side, side, channels))
        nn.init.trunc_normal_(self.weight, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.weight


class WindowAttention(nn.Module):
    """Multi-head self-attention within square windows of a (N, side, side, C) grid.

    window: the window's side in tokens (equal to side: full attention); it must divide side.
    shift: tokens the windows are moved by (0 or less than window), Swin's shifted windows.
    """

    def __init__(self, channels: int, heads: int, side: int, window: int, shift: int = 0):
        super().__init__()
        if side % window or not 0 <= shift < window:
            raise ValueError(f"window {window} must divide side {side} and shift {shift} be "
                             f"in [0, window)")
        self.heads, self.side, self.window, self.shift = heads, side, window, shift
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        mask = _shift_mask(side, window, shift, heads) if shift else None
        # Not saved: it follows from the constructor's arguments.
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, side, _, c = x.shape
        if self.shift:
            x = torch.roll(x, (-self.shift, -self.shift), dims=(1, 2))
        windows = _windows(x, self.window)  # (N, W, L, C)
        count, length = windows.shape[1:3]
        qkv = self.qkv(windows).view(n, count, length, 3, self.heads, c // self.heads)
        # Windows and heads share one batch axis: 4-D inputs let scaled_dot_product_attention
        # pick its fused CPU kernel, and the mask then broadcasts over the images.
        q, k, v = qkv.permute(3, 0, 1, 4, 2, 5).reshape(3, n, count * self.heads, length, -1)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask)
        out = out.view(n, count, self.heads, length, -1).transpose(2, 3).reshape(n, count,
                                                                                  length, c)
        out = _unwindows(self.proj(out), side, self.window)
        if self.shift:
            out = torch.roll(out, (self.shift, self.shift), dims=(1, 2))
        return out


class TransformerBlock(nn.Module):
    """Pre-norm transformer block on a (N, side, side, C) grid: x + attention(norm(x)), then
    x + MLP(norm(x)) with a GELU hidden layer of mlp_ratio·C channels."""

    def __init__(self, channels: int, heads: int, side: int, window: int, shift: int = 0,
                 mlp_ratio: int = 4):
        super().__init__()
        self.norm1 = nn.LayerNorm(channels)
        self.attention = WindowAttention(channels, heads, side, window, shift)
        self.norm2 = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(nn.Linear(channels, mlp_ratio * channels), nn.GELU(),
                                 nn.Linear(mlp_ratio * channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Upsample(nn.Module):
    """(N, s, s, C_in) → (N, 2s, 2s, C_out).

    mode "bilinear": a per-token linear, then bilinear interpolation of the grid; the two commute
    (both linear, the interpolation weights sum to one), so the linear runs on the smaller grid.
    mode "pixel_shuffle": a per-token linear to 4·C_out, each token's four parts becoming its
    2×2 children (TransGAN's later stages): sub-token detail, at the risk of 2×2 blocks.
    """

    def __init__(self, in_channels: int, out_channels: int, mode: str = "bilinear"):
        super().__init__()
        if mode not in UPSAMPLING:
            raise ValueError(f"upsampling must be one of {', '.join(UPSAMPLING)}, got {mode!r}")
        self.mode, self.out_channels = mode, out_channels
        self.linear = nn.Linear(in_channels, out_channels * (4 if mode == "pixel_shuffle" else 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        n, s = x.shape[:2]
        if self.mode == "pixel_shuffle":
            x = x.view(n, s, s, 2, 2, self.out_channels).transpose(2, 3)
            return x.reshape(n, 2 * s, 2 * s, self.out_channels)
        x = F.interpolate(x.permute(0, 3, 1, 2), scale_factor=2, mode="bilinear",
                          align_corners=False)
        return x.permute(0, 2, 3, 1)


class Stage(nn.Module):
    """One grid side: a position embedding and `depth` transformer blocks; windowed stages
    alternate plain and shifted windows."""

    def __init__(self, side: int, channels: int, depth: int, window: int, head_dim: int,
                 mlp_ratio: int):
        super().__init__()
        window = side if side <= FULL_ATTENTION_MAX_SIDE else min(window, side)
        heads = _heads(channels, head_dim)
        self.position = PositionEmbedding(side, channels)
        self.blocks = nn.ModuleList(
            TransformerBlock(channels, heads, side, window,
                             shift=window // 2 if (i % 2 and window < side) else 0,
                             mlp_ratio=mlp_ratio)
            for i in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.position(x)
        for block in self.blocks:
            x = block(x)
        return x


# --- the network --------------------------------------------------------------------------------


@register_architecture("transformer-generator")
class TransformerGenerator(nn.Module):
    """Latent (N, latent_dim) in [-1, 1] → image (N, channels, R, R) in [-1, 1], convolution-free.

    resolution: output side in pixels, one of 32, 64, 128 (stages at 8, 16, … R).
    latent_dim: length of the latent vector.
    width: channels of the 8×8 grid; each later stage has half its predecessor's, so width must
        be a multiple of R/8.
    depths: transformer blocks per stage, from 8×8 to R×R (None: 2 per stage, 0 at the last;
        a 0 leaves a stage with only its position embedding). In a windowed stage, odd blocks
        are shifted: give it an even count, or the windows' borders show.
    window: side in tokens of the attention windows of grids larger than 16×16 (TransGAN's
        grid attention; Swin uses 7, 8 divides every side here); must divide those sides.
    head_dim: channels per attention head at least (a stage has channels // head_dim heads,
        fewer if that does not divide its channels, one at least).
    mlp_ratio: the MLP's hidden channels per token channel.
    upsampling: "pixel_shuffle" (a linear to four children per token, TransGAN's) or
        "bilinear" (a linear, then bilinear interpolation), between every two stages.
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, width: int = 104,
                 depths: Sequence[int] | None = None, window: int = 8, head_dim: int = 16,
                 mlp_ratio: int = 4, upsampling: str = "pixel_shuffle", channels: int = 3):
        super().__init__()
        sides = _stage_sides(resolution)
        widths = _stage_widths(resolution, width)
        self.depths = _checked_depths(resolution, depths)
        if window < 1 or head_dim < 1 or mlp_ratio < 1:
            raise ValueError("window, head_dim and mlp_ratio must be at least 1")
        self.resolution, self.latent_dim, self.channels = resolution, latent_dim, channels
        self.to_tokens = nn.Linear(latent_dim, BASE * BASE * widths[0])
        self.stages = nn.ModuleList(
            Stage(side, c, depth, window, head_dim, mlp_ratio)
            for side, c, depth in zip(sides, widths, self.depths, strict=True))
        self.upsamples = nn.ModuleList(Upsample(a, b, upsampling)
                                       for a, b in itertools.pairwise(widths))
        self.norm = nn.LayerNorm(widths[-1])
        self.to_rgb = nn.Linear(widths[-1], channels)
        self.apply(_init_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.to_tokens(z.reshape(z.shape[0], self.latent_dim))
        x = x.view(z.shape[0], BASE, BASE, -1)  # (N, 8, 8, width)
        for i, stage in enumerate(self.stages):
            if i:
                x = self.upsamples[i - 1](x)
            x = stage(x)
        image = torch.tanh(self.to_rgb(self.norm(x)))  # (N, R, R, channels)
        return image.permute(0, 3, 1, 2).contiguous()

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        """n latents from the prior, uniform in [-1, 1]."""
        device = device if device is not None else next(self.parameters()).device
        z = torch.rand(n, self.latent_dim, generator=generator, device="cpu")
        return (z * 2 - 1).to(device)

    def blocks(self) -> list[list[nn.Module]]:
        """The trainable blocks from the latent to the image, each parameter in exactly one:
        the latent's linear with the first position embedding, each transformer block, each
        upsampling with the next stage's position embedding, and the output norm with to_rgb."""
        blocks: list[list[nn.Module]] = [[self.to_tokens, self.stages[0].position]]
        for i, stage in enumerate(self.stages):
            if i:
                blocks.append([self.upsamples[i - 1], stage.position])
            blocks.extend([block] for block in stage.blocks)
        blocks.append([self.norm, self.to_rgb])
        return blocks


def _init_weights(module: nn.Module) -> None:
    """ViT's initialisation: truncated N(0, 0.02) linear weights, zero biases."""
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
