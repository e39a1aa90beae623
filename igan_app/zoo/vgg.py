"""The VGG16 feature network (torchvision's architecture), for perceptual distances.

Layer indices and parameter names equal torchvision's `vgg16().features`, so ImageNet weights
load unchanged. Which weights are used is decided in one place, `load_feature_network`:
`--vgg-weights PATH`, else torchvision's cached ImageNet file, else the project's own weights
trained on the world (models/vgg16-world). The answer names its source for results' metadata.
"""

from __future__ import annotations

import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from igan_app.zoo.checkpoint import CheckpointError, load_checkpoint, register_architecture

log = logging.getLogger(__name__)

# torchvision's configuration "D"; numbers are conv widths, "M" a 2×2 max-pool.
VGG16_LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)
# Index in `features` of the ReLU after each named convolution.
TAPS = {"relu1_1": 1, "relu1_2": 3, "relu2_1": 6, "relu2_2": 8, "relu3_1": 11, "relu3_2": 13,
        "relu3_3": 15, "relu4_1": 18, "relu4_2": 20, "relu4_3": 22, "relu5_1": 25,
        "relu5_2": 27, "relu5_3": 29}
TAP_CHANNELS = {"relu1": 64, "relu2": 128, "relu3": 256, "relu4": 512, "relu5": 512}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGENET_FILE = "vgg16-397923af.pth"  # torchvision's name for its ImageNet VGG16 weights
WORLD_MODEL = "vgg16-world"


def tap_channels(tap: str) -> int:
    return TAP_CHANNELS[tap.split("_")[0]]


@register_architecture("vgg16-features")
class VGG16Features(nn.Module):
    """Image (N, 3, H, W) in [-1, 1] → the activations at the requested taps.

    last: the deepest tap kept (layers after it are not built), e.g. "relu4_3".
    Inputs are normalised with ImageNet's mean and deviation whatever the weights, so ImageNet
    and world weights see the same numbers.
    """

    def __init__(self, last: str = "relu4_3"):
        super().__init__()
        if last not in TAPS:
            raise ValueError(f"unknown VGG16 tap {last!r}; known taps: {', '.join(TAPS)}")
        self.last = last
        layers: list[nn.Module] = []
        channels = 3
        for item in VGG16_LAYOUT:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, int(item), 3, padding=1), nn.ReLU(inplace=True)]
                channels = int(item)
        self.features = nn.Sequential(*layers[:TAPS[last] + 1])
        # Not persistent: the state dict stays exactly torchvision's.
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, image: torch.Tensor, taps: tuple[str, ...] | None = None) -> list[torch.Tensor]:
        taps = taps or (self.last,)
        wanted = {}
        for tap in taps:
            if tap not in TAPS or TAPS[tap] > TAPS[self.last]:
                raise ValueError(f"tap {tap!r} is not in this network (up to {self.last})")
            wanted[TAPS[tap]] = tap
        x = ((image + 1) / 2 - self.mean) / self.std
        found: dict[str, torch.Tensor] = {}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in wanted:
                # The in-place ReLU after a tap would change what was returned; clone the tap.
                found[wanted[index]] = x.clone() if index < len(self.features) - 1 else x
                if len(found) == len(wanted):
                    break
        return [found[tap] for tap in taps]


@dataclass
class FeatureNetwork:
    """A loaded feature network and where its weights came from (for results' metadata)."""

    model: VGG16Features
    source: str  # "imagenet" or "world"
    path: Path

    def describe(self) -> str:
        return f"VGG16 {self.source} weights ({self.path})"


def imagenet_cache_path() -> Path:
    """Where torchvision keeps its downloaded VGG16 weights on this machine."""
    return Path(torch.hub.get_dir()) / "checkpoints" / IMAGENET_FILE


def load_imagenet(path: str | os.PathLike, last: str = "relu4_3") -> VGG16Features:
    """VGG16 features from a torchvision ImageNet file, read with weights_only=True."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as err:
        raise CheckpointError(path, f"cannot read VGG16 weights: {err}") from None
    if not isinstance(state, dict):
        raise CheckpointError(path, "is not a VGG16 state dict")
    model = VGG16Features(last)
    wanted = model.state_dict()
    picked = {key: state[key] for key in wanted if key in state}
    missing = [key for key in wanted if key not in state]
    if missing:
        raise CheckpointError(path, f"is not a VGG16 checkpoint: missing {', '.join(missing[:4])}")
    shapes = [key for key in wanted if tuple(picked[key].shape) != tuple(wanted[key].shape)]
    if shapes:
        raise CheckpointError(path, f"has VGG16 tensors of the wrong shape: {', '.join(shapes)}")
    model.load_state_dict(picked, strict=True)
    return model.eval()


def load_feature_network(weights: str | os.PathLike | None = None, *,
                         device: torch.device | str = "cpu",
                         world_model: str | os.PathLike | None = None) -> FeatureNetwork:
    """The feature network this machine can use, frozen and in eval mode.

    weights: an ImageNet VGG16 file (torchvision's layout) to use; None looks in torchvision's
        cache, then falls back to the world-trained checkpoint (`world_model`, or the registry's
        vgg16-world).
    """
    if weights is not None:
        path, model, source = Path(weights), load_imagenet(weights), "imagenet"
    elif imagenet_cache_path().is_file():
        path, source = imagenet_cache_path(), "imagenet"
        model = load_imagenet(path)
    else:
        if world_model is None:
            from igan_app.zoo.registry import ModelRegistry

            loaded = ModelRegistry().load(WORLD_MODEL, expected_kind="vgg16-features")
        else:
            loaded = load_checkpoint(world_model, expected_kind="vgg16-features")
        path, model, source = loaded.path, loaded.model, "world"
    log.info("feature network: VGG16 %s weights from %s", source, path)
    model = model.to(device).eval().requires_grad_(False)
    return FeatureNetwork(model, source, path)
