"""The models the journeys run on, loaded once per (model, device), and what every journey yields
while it has no picture yet."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from igan_app.engine.session_tuned import TunedWeights

if TYPE_CHECKING:
    import torch

    from igan_app.engine.paint import Painter
    from igan_app.zoo.dcgan import Manifold
    from igan_app.zoo.vgg import FeatureNetwork

DEFAULT_MANIFOLD = "landscape64"  # the manifold the editor, the morph and `igan edit` start on
TUNED_KEPT = 4  # generators tuned on photos the cache holds at once; older ones are dropped


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
    """A manifold and the feature network its projection uses (None for the jobs that only
    generate: editing, paths, transfer), on one device."""

    name: str
    manifold: Manifold
    features: FeatureNetwork | None
    device: torch.device

    @property
    def resolution(self) -> int:
        return self.manifold.resolution

    def describe(self) -> str:
        from igan_app.device import describe

        weights = "" if self.features is None else f", VGG16 {self.features.source} weights"
        return f"{self.name} on {describe(self.device)}{weights}"


class ModelCache:
    """Loaded models by what they are, name and device: manifolds, feature networks and
    painters. Loading happens in the journey's first step, on the thread that runs it (the
    GUI's worker); the lock guards against a second caller (a test, a second worker)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._tuned: list[tuple] = []  # the keys of the tuned manifolds held, oldest first
        self._issued: set[str] = set()  # every name hold_tuned gave
        # The name each TunedWeights is held under (an entry goes with its weights).
        self._names: weakref.WeakKeyDictionary[TunedWeights, str] = weakref.WeakKeyDictionary()

    def manifold(self, name: str | Path, device: str | None = None,
                 features: FeatureChoice | None = DEFAULT_FEATURES) -> Models:
        """The models for manifold `name` (registry name or folder) on `device` ("auto", "cpu",
        "cuda", …; None: auto), with the feature network `features` asks for (None: none, for
        jobs that only generate). Raises the registry's or the device's error."""
        from igan_app.device import pick_device
        from igan_app.zoo.registry import MANIFOLD_KINDS, load_model
        from igan_app.zoo.vgg import load_feature_network

        torch_device = pick_device(device)

        def load():
            if str(name) in self._issued:
                raise ValueError(f"the tuned generator {name} is no longer held; tune again")
            return load_model(name, expected_kind=MANIFOLD_KINDS, device=torch_device).model

        manifold = self._get(_key("manifold", name, torch_device), load)
        network = None if features is None else self._get(
            _key("features", features, torch_device), lambda: load_feature_network(
                features.vgg_weights, device=torch_device, world_model=features.world_model))
        return Models(Path(name).name, manifold, network, torch_device)

    def hold_tuned(self, model: str | Path, device: str | None, manifold: Manifold) -> str:
        """Hold `manifold`, a copy of manifold `model` tuned on a photo, on `device`; the name
        under which `manifold(name, device)` answers with it from now on (the features are
        `model`'s). The oldest beyond TUNED_KEPT are let go."""
        from igan_app.device import pick_device

        with self._lock:
            name = f"{Path(str(model)).name}~tuned{len(self._issued) + 1}"
            self._issued.add(name)
            key = _key("manifold", name, pick_device(device))
            self._loaded[key] = manifold
            self._tuned.append(key)
            while len(self._tuned) > TUNED_KEPT:
                self._loaded.pop(self._tuned.pop(0), None)
        return name

    def weights_of(self, name: str, base: str | Path, device: str | None) -> TunedWeights:
        """The weights of tuned generator `name` (held on `device`, tuned from manifold `base`)
        as `TunedWeights`, copied to the CPU; `hold_weights` answers them with `name` while it
        is held."""
        models = self.manifold(name, device, features=None)
        state = {key: value.detach().cpu().numpy().copy()
                 for key, value in models.manifold.generator.state_dict().items()}
        weights = TunedWeights(str(base), state)
        with self._lock:
            self._names[weights] = name
        return weights

    def hold_weights(self, weights: TunedWeights, device: str | None) -> str:
        """The name of the generator `weights` describe, held on `device`: the one already held
        for them, else `weights.base` with its generator's weights replaced (a session's tuned
        generator, or one let go since), held as `hold_tuned` holds a tuned copy. Raises the
        registry's error for the base, and ValueError for weights that do not fit it."""
        import copy

        import torch

        from igan_app.device import pick_device

        with self._lock:
            name = self._names.get(weights)
            if name is not None and _key("manifold", name, pick_device(device)) in self._loaded:
                return name
        base = self.manifold(weights.base, device, features=None)
        manifold = copy.deepcopy(base.manifold)
        shapes = {key: value.shape for key, value in manifold.generator.state_dict().items()}
        # A file may give a scalar (a batch norm's count) back as one value: same size, reshaped.
        state = {key: torch.from_numpy(value.reshape(shapes[key]) if key in shapes
                                       and value.size == shapes[key].numel() else value)
                 for key, value in weights.generator.items()}
        try:
            manifold.generator.load_state_dict(state)
        except RuntimeError as err:
            raise ValueError(f"the tuned weights do not fit {weights.base}: "
                             f"{str(err).splitlines()[0]}") from None
        name = self.hold_tuned(weights.base, device, manifold.eval().requires_grad_(False))
        with self._lock:
            self._names[weights] = name
        return name

    def painter(self, name: str | Path, device: str | None = None) -> Painter:
        """The painter of paint model `name` (registry name or folder) on `device` (None: auto).
        Raises the registry's, the checkpoint's or the device's error."""
        from igan_app.device import pick_device
        from igan_app.engine.paint import PAINT_KINDS, Painter
        from igan_app.zoo.registry import load_model

        torch_device = pick_device(device)

        def load() -> Painter:
            loaded = load_model(name, expected_kind=PAINT_KINDS, device=torch_device)
            return Painter.from_checkpoint(loaded, str(name))

        return self._get(_key("painter", name, torch_device), load)

    def _get(self, key: tuple, load: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load()
            return self._loaded[key]


def _key(what: str, name: object, device: object) -> tuple[str, str, str]:
    """What a loaded model is held under: its kind of model, its name and its device."""
    return what, str(name), str(device)


__all__ = ["DEFAULT_FEATURES", "DEFAULT_MANIFOLD", "TUNED_KEPT", "FeatureChoice", "ModelCache",
           "Models", "Progress", "TunedWeights"]
