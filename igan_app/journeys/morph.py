"""The morph journey: photo A into photo B, for the morph view and `igan morph`.

Both photos are projected onto the manifold through their largest centred square, the generator
renders the latent path between the two projections, and `engine.morph.morph` carries that
motion onto the photos and dissolves them. Every step yields plain data: `Progress` while it
works, `Morphed` at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from igan_app.journeys.edit import projection as project_photo
from igan_app.journeys.edit import render_between
from igan_app.journeys.models import DEFAULT_FEATURES, FeatureChoice, ModelCache, Progress

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig

PHOTO_LABELS = ("A", "B")


@dataclass(frozen=True)
class Morphed:
    """The morph's result: `frames`, RGB uint8 (size, size, 3) from A to B; `generated`, the
    generator's pictures along the latent path (model resolution); `seconds` the whole job took,
    model loading included."""

    frames: list[np.ndarray]
    generated: list[np.ndarray]
    seconds: float


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
             features: FeatureChoice = DEFAULT_FEATURES) -> Iterator[Progress | Morphed]:
    """Morph `photo_a` into `photo_b` (RGB uint8, any size of at least the model's resolution).

    model: registry name or folder; device: "cpu", "cuda", … (None: auto). frames: output frames,
    both photos included (at least 2); size: side of the square output frames in pixels;
    mode: what `engine.transfer` carries ("both", "motion" or "color"); path: the latent path
    ("linear" or "slerp"); projection: how each photo is projected (None: the defaults);
    features: the feature network the projections compare with.

    Yields Progress whose `done` grows monotonically over one `total` (projection steps of A,
    then of B, then one per output frame), and finally one Morphed. Raises ValueError for a bad
    argument or a photo smaller than the model's frame, and the registry's error for an unknown
    model, before any long work starts.
    """
    from igan_app.engine.frame import Frame
    from igan_app.engine.morph import morph
    from igan_app.engine.projection import ProjectionConfig

    if frames < 2:
        raise ValueError(f"a morph needs at least 2 frames, got {frames}")
    if size < 1:
        raise ValueError(f"the frame size must be positive, got {size}")
    started = time.perf_counter()
    config = projection or ProjectionConfig()
    models = cache.manifold(model, device, features)
    photos = (photo_a, photo_b)
    # Both checks come first, so a small photo B fails at once rather than after A's projection.
    for label, photo in zip(PHOTO_LABELS, photos):
        check_photo(photo, label, models.resolution)

    per_photo = projection_steps(config)
    total = 2 * per_photo + frames
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
    yield Progress("rendering the path", done, total)
    generated = list(render_between(models, latents[0], latents[1], frames, path).images)
    output = []
    for step in morph(regions[0], regions[1], generated, size=size, mode=mode):
        output.append(step.image)
        yield Progress("morphing", done + step.index + 1, total)
    yield Morphed(output, generated, time.perf_counter() - started)


__all__ = ["PHOTO_LABELS", "Morphed", "check_photo", "morphing", "projection_steps"]
