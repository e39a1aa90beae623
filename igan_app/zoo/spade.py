"""SPADE (Park et al. 2019): a label map steers every normalization of the generator, and a style
encoder (a VAE) picks among the pictures that fit the labels.

Names and nesting follow the official NVlabs release, so its generator checkpoints load after the
importer folds the spectral norm (REFERENCE.md has the layout). The project's own models are
trained with spectral norm (`spectral=True`) and shipped folded (`spectral=False`), as imported
ones are.

Sizes: `ngf` scales every width (official 64); `hidden` is the SPADE MLP's width (official 128).
Both cost quadratically at full resolution, which is what the shipped model trims to render a
256² picture in about a tenth of the official time on a laptop-class CPU.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo.checkpoint import register_architecture

UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}


def _conv(cin: int, cout: int, k: int, *, bias: bool = True, spectral: bool = False,
          stride: int = 1) -> nn.Module:
    conv = nn.Conv2d(cin, cout, k, stride, padding=k // 2, bias=bias)
    return nn.utils.spectral_norm(conv) if spectral else conv


class SPADE(nn.Module):
    """Parameter-free norm of x, then a per-pixel scale and shift predicted from the label map."""

    def __init__(self, norm_nc: int, label_nc: int, hidden: int = 128, kernel: int = 3,
                 param_free: str = "batch"):
        super().__init__()
        if param_free == "batch":
            self.param_free_norm: nn.Module = nn.BatchNorm2d(norm_nc, affine=False)
        elif param_free == "instance":
            self.param_free_norm = nn.InstanceNorm2d(norm_nc, affine=False)
        else:
            raise ValueError(f"param_free must be 'batch' or 'instance', got {param_free!r}")
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, kernel, padding=kernel // 2),
                                        nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, kernel, padding=kernel // 2)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, kernel, padding=kernel // 2)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        if segmap.shape[-2:] != x.shape[-2:]:
            segmap = F.interpolate(segmap, size=x.shape[-2:], mode="nearest")
        actv = self.mlp_shared(segmap)
        if self.training:
            return torch.addcmul(self.mlp_beta(actv), normalized, 1 + self.mlp_gamma(actv))
        # Rendering: 1 + γ and β from one convolution (the 1 folded into γ's bias), a third
        # fewer passes over the largest maps; the same numbers up to float rounding.
        scale, shift = self._fused(actv).chunk(2, 1)
        return torch.addcmul(shift, normalized, scale)

    def _fused(self, actv: torch.Tensor) -> torch.Tensor:
        g, b = self.mlp_gamma, self.mlp_beta
        weight = torch.cat([g.weight, b.weight])
        bias = torch.cat([g.bias + 1, b.bias])
        return F.conv2d(actv, weight, bias, padding=g.padding)


class SPADEResnetBlock(nn.Module):
    def __init__(self, fin: int, fout: int, label_nc: int, *, hidden: int, spectral: bool,
                 param_free: str):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = _conv(fin, fmiddle, 3, spectral=spectral)
        self.conv_1 = _conv(fmiddle, fout, 3, spectral=spectral)
        norm = {"label_nc": label_nc, "hidden": hidden, "param_free": param_free}
        if self.learned_shortcut:
            self.conv_s = _conv(fin, fout, 1, bias=False, spectral=spectral)
            self.norm_s = SPADE(fin, **norm)
        self.norm_0 = SPADE(fin, **norm)
        self.norm_1 = SPADE(fmiddle, **norm)

    def forward(self, x: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        shortcut = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return shortcut + dx


class SPADEGenerator(nn.Module):
    """One-hot labels (N, label_nc, H, W) [+ style z] → image (N, 3, H, W) in [-1, 1].

    Without a style (`use_vae` False) the labels, resized to H/2^k, seed the first feature map;
    with it, `fc` turns z into a `latent_size` grid (resized to H/2^k when rendering at another
    size). k is 5, 6 or 7 for num_upsampling "normal", "more", "most"; H and W must be multiples
    of 2^k.
    """

    def __init__(self, label_nc: int, ngf: int = 64, *, use_vae: bool = False, z_dim: int = 256,
                 latent_size: tuple[int, int] = (8, 8), num_upsampling: str = "normal",
                 hidden: int = 128, spectral: bool = False, param_free: str = "batch"):
        super().__init__()
        if num_upsampling not in UPSAMPLINGS:
            raise ValueError(f"num_upsampling must be one of {', '.join(UPSAMPLINGS)}, "
                             f"got {num_upsampling!r}")
        self.label_nc, self.use_vae, self.z_dim = label_nc, use_vae, z_dim
        self.num_upsampling, self.latent_size = num_upsampling, tuple(latent_size)
        nf = ngf
        if use_vae:
            self.fc: nn.Module = nn.Linear(z_dim, 16 * nf * self.latent_size[0] * self.latent_size[1])
        else:
            self.fc = nn.Conv2d(label_nc, 16 * nf, 3, padding=1)
        block = {"label_nc": label_nc, "hidden": hidden, "spectral": spectral,
                 "param_free": param_free}
        self.head_0 = SPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.G_middle_0 = SPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.G_middle_1 = SPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.up_0 = SPADEResnetBlock(16 * nf, 8 * nf, **block)
        self.up_1 = SPADEResnetBlock(8 * nf, 4 * nf, **block)
        self.up_2 = SPADEResnetBlock(4 * nf, 2 * nf, **block)
        self.up_3 = SPADEResnetBlock(2 * nf, nf, **block)
        final = nf
        if num_upsampling == "most":
            self.up_4 = SPADEResnetBlock(nf, nf // 2, **block)
            final = nf // 2
        self.conv_img = nn.Conv2d(final, 3, 3, padding=1)

    @property
    def multiple(self) -> int:
        return 2 ** UPSAMPLINGS[self.num_upsampling]

    def forward(self, seg: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        h, w = seg.shape[-2:]
        if h % self.multiple or w % self.multiple:
            raise ValueError(f"label map sides must be multiples of {self.multiple}, got {(h, w)}")
        start = (h // self.multiple, w // self.multiple)
        if self.use_vae:
            if z is None:
                z = torch.randn(seg.shape[0], self.z_dim, device=seg.device, dtype=seg.dtype)
            x = self.fc(z).view(seg.shape[0], -1, *self.latent_size)
            if tuple(x.shape[-2:]) != start:
                x = F.interpolate(x, size=start, mode="bilinear", align_corners=False)
        else:
            x = self.fc(F.interpolate(seg, size=start, mode="nearest"))
        up = nn.functional.interpolate
        x = self.head_0(x, seg)
        x = self.G_middle_0(up(x, scale_factor=2.0), seg)
        if self.num_upsampling in ("more", "most"):
            x = up(x, scale_factor=2.0)
        x = self.G_middle_1(x, seg)
        for block in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = block(up(x, scale_factor=2.0), seg)
        if self.num_upsampling == "most":
            x = self.up_4(up(x, scale_factor=2.0), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


class StyleEncoder(nn.Module):
    """Image → (mu, logvar) of the style code: SPADE's ConvEncoder with instance norm.

    The image is resized to `input_size` (a multiple of 32; the official encoder uses 256 and
    one more layer), then five stride-2 convolutions bring it to (input_size/32)².
    """

    def __init__(self, ngf: int = 64, z_dim: int = 256, input_size: int = 128,
                 spectral: bool = False):
        super().__init__()
        if input_size % 32:
            raise ValueError(f"input_size must be a multiple of 32, got {input_size}")
        self.input_size = input_size
        widths = [3, ngf, ngf * 2, ngf * 4, ngf * 8, ngf * 8]
        self.layers = nn.ModuleList([
            nn.Sequential(_conv(a, b, 3, spectral=spectral, stride=2), nn.InstanceNorm2d(b))
            for a, b in itertools.pairwise(widths)])
        side = input_size // 32
        self.fc_mu = nn.Linear(ngf * 8 * side * side, z_dim)
        self.fc_var = nn.Linear(ngf * 8 * side * side, z_dim)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if image.shape[-2:] != (self.input_size, self.input_size):
            image = F.interpolate(image, size=(self.input_size, self.input_size), mode="bilinear",
                                  align_corners=False, antialias=True)
        x = image
        for i, layer in enumerate(self.layers):
            x = layer(F.leaky_relu(x, 0.2) if i else x)
        x = F.leaky_relu(x, 0.2).flatten(1)
        return self.fc_mu(x), self.fc_var(x)


@register_architecture("spade")
class SpadeModel(nn.Module):
    """A SPADE generator, with its style encoder when it has one (`use_vae`).

    num_labels: label ids of the palette; dont_care adds a channel for id 255 (COCO-Stuff,
    ADE20K), instance_edge a channel marking where neighbouring labels differ (COCO, Cityscapes).
    """

    def __init__(self, num_labels: int, ngf: int = 64, *, dont_care: bool = False,
                 instance_edge: bool = False, use_vae: bool = False, z_dim: int = 256,
                 latent_size: tuple[int, int] = (8, 8), num_upsampling: str = "normal",
                 hidden: int = 128, spectral: bool = False, param_free: str = "batch",
                 encoder_ngf: int | None = None, encoder_input: int = 128):
        super().__init__()
        self.num_labels, self.dont_care, self.instance_edge = num_labels, dont_care, instance_edge
        label_nc = num_labels + int(dont_care) + int(instance_edge)
        self.generator = SPADEGenerator(label_nc, ngf, use_vae=use_vae, z_dim=z_dim,
                                        latent_size=tuple(latent_size),
                                        num_upsampling=num_upsampling, hidden=hidden,
                                        spectral=spectral, param_free=param_free)
        self.encoder = (StyleEncoder(encoder_ngf or ngf, z_dim, encoder_input, spectral)
                        if use_vae else None)

    @property
    def use_vae(self) -> bool:
        return self.encoder is not None

    @property
    def multiple(self) -> int:
        return self.generator.multiple

    def one_hot(self, labels: torch.Tensor) -> torch.Tensor:
        """(N, H, W) integer ids → (N, label_nc, H, W) float input (255 → don't care)."""
        return semantic_input(labels, self.num_labels, dont_care=self.dont_care,
                              instance_edge=self.instance_edge,
                              dtype=next(self.parameters()).dtype)

    def encode_style(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.encoder is None:
            raise ValueError("this SPADE model has no style encoder (it was trained without one)")
        return self.encoder(image)

    def forward(self, seg: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(seg, z)


def semantic_input(labels: torch.Tensor, num_labels: int, *, dont_care: bool = False,
                   instance_edge: bool = False, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """SPADE's input: one channel per label, the don't-care channel, the label-edge channel."""
    labels = labels.long()
    ignored = labels == 255
    if (labels[~ignored] >= num_labels).any() or (labels < 0).any():
        raise ValueError(f"label ids must be below {num_labels} (or 255 for don't care)")
    if ignored.any() and not dont_care:
        raise ValueError("the label map has don't-care pixels (255) but the model has no "
                         "don't-care channel")
    channels = num_labels + int(dont_care)
    ids = torch.where(ignored, torch.full_like(labels, num_labels), labels)
    parts = [F.one_hot(ids, channels).permute(0, 3, 1, 2).to(dtype)]
    if instance_edge:
        parts.append(label_edges(labels).to(dtype)[:, None])
    return torch.cat(parts, 1)


def label_edges(labels: torch.Tensor) -> torch.Tensor:
    """(N, H, W) → bool (N, H, W): True where a 4-neighbour holds another label."""
    edge = torch.zeros_like(labels, dtype=torch.bool)
    dx = labels[:, :, 1:] != labels[:, :, :-1]
    dy = labels[:, 1:, :] != labels[:, :-1, :]
    edge[:, :, 1:] |= dx
    edge[:, :, :-1] |= dx
    edge[:, 1:, :] |= dy
    edge[:, :-1, :] |= dy
    return edge


def fold_spectral_norm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Replace every `X.weight_orig`, `X.weight_u`, `X.weight_v` by the plain `X.weight` that an
    eval-mode spectral norm computes from them: W / (u · (W_mat v))."""
    folded = {k: v for k, v in state.items() if not k.endswith(("weight_orig", "weight_u",
                                                                 "weight_v"))}
    for key, weight in state.items():
        if not key.endswith(".weight_orig"):
            continue
        base = key[: -len("_orig")]
        u, v = state[base + "_u"], state[base + "_v"]
        sigma = torch.dot(u, weight.reshape(weight.shape[0], -1) @ v)
        folded[base] = weight / sigma
    return folded
