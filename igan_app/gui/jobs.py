"""The GUI's model jobs: generators the model worker runs, one step at a time, off the GUI thread.

Each job takes plain data (numpy arrays, strokes, configs) and yields plain data: the tensors
stay on the worker thread, and pictures arrive as RGB uint8 arrays the widgets can show at once.
Models are loaded by the first job that needs them (`ModelCache.get`), so loading never blocks the
GUI either. Nothing here imports Qt; the tests drive these generators directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from igan_app.engine.editing import EditConfig
    from igan_app.engine.frame import Frame
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.strokes import StrokeSet
    from igan_app.zoo.dcgan import Manifold
    from igan_app.zoo.vgg import FeatureNetwork


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
    """Loaded models by (name, device). Loading happens inside jobs, on the worker thread; the
    lock only guards against a second caller (a test, a future second worker)."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, str], Models] = {}
        self._lock = threading.Lock()

    def get(self, name: str, device: str | None = None) -> Models:
        """The models for manifold `name` (registry name or folder) on `device` ("auto", "cpu",
        "cuda", …; None: auto). Raises the registry's or the device's error, as data for the GUI."""
        from igan_app.device import pick_device
        from igan_app.zoo.registry import load_model
        from igan_app.zoo.vgg import load_feature_network

        torch_device = pick_device(device)
        key = (str(name), str(torch_device))
        with self._lock:
            if key not in self._models:
                loaded = load_model(name, expected_kind="dcgan-manifold", device=torch_device)
                features = load_feature_network(device=torch_device)
                self._models[key] = Models(Path(name).name, loaded.model, features, torch_device)
            return self._models[key]


# --- projection -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Projected:
    """A projection step: `latent` (latent_dim,) float32 and `image` (r, r, 3) uint8, the best so
    far; step of total; done on the last one."""

    step: int
    total: int
    latent: np.ndarray
    image: np.ndarray
    loss: float
    done: bool


def projection(cache: ModelCache, model: str, device: str | None, photo: np.ndarray,
               frame: Frame, config: ProjectionConfig | None = None) -> Iterator[Projected]:
    """Project `frame.crop(photo)` onto the manifold, yielding every step."""
    from igan_app import imaging
    from igan_app.engine.projection import ProjectionConfig, project

    models = cache.get(model, device)
    target = imaging.to_tensor(frame.crop(photo), models.device)
    for step in project(models.manifold, target, config or ProjectionConfig(),
                        models.features.model):
        yield Projected(step.step, step.total, step.latent[0].detach().cpu().numpy(),
                        imaging.to_uint8(step.image[0]), float(step.loss), step.done)


# --- editing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidates:
    """An edit step: the K kept candidates, best first — latents (K, d) float32, images
    (K, r, r, 3) uint8, costs (K,) — and every start's latent (N, d), to continue from when the
    strokes change. iteration of total; ms per Adam iteration."""

    iteration: int
    total: int
    latents: np.ndarray
    images: np.ndarray
    costs: tuple[float, ...]
    starts: np.ndarray
    ms: float


def editing(cache: ModelCache, model: str, device: str | None, strokes: StrokeSet, frame: Frame,
            anchor: np.ndarray, current: np.ndarray, config: EditConfig,
            starts: np.ndarray | None = None, keep_weight: float = 1.0) -> Iterator[Candidates]:
    """Optimize latents around `anchor` (d,) against `strokes`; `current` is the picture before
    the edit (r, r, 3) uint8 (the keep term and warps read it). `starts` (N, d) continues an
    earlier edit (None: fresh starts around the anchor). Yields nothing when no stroke reaches
    the frame."""
    import torch

    from igan_app import imaging
    from igan_app.engine.constraints import Constraints
    from igan_app.engine.editing import edit
    from igan_app.engine.rasterize import rasterize

    models = cache.get(model, device)
    targets = rasterize(strokes, frame, current=current)
    if targets.is_empty:
        return
    constraints = Constraints(targets, models.device, keep=current, keep_weight=keep_weight)
    z0 = torch.from_numpy(np.asarray(anchor, np.float32)).reshape(1, -1).to(models.device)
    begin = None
    if starts is not None and len(starts) == config.starts:
        begin = torch.from_numpy(np.asarray(starts, np.float32)).to(models.device)
    for step in edit(models.manifold, z0, constraints.cost, config, starts=begin):
        yield Candidates(step.iteration, step.total, step.candidates.cpu().numpy(),
                         imaging.to_uint8(step.images), tuple(step.costs),
                         step.latents.cpu().numpy(), step.ms)


# --- the path from the anchor to a candidate, and the transfer onto the photo ---------------

def path_point(anchor: np.ndarray, target: np.ndarray, t: float, mode: str = "linear",
               ) -> np.ndarray:
    """The latent a fraction t ∈ [0, 1] of the way from `anchor` to `target` (both (d,))."""
    import torch

    from igan_app.engine.interpolation import points_on_path

    a = torch.from_numpy(np.asarray(anchor, np.float32))
    b = torch.from_numpy(np.asarray(target, np.float32))
    return points_on_path(a, b, torch.tensor([float(t)]), mode)[0].numpy().copy()


@dataclass(frozen=True)
class PathFrames:
    """The generated frames (n, r, r, 3) uint8 from the anchor to a candidate, both included,
    and their latents (n, d)."""

    images: np.ndarray
    latents: np.ndarray


def render_between(models: Models, start: np.ndarray, end: np.ndarray, count: int,
                   mode: str = "linear") -> PathFrames:
    """The generator's `count` pictures on the latent path from `start` to `end` (both (d,))."""
    import torch

    from igan_app import imaging
    from igan_app.engine.interpolation import interpolate, render_path

    latents = interpolate(torch.from_numpy(np.asarray(start, np.float32)),
                          torch.from_numpy(np.asarray(end, np.float32)), count, mode)
    images = imaging.to_uint8(render_path(models.manifold, latents.to(models.device)).cpu())
    return PathFrames(images, latents.numpy())


def path_frames(cache: ModelCache, model: str, device: str | None, anchor: np.ndarray,
                target: np.ndarray, count: int, mode: str = "linear") -> Iterator[PathFrames]:
    yield render_between(cache.get(model, device), anchor, target, count, mode)


@dataclass(frozen=True)
class Applied:
    """The transfer's result: the edited photo (H, W, 3) uint8 at the photo's size; seconds it
    took; the latent reached (d,) and its generated picture (r, r, 3), the new anchor."""

    photo: np.ndarray
    seconds: float
    latent: np.ndarray
    image: np.ndarray


@dataclass(frozen=True)
class Progress:
    """A step of a job that has no picture yet: `what` is done `done` of `total`."""

    what: str
    done: int
    total: int


def apply_edit(cache: ModelCache, model: str, device: str | None, photo: np.ndarray,
               frame: Frame, anchor: np.ndarray, target: np.ndarray, *, frames: int = 8,
               mode: str = "both", path: str = "linear", spread: float | None = None,
               ) -> Iterator[Progress | Applied]:
    """Carry the change from `anchor` to `target` (the chosen point on the path) onto `photo`."""
    from igan_app.engine.transfer import transfer

    started = time.perf_counter()
    models = cache.get(model, device)
    yield Progress("rendering the path", 0, 2)
    generated = list(render_between(models, anchor, target, frames, path).images)
    yield Progress("carrying the change onto the photo", 1, 2)
    options = {} if spread is None else {"spread": spread}
    edited = transfer(photo, frame.box, generated, mode, **options)
    yield Applied(edited, time.perf_counter() - started, np.asarray(target, np.float32).copy(),
                  generated[-1])
