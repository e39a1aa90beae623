"""DCGAN generator, discriminator and encoder (Radford et al. 2016; the networks of iGAN).

All three share one geometry: a 4×4 stem and one stride-2 stage per doubling up to the resolution
(32, 64 or 128). Channel widths halve towards the image: stage i from the image has
`width · 2^i` channels, capped at `max_width`. The latent prior is uniform in [-1, 1], as in iGAN,
so the encoder ends in tanh and an optimizer can work on an unbounded z̃ with z = tanh(z̃).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from igan_app.zoo.checkpoint import register_architecture

RESOLUTIONS = (32, 64, 128)


def _stages(resolution: int) -> int:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {resolution}")
    return int(math.log2(resolution // 4))


def _widths(resolution: int, width: int, max_width: int) -> list[int]:
    """Channels at each scale from 4×4 up to the last feature map before the image."""
    n = _stages(resolution)
    if width < 1 or max_width < width:
        raise ValueError(f"need 1 <= width <= max_width, got width={width}, max_width={max_width}")
    return [min(width * 2 ** (n - 1 - i), max_width) for i in range(n)]


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@register_architecture("dcgan-generator")
class Generator(nn.Module):
    """Latent (N, latent_dim) in [-1, 1] → image (N, channels, R, R) in [-1, 1].

    resolution: output side in pixels, one of 32, 64, 128.
    latent_dim: length of the latent vector (iGAN: 100).
    width: channels of the last feature map before the image (DCGAN: 64); the 4×4 map has
        width · R/8 channels, capped at max_width.
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, width: int = 64,
                 max_width: int = 512, channels: int = 3):
        super().__init__()
        self.resolution, self.latent_dim, self.channels = resolution, latent_dim, channels
        widths = _widths(resolution, width, max_width)
        # z → (widths[0], 4, 4): a 4×4 transposed convolution on a 1×1 map.
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        for cin, cout in itertools.pairwise(widths):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], self.latent_dim, 1, 1))

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        """n latents from the prior, uniform in [-1, 1]."""
        device = device if device is not None else next(self.parameters()).device
        z = torch.rand(n, self.latent_dim, generator=generator, device="cpu")
        return (z * 2 - 1).to(device)


class _DownBody(nn.Sequential):
    """Image (N, C, R, R) → feature map (N, widths[0], 4, 4): strided convolutions, leaky ReLU."""

    def __init__(self, resolution: int, width: int, max_width: int, channels: int):
        widths = _widths(resolution, width, max_width)[::-1]  # image side first
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1),
                                   nn.LeakyReLU(0.2, True)]
        for cin, cout in itertools.pairwise(widths):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout),
                       nn.LeakyReLU(0.2, True)]
        super().__init__(*layers)
        self.out_channels = widths[-1]


@register_architecture("dcgan-discriminator")
class Discriminator(nn.Module):
    """Image (N, channels, R, R) in [-1, 1] → realism logit (N,). Arguments as Generator's."""

    def __init__(self, resolution: int = 64, width: int = 64, max_width: int = 512,
                 channels: int = 3):
        super().__init__()
        _stages(resolution)
        self.resolution = resolution
        self.body = _DownBody(resolution, width, max_width, channels)
        self.head = nn.Conv2d(self.body.out_channels, 1, 4, 1, 0)
        init_weights(self)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(image)).flatten()


@register_architecture("dcgan-encoder")
class Encoder(nn.Module):
    """Image (N, channels, R, R) in [-1, 1] → latent (N, latent_dim) in [-1, 1].

    A discriminator-like body and a tanh output, as iGAN's encoder; trained through a frozen
    generator so that G(E(x)) ≈ x.
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, width: int = 64,
                 max_width: int = 512, channels: int = 3):
        super().__init__()
        _stages(resolution)
        self.resolution, self.latent_dim = resolution, latent_dim
        self.body = _DownBody(resolution, width, max_width, channels)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(self.body.out_channels * 16, latent_dim),
                                  nn.Tanh())
        init_weights(self)
        nn.init.normal_(self.head[1].weight, 0.0, 0.01)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(image))


@register_architecture("dcgan-manifold")
class Manifold(nn.Module):
    """A generator with its discriminator and encoder: what the editor projects onto and edits.

    One checkpoint holds all three so they cannot be mixed up; the encoder is trained after the
    generator (`igan train encoder`) and stays at its initialisation until then.
    encoder_width: the encoder's width (None: the same as the generator's).
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, width: int = 64,
                 max_width: int = 512, channels: int = 3, encoder_width: int | None = None):
        super().__init__()
        self.resolution, self.latent_dim = resolution, latent_dim
        self.generator = Generator(resolution, latent_dim, width, max_width, channels)
        self.discriminator = Discriminator(resolution, width, max_width, channels)
        self.encoder = Encoder(resolution, latent_dim, encoder_width or width, max_width, channels)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        return self.generator.sample_latent(n, generator, device)
