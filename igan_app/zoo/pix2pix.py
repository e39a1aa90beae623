"""pix2pix and CycleGAN networks (Isola et al. 2017, Zhu et al. 2017): U-Net and ResNet
generators and the PatchGAN discriminator.

Module nesting and indices follow the official PyTorch release, so an official state dict loads
into these classes after the importer's clean-up (REFERENCE.md has the key layouts). Two things
differ on purpose:
- BatchNorm becomes `"affine-instance"`: the official test keeps BatchNorm in training mode at
  batch size 1, which is instance normalization with BatchNorm's scale and shift; this makes
  that exact at any batch size and in eval mode.
- Dropout becomes `Variation`: on while training, and at test time only when asked for, with a
  seed, so the same input and seed always give the same picture.
"""

from __future__ import annotations

import torch
from torch import nn

from igan_app.zoo.checkpoint import register_architecture

NORMS = ("affine-instance", "instance", "batch", "none")


def norm_layer(kind: str, channels: int) -> nn.Module:
    """ "instance" is CycleGAN's (no scale and shift); "affine-instance" is converted BatchNorm."""
    if kind == "affine-instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; known: {', '.join(NORMS)}")


def default_bias(norm: str) -> bool:
    """The official rule: convolutions carry a bias only next to a norm without its own shift."""
    return norm == "instance"


