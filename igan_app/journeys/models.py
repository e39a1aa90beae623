"""The models the journeys run on, loaded once per (model, device), and what every journey yields
while it has no picture yet."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from igan_app.engine.paint import Painter
    from igan_app.zoo.dcgan import Manifold
    from igan_app.zoo.vgg import FeatureNetwork

DEFAULT_MANIFOLD = "landscape64"  # the manifold the editor, the morph and `igan edit` start on


@dataclass(frozen=True)
class Progress:
    """A step of a journey that has no picture yet: `what` is done `done` of `total`."""

    what: str
    done: int
    total: int


@dataclass(frozen=True)
class FeatureChoice:
    """Which VGG16 weights a projection compares pictures with. vgg_weights: ImageNet weights
    (torchvision's .pth); world_model: a vgg16-features model folder; both None: torchvision's
    cache, else the installed world-trained weights."""

    vgg_weights: Path | None = None
    world_model: Path | None = None


DEFAULT_FEATURES = FeatureChoice()


@dataclass(frozen=True)
class Models:
    """A manifold and the feature network its projection uses, on one device."""

    name: str
    manifold: Manifold
    features: FeatureNetwork
    device: torch.device

    @property
    def resolution(self) -> int:
        return self.manifold.resolution

    def describe(self) -> str:
        from igan_app.device import describe

        return f"{self.name} on {describe(self.device)}, VGG16 {self.features.source} weights"


class ModelCache:
    """Loaded models by what they are, name and device: manifolds (with their feature network)
    and painters. Loading happens in the journey's first step, on the thread that runs it (the
    GUI's worker); the lock guards against a second caller (a test, a second worker)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def manifold(self, name: str | Path, device: str | None = None,
                 features: FeatureChoice = DEFAULT_FEATURES) -> Models:
        """The models for manifold `name` (registry name or folder) on `device` ("auto", "cpu",
        "cuda", …; None: auto). Raises the registry's or the device's error."""
        from igan_app.zoo.registry import load_model
        from igan_app.zoo.vgg import load_feature_network

        def load(torch_device) -> Models:
            loaded = load_model(name, expected_kind="dcgan-manifold", device=torch_device)
            network = load_feature_network(features.vgg_weights, device=torch_device,
                                           world_model=features.world_model)
            return Models(Path(name).name, loaded.model, network, torch_device)

        return self._get(("manifold", features), name, device, load)

    def painter(self, name: str | Path, device: str | None = None) -> Painter:
        """The painter of paint model `name` (registry name or folder) on `device` (None: auto).
        Raises the registry's, the checkpoint's or the device's error."""
        from igan_app.engine.paint import PAINT_KINDS, Painter
        from igan_app.zoo.registry import load_model

        def load(torch_device) -> Painter:
            loaded = load_model(name, expected_kind=PAINT_KINDS, device=torch_device)
            return Painter.from_checkpoint(loaded, str(name))

        return self._get(("painter",), name, device, load)

    def _get(self, what: tuple, name: str | Path, device: str | None,
             load: Callable[[Any], Any]) -> Any:
        from igan_app.device import pick_device

        torch_device = pick_device(device)
        key = (*what, str(name), str(torch_device))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load(torch_device)
            return self._loaded[key]


__all__ = ["DEFAULT_FEATURES", "DEFAULT_MANIFOLD", "FeatureChoice", "ModelCache", "Models", "Progress"]
