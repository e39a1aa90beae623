"""The editing journey: project a photo, tune the generator on it (optional), edit it with
strokes, render the path to a candidate, carry the change onto the full-resolution photo.

Each generator takes plain data (numpy arrays, strokes, configs) and yields plain data: the
tensors stay on the thread that runs it, and pictures come out as RGB uint8 arrays. The GUI's
editor runs these on its model worker; `igan project` and `igan edit` loop over them under a
progress bar.

Tuning leaves its generator in the cache under a name of its own (`Tuned.model`): the later steps
run on it when given that name as their `model`, and on the shipped manifold otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from igan_app.journeys.models import (
    DEFAULT_FEATURES,
    DEFAULT_MANIFOLD,
    FeatureChoice,
    ModelCache,
    Models,
    Progress,
)

if TYPE_CHECKING:

    from igan_app.engine.editing import EditConfig
    from igan_app.engine.frame import Frame
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.strokes import StrokeSet
    from igan_app.engine.tuning import TuningConfig


# --- projection -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Projected:
    """A projection step: `latent` (latent_dim,) float32 and `image` (r, r, 3) uint8, the best so
    far; step of total; done on the last one; `psnr` of the picture against the photo's frame,
    in dB (on the last step only, else None)."""

    step: int
    total: int
    latent: np.ndarray
    image: np.ndarray
    loss: float
    done: bool
    psnr: float | None = None


def projection(cache: ModelCache, model: str, device: str | None, photo: np.ndarray,
               frame: Frame, config: ProjectionConfig | None = None,
               features: FeatureChoice = DEFAULT_FEATURES) -> Iterator[Projected]:
    """Project `frame.crop(photo)` onto the manifold, yielding every step."""
    from igan_app import imaging
    from igan_app.engine.losses import psnr
    from igan_app.engine.projection import ProjectionConfig, project

    models = cache.manifold(model, device, features)
    target = imaging.to_tensor(frame.crop(photo), models.device)
    for step in project(models.manifold, target, config or ProjectionConfig(),
                        models.features.model):
        quality = float(psnr(step.image.detach(), target)[0]) if step.done else None
        yield Projected(step.step, step.total, step.latent[0].detach().cpu().numpy(),
                        imaging.to_uint8(step.image[0]), float(step.loss), step.done, quality)


# --- tuning the generator on the photo -----------------------------------------------------

@dataclass(frozen=True)
class Tuned:
    """A tuning step: step of total; loss; `psnr` of the tuned generator's picture of the
    latent against the photo's frame, in dB; ms this step took. On the last one (done): `image`
    (r, r, 3) uint8, that picture, and `model`, the name the cache holds the tuned generator
    under: give it as `model` to `editing`, `path_frames` and `apply_edit`."""

    step: int
    total: int
    loss: float
    psnr: float
    ms: float
    done: bool
    image: np.ndarray | None = None
    model: str | None = None


def tuning(cache: ModelCache, model: str, device: str | None, photo: np.ndarray, frame: Frame,
           latent: np.ndarray, config: TuningConfig | None = None,
           features: FeatureChoice = DEFAULT_FEATURES) -> Iterator[Tuned]:
    """Tune a copy of manifold `model` so that its picture of `latent` (d,), the projection's,
    is `frame.crop(photo)`, yielding every step; the shipped manifold is left as it was. Stopped
    before its last step, it holds nothing."""
    import torch

    from igan_app import imaging
    from igan_app.engine.tuning import TuningConfig, tune

    models = cache.manifold(model, device, features)
    target = imaging.to_tensor(frame.crop(photo), models.device)
    z = torch.from_numpy(np.asarray(latent, np.float32)).reshape(1, -1).to(models.device)
    for step in tune(models.manifold, target, z, config or TuningConfig(),
                     models.features.model):
        if not step.done:
            yield Tuned(step.step, step.total, step.loss, step.psnr, step.ms, False)
            continue
        with torch.no_grad():
            image = imaging.to_uint8(step.manifold.generator(z)[0])
        name = cache.hold_tuned(model, device, step.manifold)
        yield Tuned(step.step, step.total, step.loss, step.psnr, step.ms, True, image, name)


# --- editing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidates:
    """An edit step: the K kept candidates, best first — latents (K, d) float32, images
    (K, r, r, 3) uint8, costs (K,). iteration of total; ms per Adam iteration. `resume` is
    where an edit of changed strokes may continue from (`editing(..., resume=step.resume)`):
    every start's latent after this step and the point it is pulled towards
    (`engine.editing.Starts`), kept as the engine holds it, never converted or read by the
    caller — so that a stroke being drawn keeps the optimizer working towards it, as iGAN's
    optimizer thread did, each start keeping its own pull, without the latents crossing to the
    GUI on every step."""

    iteration: int
    total: int
    latents: np.ndarray
    images: np.ndarray
    costs: tuple[float, ...]
    ms: float
    resume: object = field(default=None, compare=False, repr=False)


def editing(cache: ModelCache, model: str, device: str | None, strokes: StrokeSet, frame: Frame,
            anchor: np.ndarray, current: np.ndarray, config: EditConfig, *,
            keep_weight: float | None = None, resume: object = None) -> Iterator[Candidates]:
    """Optimize latents around `anchor` (d,) against `strokes`; `current` is the picture before
    the edit (r, r, 3) uint8 (the keep term and warps read it). `resume`, an earlier step's
    `Candidates.resume` with as many starts as `config.starts`, continues that edit (None, or
    another count: fresh starts around the anchor). keep_weight: how strongly the picture away from the
    strokes is kept (None: the constraints' default). Yields nothing when no stroke reaches the
    frame."""
    import torch

    from igan_app import imaging
    from igan_app.engine.constraints import Constraints
    from igan_app.engine.editing import Starts, edit
    from igan_app.engine.rasterize import rasterize

    models = cache.manifold(model, device, features=None)
    targets = rasterize(strokes, frame, current=current)
    if targets.is_empty:
        return
    keep = {} if keep_weight is None else {"keep_weight": keep_weight}
    constraints = Constraints(targets, models.device, keep=current, **keep)
    z0 = torch.from_numpy(np.asarray(anchor, np.float32)).reshape(1, -1).to(models.device)
    begin = None
    if isinstance(resume, Starts) and len(resume) == config.starts:
        begin = resume.to(models.device)
    for step in edit(models.manifold, z0, constraints.cost, config, starts=begin):
        yield Candidates(step.iteration, step.total, step.candidates.cpu().numpy(),
                         imaging.to_uint8(step.images), tuple(step.costs), step.ms, step.starts)


# --- the path from the anchor to a candidate, and the transfer onto the photo ---------------

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
    yield render_between(cache.manifold(model, device, features=None), anchor, target, count,
                         mode)


def path_point(anchor: np.ndarray, target: np.ndarray, t: float, mode: str = "linear",
               ) -> np.ndarray:
    """The latent a fraction t ∈ [0, 1] of the way from `anchor` to `target` (both (d,))."""
    import torch

    from igan_app.engine.interpolation import points_on_path

    a = torch.from_numpy(np.asarray(anchor, np.float32))
    b = torch.from_numpy(np.asarray(target, np.float32))
    return points_on_path(a, b, torch.tensor([float(t)]), mode)[0].numpy().copy()


@dataclass(frozen=True)
class Applied:
    """The transfer's result: the edited photo (H, W, 3) uint8 at the photo's size; seconds it
    took; the latent reached (d,) and its generated picture (r, r, 3), the new anchor; `frames`,
    the generated pictures the flow followed (n, r, r, 3)."""

    photo: np.ndarray
    seconds: float
    latent: np.ndarray
    image: np.ndarray
    frames: np.ndarray


def apply_edit(cache: ModelCache, model: str, device: str | None, photo: np.ndarray,
               frame: Frame, anchor: np.ndarray, target: np.ndarray, *, t: float = 1.0,
               frames: int = 8, mode: str = "auto", path: str = "linear",
               spread: float | None = None, strokes: StrokeSet | None = None,
               transfer: str = "guided") -> Iterator[Progress | Applied]:
    """Carry the change from `anchor` to the point a fraction `t` of the way to `target` onto
    `photo`, following `frames` generated pictures.

    mode: what the transfer carries, one of TRANSFER_MODES: "auto" carries color, and motion
    too ("both") when `strokes` ask for shape (sketch lines or warps); "both", "color" or
    "motion" as they say. strokes: the edit's strokes; given, the guided transfer keeps the
    change on the painted area and the parts of the photo that look like it. transfer: one of
    TRANSFER_METHODS, "guided" (engine/guided_transfer.py, edge-aware) or "field" (iGAN's
    per-pixel field, engine/transfer.py, which ignores the strokes' area). spread: how far
    beyond the region the change reaches (None: the default)."""
    from igan_app.engine.choices import TRANSFER_METHODS
    from igan_app.engine.guided_transfer import carried_mode, guided_transfer
    from igan_app.engine.rasterize import rasterize
    from igan_app.engine.transfer import transfer as field_transfer

    if transfer not in TRANSFER_METHODS:
        raise ValueError(f"unknown transfer {transfer!r}; choose one of "
                         f"{', '.join(TRANSFER_METHODS)}")
    carried_mode(mode, False)  # checks the mode before any work
    started = time.perf_counter()
    models = cache.manifold(model, device, features=None)
    reached = np.asarray(target, np.float32) if t == 1.0 else path_point(anchor, target, t, path)
    yield Progress("rendering the path", 0, 2)
    generated = render_between(models, anchor, reached, frames, path).images
    yield Progress("carrying the change onto the photo", 1, 2)
    targets = None if strokes is None else rasterize(strokes, frame, current=generated[0])
    carried = carried_mode(mode, targets is not None and targets.has_sketch)
    options = {} if spread is None else {"spread": spread}
    if transfer == "field":
        edited = field_transfer(photo, frame.box, list(generated), carried, **options)
    else:
        painted = None if targets is None or targets.is_empty else targets.asked
        edited = guided_transfer(photo, frame.box, list(generated), carried, painted=painted,
                                 **options)
    yield Applied(edited, time.perf_counter() - started, reached.copy(), generated[-1], generated)


__all__ = ["DEFAULT_MANIFOLD", "Applied", "Candidates", "PathFrames",
           "Projected", "Tuned", "apply_edit", "editing", "path_frames", "path_point",
           "projection", "render_between", "tuning"]
