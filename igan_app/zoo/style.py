"""A style-based generator (StyleGAN2, Karras et al. 2020) at 32², 64² or 128², its residual
discriminator, and the manifold that pairs them with dcgan's encoder.

The generator keeps the editor's contract: a latent z (N, latent_dim) uniform in [-1, 1] → an
image (N, 3, R, R) in [-1, 1]. Inside, a mapping network turns z into an intermediate latent w,
and w drives every layer of the synthesis network: modulated, demodulated 3×3 convolutions that
start from a learned 4×4 constant, a bilinear ×2 upsampling between scales, and an RGB output
at each scale added to the upsampled sum of the coarser ones. There are no per-pixel noise
inputs: they add detail no latent controls, which a projection then cannot fit.

The output goes through tanh rather than a clamp: a clamp passes no gradient from a pixel past
±1, so a projection or an edit that pushed a pixel out there could never bring it back.

Every weight is stored at unit scale and multiplied by He's constant when used (the equalized
learning rate), so an Adam step changes each layer by the same fraction whatever its fan-in;
the mapping network learns at 1/100 of the rate, as in StyleGAN2. Channels at side s are
`width · R / s`, capped at `max_width`: each scale costs about the same.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo.checkpoint import register_architecture
from igan_app.zoo.dcgan import Encoder

RESOLUTIONS = (32, 64, 128)
GENERATORS = ("style", "transformer")
_GAIN = math.sqrt(2)  # keeps a leaky ReLU's output at the variance of its input


def _channels(resolution: int, width: int, max_width: int) -> list[int]:
    """Channels at each side 4, 8, …, resolution."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {resolution}")
    if width < 1 or max_width < width:
        raise ValueError(f"need 1 <= width <= max_width, got width={width}, max_width={max_width}")
    sides = [4 * 2**i for i in range(int(math.log2(resolution // 4)) + 1)]
    return [min(width * resolution // side, max_width) for side in sides]


def _activate(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * _GAIN


def _upsample(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


# --- primitives -------------------------------------------------------------------------------

class EqualLinear(nn.Module):
    """A linear layer with the equalized learning rate. lr_mul: the layer's rate relative to
    the optimizer's; bias_init: the bias it starts at; activate: a leaky ReLU after it."""

    def __init__(self, cin: int, cout: int, *, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activate: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full((cout,), bias_init / lr_mul))
        self.scale, self.lr_mul, self.activate = lr_mul / math.sqrt(cin), lr_mul, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        return _activate(x) if self.activate else x


class EqualConv2d(nn.Module):
    """A k×k convolution (stride 1, same padding) with the equalized learning rate."""

    def __init__(self, cin: int, cout: int, kernel: int, *, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale, self.padding = 1 / math.sqrt(cin * kernel * kernel), kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class ModulatedConv2d(nn.Module):
    """x (N, cin, H, W) and w (N, w_dim) → (N, cout, H', W'): a k×k convolution whose input
    channels are scaled by a style computed from w, plus a bias.

    demodulate: divide each output channel by the scale it would have for unit-variance inputs,
        so that styles steer the features' mix but not their magnitude.
    upsample: ×2 (bilinear) after the convolution, which costs a quarter of convolving the
        upsampled map (StyleGAN2's transposed convolution and blur filter do the same).
    activate: a leaky ReLU at the end (with the gain that keeps the variance).

    Computed as scale-inputs, one shared batched convolution, scale-outputs: the same as
    convolving each item with its own modulated weight, at the cost of an ordinary convolution.
    The bias and the output scale are applied before the upsampling, at a quarter of the pixels
    (bilinear interpolation keeps a per-channel constant and commutes with a per-channel scale).
    """

    def __init__(self, cin: int, cout: int, w_dim: int, kernel: int = 3, *,
                 demodulate: bool = True, upsample: bool = False, activate: bool = False):
        super().__init__()
        self.affine = EqualLinear(w_dim, cin, bias_init=1.0)  # styles start at 1
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale, self.padding = 1 / math.sqrt(cin * kernel * kernel), kernel // 2
        self.demodulate, self.upsample, self.activate = demodulate, upsample, activate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        style = self.affine(w)                                     # (N, cin)
        weight = self.weight * self.scale
        gain = _GAIN if self.activate else 1.0  # leaky ReLU commutes with a positive scale
        if not self.demodulate:
            x = F.conv2d(x * style[:, :, None, None], weight, self.bias, padding=self.padding)
            x = x * gain if self.activate else x
        else:
            x = F.conv2d(x * style[:, :, None, None], weight, padding=self.padding)
            # E[out²] for unit-variance inputs: Σ over inputs and taps of (weight · style)².
            energy = style.square() @ weight.square().sum((2, 3)).t()   # (N, cout)
            x = torch.addcmul((self.bias * gain)[:, None, None], x,
                              (torch.rsqrt(energy + 1e-8) * gain)[:, :, None, None])
        if self.upsample:
            x = _upsample(x)
        return F.leaky_relu(x, 0.2) if self.activate else x


# --- the generator ----------------------------------------------------------------------------

def _styled_conv(cin: int, cout: int, w_dim: int, *, upsample: bool = False) -> ModulatedConv2d:
    """One layer of the synthesis: a demodulated 3×3 convolution, a bias, a leaky ReLU."""
    return ModulatedConv2d(cin, cout, w_dim, upsample=upsample, activate=True)


def _to_rgb(cin: int, w_dim: int, channels: int) -> ModulatedConv2d:
    """Features → colours at the same scale: a modulated 1×1 convolution, not demodulated (the
    colours' magnitude is what it learns)."""
    return ModulatedConv2d(cin, channels, w_dim, kernel=1, demodulate=False)


class ConstantInput(nn.Module):
    """The learned (channels, 4, 4) map the synthesis starts from, the same for every latent."""

    def __init__(self, channels: int):
        super().__init__()
        self.value = nn.Parameter(torch.randn(1, channels, 4, 4))

    def forward(self, n: int) -> torch.Tensor:
        # Channels-last: the CPU's convolutions on a few channels run faster in it.
        return self.value.expand(n, -1, -1, -1).contiguous(memory_format=torch.channels_last)


class Stage(nn.Module):
    """One scale: its convolutions (the first upsamples, except at 4×4) and its RGB output."""

    def __init__(self, cin: int, cout: int, w_dim: int, channels: int, *, first: bool):
        super().__init__()
        convs = [_styled_conv(cin, cout, w_dim)] if first else [
            _styled_conv(cin, cout, w_dim, upsample=True), _styled_conv(cout, cout, w_dim)]
        self.convs = nn.ModuleList(convs)
        self.to_rgb = _to_rgb(cout, w_dim, channels)


class Synthesis(nn.Module):
    """Per-layer latents ws (N, num_ws, w_dim) → image (N, channels, R, R) in [-1, 1].
    Layer i of the convolutions reads ws[:, i]; each RGB output reads the latent after its
    stage's last convolution's (as StyleGAN2 does), so num_ws = convolutions + 1."""

    def __init__(self, resolution: int, w_dim: int, width: int, max_width: int, channels: int):
        super().__init__()
        widths = _channels(resolution, width, max_width)
        self.input = ConstantInput(widths[0])
        self.stages = nn.ModuleList([Stage(widths[0], widths[0], w_dim, channels, first=True)])
        self.stages.extend(Stage(cin, cout, w_dim, channels, first=False)
                           for cin, cout in itertools.pairwise(widths))
        self.num_ws = sum(len(stage.convs) for stage in self.stages) + 1

    def forward(self, ws: torch.Tensor) -> torch.Tensor:
        x, rgb, i = self.input(ws.shape[0]), None, 0
        for stage in self.stages:
            for conv in stage.convs:
                x = conv(x, ws[:, i])
                i += 1
            y = stage.to_rgb(x, ws[:, i])
            rgb = y if rgb is None else y + _upsample(rgb)
        return torch.tanh(rgb)


class Mapping(nn.Module):
    """z (N, latent_dim), uniform in [-1, 1] → w (N, w_dim): z scaled by √3 (the box's variance
    is 1/3) through `layers` fully connected layers with leaky ReLUs."""

    def __init__(self, latent_dim: int, w_dim: int, layers: int, lr_mul: float = 0.01):
        super().__init__()
        if layers < 1:
            raise ValueError(f"the mapping needs at least one layer, got {layers}")
        dims = [latent_dim] + [w_dim] * layers
        self.net = nn.Sequential(*[EqualLinear(cin, cout, lr_mul=lr_mul, activate=True)
                                   for cin, cout in itertools.pairwise(dims)])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z * math.sqrt(3))


@register_architecture("style-generator")
class StyleGenerator(nn.Module):
    """Latent (N, latent_dim) in [-1, 1] → image (N, channels, R, R) in [-1, 1].

    resolution: output side in pixels, one of 32, 64, 128.
    latent_dim: length of z, the latent the editor optimizes.
    w_dim: length of the intermediate latent w.
    mapping_layers: fully connected layers from z to w (StyleGAN2: 8; a few suffice here).
    width: channels of the full-resolution layers; each halving of the side doubles them, up
        to max_width.
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, w_dim: int = 256,
                 mapping_layers: int = 4, width: int = 12, max_width: int = 256,
                 channels: int = 3):
        super().__init__()
        self.resolution, self.latent_dim, self.w_dim = resolution, latent_dim, w_dim
        self.mapping_net = Mapping(latent_dim, w_dim, mapping_layers)
        self.synthesis_net = Synthesis(resolution, w_dim, width, max_width, channels)
        self.num_ws = self.synthesis_net.num_ws

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z (N, latent_dim) → w (N, w_dim)."""
        return self.mapping_net(z)

    def synthesis(self, w: torch.Tensor) -> torch.Tensor:
        """w (N, w_dim), the same at every layer, or per layer (N, num_ws, w_dim) → image."""
        if w.dim() == 2:
            w = w.unsqueeze(1).expand(-1, self.num_ws, -1)
        if w.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"w must be (N, {self.w_dim}) or (N, {self.num_ws}, {self.w_dim}), "
                             f"got {tuple(w.shape)}")
        return self.synthesis_net(w)

    def forward(self, z: torch.Tensor, return_ws: bool = False):
        """synthesis(mapping(z)); with `return_ws`, (image, ws) where ws (N, num_ws, w_dim) is
        the per-layer latent the image was made from (a node of its graph, for a gradient
        with respect to it)."""
        ws = self.mapping(z).unsqueeze(1).repeat(1, self.num_ws, 1)
        image = self.synthesis_net(ws)
        return (image, ws) if return_ws else image

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        """n latents from the prior, uniform in [-1, 1] (drawn on the CPU: the same numbers on
        every device)."""
        device = device if device is not None else next(self.parameters()).device
        z = torch.rand(n, self.latent_dim, generator=generator, device="cpu")
        return (z * 2 - 1).to(device)

    @torch.no_grad()
    def w_mean(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """The average w (1, w_dim) of n latents of the prior (for truncation, or as a
        projection's start)."""
        z = self.sample_latent(n, torch.Generator().manual_seed(seed))
        return self.mapping(z).mean(0, keepdim=True)

    def blocks(self) -> list[list[nn.Module]]:
        """The synthesis by scale, from the latent side to the image: the modules whose
        parameters a per-photo tuning trains together (the first includes the constant). The
        mapping network is in none: tuning it would move every latent at once."""
        stages = list(self.synthesis_net.stages)
        first = [self.synthesis_net.input, *stages[0].convs, stages[0].to_rgb]
        return [first] + [[*stage.convs, stage.to_rgb] for stage in stages[1:]]


# --- the discriminator ------------------------------------------------------------------------

def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """x (N, C, H, W) with one more channel: the standard deviation of each feature across a
    group of items, averaged, so D can see a batch that lacks variety. Items i, i + N/G, …
    form a group; G is the largest divisor of N not above `group`."""
    n, c, h, w = x.shape
    g = max(d for d in range(1, min(group, n) + 1) if n % d == 0)
    y = x.reshape(g, n // g, c, h, w).float()
    y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean((1, 2, 3))  # (N/G,)
    y = y.to(x.dtype).reshape(1, n // g, 1, 1, 1).expand(g, -1, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, y], 1)


class ResidualBlock(nn.Module):
    """(N, cin, S, S) → (N, cout, S/2, S/2): two 3×3 convolutions with a 2×2 average pooling
    between them, beside a pooled 1×1 shortcut; the sum scaled back to unit variance."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1, self.conv2 = EqualConv2d(cin, cin, 3), EqualConv2d(cin, cout, 3)
        self.skip = EqualConv2d(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = _activate(self.conv2(F.avg_pool2d(_activate(self.conv1(x)), 2)))
        return (y + self.skip(F.avg_pool2d(x, 2))) / math.sqrt(2)


@register_architecture("style-discriminator")
class ResidualDiscriminator(nn.Module):
    """Image (N, channels, R, R) in [-1, 1] → realism logit (N,): StyleGAN2's residual D.

    width, max_width: channels at each side as the generator's; mbstd_group: items per group of
    the minibatch standard deviation; spectral_norm: divide each weight by its largest singular
    value (off by default: the R1 penalty already keeps D smooth; on, each forward runs one power
    iteration, so micro-batches and processes no longer train alike).
    """

    def __init__(self, resolution: int = 64, width: int = 12, max_width: int = 256,
                 channels: int = 3, mbstd_group: int = 4, spectral_norm: bool = False):
        super().__init__()
        widths = _channels(resolution, width, max_width)[::-1]  # image side first
        self.resolution, self.mbstd_group = resolution, mbstd_group
        self.from_rgb = EqualConv2d(channels, widths[0], 1)
        self.blocks = nn.Sequential(*[ResidualBlock(cin, cout)
                                      for cin, cout in itertools.pairwise(widths)])
        self.conv = EqualConv2d(widths[-1] + 1, widths[-1], 3)
        self.fc = EqualLinear(widths[-1] * 16, widths[-1], activate=True)
        self.out = EqualLinear(widths[-1], 1)
        if spectral_norm:
            for module in self.modules():
                if isinstance(module, (EqualConv2d, EqualLinear)):
                    module.scale = 1.0
                    nn.utils.parametrizations.spectral_norm(module)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.blocks(_activate(self.from_rgb(image)))
        x = _activate(self.conv(minibatch_stddev(x, self.mbstd_group)))
        return self.out(self.fc(x.flatten(1))).flatten()


# --- the manifold -----------------------------------------------------------------------------

def build_generator(kind: str, resolution: int, latent_dim: int, width: int,
                    generator_width: int | None = None, **style_args) -> nn.Module:
    """The generator of `kind` (one of GENERATORS); style_args go to the style generator only.
    The transformer (zoo/transgan.py) is imported when asked for; its width is
    `generator_width`, else the one whose parameter count is closest to the style generator's
    of the same settings (the two compare at the same size)."""
    if kind == "style":
        return StyleGenerator(resolution, latent_dim, width=generator_width or width,
                              **style_args)
    if kind == "transformer":
        from igan_app.zoo.transgan import TransformerGenerator, width_for_budget

        if generator_width is None:
            budget = sum(p.numel() for p in StyleGenerator(resolution, latent_dim, width=width,
                                                            **style_args).parameters())
            generator_width = width_for_budget(budget, resolution, latent_dim)
        return TransformerGenerator(resolution, latent_dim, generator_width)
    raise ValueError(f"unknown generator {kind!r}; choose one of {', '.join(GENERATORS)}")


@register_architecture("style-manifold")
class StyleManifold(nn.Module):
    """A style-based (or transformer) generator with its residual discriminator and an encoder:
    what the editor projects onto and edits, with the attributes of dcgan.Manifold.

    generator: "style" or "transformer" (the same D and encoder either way, so the two compare);
    w_dim, mapping_layers, max_width: the style generator's (max_width is also D's);
    width: D's full-resolution channels, and the generator's unless generator_width is given
    (the transformer's width is its token size, on another scale); encoder_width: dcgan's
    Encoder's width (channels of its first layer); spectral_norm: D's.
    """

    def __init__(self, resolution: int = 64, latent_dim: int = 100, width: int = 12,
                 max_width: int = 256, w_dim: int = 256, mapping_layers: int = 4,
                 generator: str = "style", generator_width: int | None = None,
                 encoder_width: int = 32, spectral_norm: bool = False, channels: int = 3):
        super().__init__()
        self.resolution, self.latent_dim = resolution, latent_dim
        style_args = {"w_dim": w_dim, "mapping_layers": mapping_layers, "max_width": max_width,
                      "channels": channels}
        self.generator = build_generator(generator, resolution, latent_dim, width,
                                         generator_width, **style_args)
        self.discriminator = ResidualDiscriminator(resolution, width, max_width, channels,
                                                   spectral_norm=spectral_norm)
        self.encoder = Encoder(resolution, latent_dim, encoder_width, max(max_width,
                                                                          encoder_width), channels)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        return self.generator.sample_latent(n, generator, device)


__all__ = ["GENERATORS", "RESOLUTIONS", "ModulatedConv2d", "ResidualDiscriminator",
           "StyleGenerator", "StyleManifold", "build_generator", "minibatch_stddev"]