class Variation(nn.Module):
    """pix2pix's dropout (p 0.5) as a switchable, seedable source of variation.

    Active in training mode, or in eval mode after `enable(seed)`; a seeded generator makes the
    masks, so a given seed always drops the same units.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p
        self.enabled = False
        self.generator: torch.Generator | None = None

    def enable(self, generator: torch.Generator | None) -> None:
        self.enabled, self.generator = True, generator

    def disable(self) -> None:
        self.enabled, self.generator = False, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.generator is None:
            return nn.functional.dropout(x, self.p, True)
        if not (self.training or self.enabled):
            return x
        keep = torch.rand(x.shape, generator=self.generator, device="cpu").ge_(self.p)
        return x * keep.to(x.device, x.dtype) / (1.0 - self.p)


def set_variation(net: nn.Module, seed: int | None) -> None:
    """Turn every Variation of `net` on with `seed` (fresh masks per call), or off (None)."""
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, Variation):
            if seed is None:
                m.disable()
            else:
                m.enable(generator)


def has_variation(net: nn.Module) -> bool:
    return any(isinstance(m, Variation) for m in net.modules())


class UnetBlock(nn.Module):
    """One scale of the U-Net: down, the inner block, up; concatenates its input (skip) unless
    outermost. Indices in `self.model` are the official ones."""

    def __init__(self, outer: int, inner: int, *, in_channels: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, norm: str = "affine-instance", dropout: bool = False,
                 bias: bool | None = None):
        super().__init__()
        self.outermost = outermost
        bias = default_bias(norm) if bias is None else bias
        in_channels = outer if in_channels is None else in_channels
        down = nn.Conv2d(in_channels, inner, 4, 2, 1, bias=bias)
        if outermost:
            layers = [down, submodule, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1),
                      nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias), norm_layer(norm, outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, norm_layer(norm, inner), submodule,
                      nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias),
                      norm_layer(norm, outer)]
            if dropout:
                layers.append(Variation())
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        # The in-place LeakyReLU at the head of `self.model` also rewrites the skip `x`, as in the
        # official code; harmless, since whatever reads the concatenation starts with a ReLU.
        return torch.cat([x, self.model(x)], 1)


@register_architecture("unet-generator")
class UnetGenerator(nn.Module):
    """Image or one-hot labels (N, input_nc, H, W) → image (N, output_nc, H, W) in [-1, 1].

    num_downs: halvings (unet_256: 8, unet_128: 7); H and W must be multiples of 2**num_downs.
    ngf: channels of the outermost scale, doubled per scale up to 8·ngf.
    dropout: the `Variation` in the three innermost-but-one decoder blocks.
    """

    def __init__(self, input_nc: int = 3, output_nc: int = 3, num_downs: int = 8, ngf: int = 64,
                 norm: str = "affine-instance", dropout: bool = True, bias: bool | None = None):
        super().__init__()
        if num_downs < 5:
            raise ValueError(f"num_downs must be at least 5, got {num_downs}")
        self.input_nc, self.num_downs = input_nc, num_downs
        kw = {"norm": norm, "bias": bias}
        block = UnetBlock(ngf * 8, ngf * 8, innermost=True, **kw)
        for _ in range(num_downs - 5):
            block = UnetBlock(ngf * 8, ngf * 8, submodule=block, dropout=dropout, **kw)
        for mult in (4, 2, 1):
            block = UnetBlock(ngf * mult, ngf * mult * 2, submodule=block, **kw)
        self.model = UnetBlock(output_nc, ngf, in_channels=input_nc, submodule=block,
                               outermost=True, **kw)

    @property
    def multiple(self) -> int:
        return 2 ** self.num_downs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % self.multiple or x.shape[-2] % self.multiple:
            raise ValueError(f"input sides must be multiples of {self.multiple}, got "
                             f"{tuple(x.shape[-2:])}")
        return self.model(x)


class ResnetBlock(nn.Module):
    def __init__(self, dim: int, *, norm: str, dropout: bool, bias: bool):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim),
                  nn.ReLU(True)]
        if dropout:
            layers.append(Variation())
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


@register_architecture("resnet-generator")
class ResnetGenerator(nn.Module):
    """CycleGAN's generator: 7×7 stem, two stride-2 downs, `n_blocks` residual blocks, two ups.

    H and W must be multiples of 4.
    """

    def __init__(self, input_nc: int = 3, output_nc: int = 3, ngf: int = 64, n_blocks: int = 9,
                 norm: str = "instance", dropout: bool = False, bias: bool | None = None):
        super().__init__()
        self.input_nc = input_nc
        bias = default_bias(norm) if bias is None else bias
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias),
                                   norm_layer(norm, ngf), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1, bias=bias),
                       norm_layer(norm, ngf * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4, norm=norm, dropout=dropout, bias=bias)
                   for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1,
                                          bias=bias),
                       norm_layer(norm, ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    multiple = 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"input sides must be multiples of 4, got {tuple(x.shape[-2:])}")
        return self.model(x)


def _spectral(conv: nn.Module, on: bool) -> nn.Module:
    return nn.utils.spectral_norm(conv) if on else conv


@register_architecture("patch-discriminator")
class PatchDiscriminator(nn.Module):
    """PatchGAN: a realism logit per overlapping patch (70×70 with n_layers 3).

    norm "spectral-instance" is SPADE's (spectral-normalized convolutions, then instance norm).
    `forward(x, features=True)` also returns every LeakyReLU output, for feature matching.
    """

    def __init__(self, input_nc: int = 6, ndf: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        spectral = norm == "spectral-instance"
        inner = "instance" if spectral else norm
        bias = inner in ("instance", "none") and not spectral
        layers: list[nn.Module] = [_spectral(nn.Conv2d(input_nc, ndf, 4, 2, 1), spectral),
                                   nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            previous, mult = mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            layers += [_spectral(nn.Conv2d(ndf * previous, ndf * mult, 4, stride, 1, bias=bias),
                                 spectral),
                       norm_layer(inner, ndf * mult), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, features: bool = False):
        taps = []
        for layer in self.model:
            x = layer(x)
            if features and isinstance(layer, nn.LeakyReLU):
                taps.append(x)
        return (x, taps) if features else x


class MultiscaleDiscriminator(nn.Module):
    """SPADE's discriminator: the same PatchGAN on the input and on 2×, 4× … average-pooled copies."""

    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 4, num_d: int = 2,
                 norm: str = "spectral-instance"):
        super().__init__()
        self.scales = nn.ModuleList([PatchDiscriminator(input_nc, ndf, n_layers, norm)
                                     for _ in range(num_d)])

    def forward(self, x: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        outputs = []
        for i, d in enumerate(self.scales):
            if i:
                x = nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
            outputs.append(d(x, features=True))
        return outputs
