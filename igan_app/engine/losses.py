"""Image distances shared by projection, encoder training and the metrics.

The reconstruction loss is iGAN's: per-pixel squared error plus λ times a squared distance of
deep features. iGAN compared AlexNet conv4 features of the image upscaled 64 → 256; here the
feature network is VGG16 at relu3_3, and images smaller than 64 px are upscaled to 64 first so
the tap still sees a 16×16 map. (Upscaling 64 → 128 as well costs 4× on a CPU.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from igan_app.zoo.vgg import VGG16Features

FEATURE_TAPS = ("relu3_3",)
# λ: with vgg16-world, two different held-out scenes are about 7 apart in features and 0.3 in
# pixels (`igan eval features`), so λ = 0.1 gives both terms the same order of size.
FEATURE_WEIGHT = 0.1
MIN_FEATURE_SIDE = 64  # CPU cost: relu3_3 at 128 px is 4x the work at 64 px


def pixel_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image mean squared error of images in [-1, 1]: (N,)."""
    return (a - b).pow(2).flatten(1).mean(1)


def _upscaled(x: torch.Tensor) -> torch.Tensor:
    side = min(x.shape[-2:])
    if side >= MIN_FEATURE_SIDE:
        return x
    scale = MIN_FEATURE_SIDE / side
    return F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)


def feature_distance(features: VGG16Features, a: torch.Tensor, b: torch.Tensor,
                     taps: tuple[str, ...] = FEATURE_TAPS) -> torch.Tensor:
    """Per-image mean squared difference of VGG16 activations, averaged over taps: (N,)."""
    fa = features(_upscaled(a), taps)
    fb = features(_upscaled(b), taps)
    total = torch.zeros(a.shape[0], device=a.device)
    for x, y in zip(fa, fb):
        total = total + (x - y).pow(2).flatten(1).mean(1)
    return total / len(taps)


def reconstruction_loss(features: VGG16Features | None, a: torch.Tensor, b: torch.Tensor,
                        weight: float = FEATURE_WEIGHT) -> torch.Tensor:
    """Per-image pixel L2 + weight · feature distance: (N,). No features: pixels only."""
    loss = pixel_distance(a, b)
    if features is not None and weight:
        loss = loss + weight * feature_distance(features, a, b)
    return loss


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image peak signal-to-noise ratio in dB for images in [-1, 1] (peak-to-peak 2): (N,)."""
    mse = pixel_distance(a, b).clamp_min(1e-12)
    return 10 * torch.log10(4.0 / mse)


class ReconstructionLoss:
    """`reconstruction_loss` against one fixed target, whose features are computed once.

    target: (1, 3, H, W) in [-1, 1]; calling with (N, 3, H, W) gives (N,). Projection calls this
    hundreds of times against the same photo, and the target's half of the feature work is spent
    only here.
    """

    def __init__(self, features: VGG16Features | None, target: torch.Tensor,
                 weight: float = FEATURE_WEIGHT, taps: tuple[str, ...] = FEATURE_TAPS):
        self.features, self.target, self.weight, self.taps = features, target, weight, taps
        self.target_features: list[torch.Tensor] = []
        if features is not None and weight:
            with torch.no_grad():
                self.target_features = features(_upscaled(target), taps)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        loss = pixel_distance(images, self.target)
        if self.target_features:
            total = torch.zeros(images.shape[0], device=images.device)
            for x, y in zip(self.features(_upscaled(images), self.taps), self.target_features):
                total = total + (x - y).pow(2).flatten(1).mean(1)
            loss = loss + self.weight * total / len(self.taps)
        return loss
