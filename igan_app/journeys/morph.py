"""The morph journey: photo A into photo B, for the morph view and `igan morph`.

Both photos are projected onto the manifold through their largest centred square, one copy of
the generator is tuned on both photos at once (pivotal tuning, each photo's latent its pivot:
`engine.tuning`), so that the path starts at photo A's picture and ends at photo B's; the tuned
generator renders the latent path between the two projections, and `engine.morph.morph`
carries that motion onto the photos and blends them. Every step yields plain data: `Progress`
while it works, `Morphed` at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from igan_app.journeys.edit import projection as project_photo
from igan_app.journeys.edit import render_between
from igan_app.journeys.models import (
    DEFAULT_FEATURES,
    FeatureChoice,
    ModelCache,
    Models,
    Progress,
)

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.tuning import TuningConfig, TuningStep

PHOTO_LABELS = ("A", "B")


@dataclass(frozen=True)
class Morphed:
    """The morph's result: `frames`, RGB uint8 (size, size, 3) from A to B; `generated`, the
    generator's pictures along the latent path (model resolution); `seconds` the whole job took,
    model loading included; `tuned_psnr`, photo A's and photo B's reconstruction by the tuned
    generator in dB (None when it was not tuned)."""

    frames: list[np.ndarray]
    generated: list[np.ndarray]
    seconds: float
    tuned_psnr: tuple[float, float] | None = None


def projection_steps(config: ProjectionConfig) -> int:
    """How many steps `engine.projection.project` yields for `config` (at most: a time budget
    can end it early). The encoder yields its prediction alone; Adam yields step 0 and then one
    per step."""
    return 1 if config.method == "encoder" else config.steps + 1


def check_photo(photo: np.ndarray, label: str, resolution: int) -> None:
    """Refuse a photo the model's frame cannot be cut from without upscaling; one-line message."""
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"photo {label} must be RGB uint8 (H, W, 3), got {photo.dtype} "
                         f"{photo.shape}")
    from igan_app.engine.frame import check_fits  # cv2: not paid for by the view's import

    check_fits(photo.shape[:2], resolution, f"photo {label}")


def morphing(cache: ModelCache, model: str, device: str | None, photo_a: np.ndarray,
             photo_b: np.ndarray, *, frames: int = 16, size: int = 512, mode: str = "both",
             path: str = "linear", projection: ProjectionConfig | None = None,
             tuning: TuningConfig | None = None, features: FeatureChoice = DEFAULT_FEATURES,
             blend: str = "pyramid") -> Iterator[Progress | Morphed]:
    """Morph `photo_a` into `photo_b` (RGB uint8, any size of at least the model's resolution).

    model: registry name or folder; device: "cpu", "cuda", … (None: auto). frames: output frames,
    both photos included (at least 2); size: side of the square output frames in pixels;
    mode: what the morph carries ("both", "motion" or "color"); path: the latent path
    ("linear" or "slerp"); projection: how each photo is projected (None: the defaults);
    tuning: how the generator is tuned on both photos (None: the defaults; 0 steps: not tuned,
    the path is the shipped generator's); features: the feature network the projections and
    the tuning compare with; blend: how the carried photos are put together
    (`engine.morph.MORPH_BLENDS`).

    Yields Progress whose `done` grows monotonically over one `total` (projection steps of A,
    then of B, then the tuning's steps, then one per output frame), and finally one Morphed.
    Raises ValueError for a bad argument or a photo smaller than the model's frame, and the
    registry's error for an unknown model, before any long work starts.
    """
    from igan_app.engine.frame import Frame
    from igan_app.engine.morph import MORPH_BLENDS, morph
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.tuning import TuningConfig

    if frames < 2:
        raise ValueError(f"a morph needs at least 2 frames, got {frames}")
    if size < 1:
        raise ValueError(f"the frame size must be positive, got {size}")
    if blend not in MORPH_BLENDS:
        raise ValueError(f"unknown morph blend {blend!r}; choose one of {', '.join(MORPH_BLENDS)}")
    started = time.perf_counter()
    config = projection or ProjectionConfig()
    tune_config = TuningConfig() if tuning is None else tuning
    models = cache.manifold(model, device, features)
    photos = (photo_a, photo_b)
    # Both checks come first, so a small photo B fails at once rather than after A's projection.
    for label, photo in zip(PHOTO_LABELS, photos):
        check_photo(photo, label, models.resolution)

    per_photo = projection_steps(config)
    # tune() yields step 0, the untouched copy, and then one per Adam step.
    tune_steps = tune_config.steps + 1 if tune_config.steps else 0
    total = 2 * per_photo + tune_steps + frames
    regions, latents = [], []
    for index, (label, photo) in enumerate(zip(PHOTO_LABELS, photos)):
        what = f"projecting photo {label}"
        offset = index * per_photo
        frame = Frame.centre(photo.shape[:2], models.resolution)
        yield Progress(what, offset, total)
        last = None
        for last in project_photo(cache, model, device, photo, frame, config, features):
            yield Progress(what, offset + min(last.step + 1, per_photo), total)
        if last is None:
            raise RuntimeError(f"the projection of photo {label} yielded no result")
        latents.append(last.latent)
        left, top, right, bottom = frame.box
        regions.append(photo[top:bottom, left:right])

    done = 2 * per_photo
    tuned_psnr = None
    if tune_steps:
        tuned = None
        for tuned in tune_on_both(models, regions, latents, tune_config):
            yield Progress("tuning the generator on both photos", done + tuned.step + 1, total)
        assert tuned is not None
        models = replace(models, manifold=tuned.manifold)
        tuned_psnr = (tuned.psnrs[0], tuned.psnrs[1])
        done += tune_steps
    yield Progress("rendering the path", done, total)
    generated = list(render_between(models, latents[0], latents[1], frames, path).images)
    output = []
    for step in morph(regions[0], regions[1], generated, size=size, mode=mode, blend_with=blend):
        output.append(step.image)
        yield Progress("morphing", done + step.index + 1, total)
    yield Morphed(output, generated, time.perf_counter() - started, tuned_psnr)


def tune_on_both(models: Models, regions: list[np.ndarray], latents: list[np.ndarray],
                 config: TuningConfig) -> Iterator[TuningStep]:
    """`engine.tuning.tune` of one copy of `models`' generator on the photos' regions (any size,
    resized to the model's frame) around their latents (d,): the steps, the last holding the
    generator that draws both photos."""
    import torch

    from igan_app import imaging
    from igan_app.engine.frame import resize_square
    from igan_app.engine.tuning import tune

    target = torch.cat([imaging.to_tensor(resize_square(region, models.resolution),
                                          models.device) for region in regions])
    z = torch.from_numpy(np.stack(latents).astype(np.float32)).to(models.device)
    features = None if models.features is None else models.features.model
    yield from tune(models.manifold, target, z, config, features)


__all__ = ["PHOTO_LABELS", "Morphed", "check_photo", "morphing", "projection_steps",
           "tune_on_both"]
