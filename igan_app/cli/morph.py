"""`igan morph`: one photo into another through the manifold, headless.

The handler turns its options into a MorphJob and runs it through `igan_app.journeys.morph`, the
code the GUI's morph view runs; `igan demo` runs the same job.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from igan_app.cli.common import (
    CommandError,
    at_least_two,
    command_line,
    feature_choice,
    follow,
    option_words,
    positive,
    projection_config,
    projection_options,
    projection_words,
    read_photo,
    transfer_options,
)
from igan_app.journeys.models import (
    DEFAULT_FEATURES,
    DEFAULT_MANIFOLD,
    FeatureChoice,
    ModelCache,
)

if TYPE_CHECKING:
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.tuning import TuningConfig


def add_commands(commands: argparse._SubParsersAction) -> None:
    morph = commands.add_parser("morph", help="morph one photo into another through the manifold")
    morph.add_argument("photo_a", type=Path, help="the first photo")
    morph.add_argument("photo_b", type=Path, help="the last photo")
    morph.add_argument("--frames", type=at_least_two, default=16,
                       help="frames from A to B, both included (default 16)")
    morph.add_argument("--out", type=Path, required=True,
                       help="morph.gif, morph.mp4, or a folder for PNG frames")
    morph.add_argument("--size", type=positive, default=512, help="frame side in pixels "
                       "(default 512)")
    morph.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    transfer_options(morph, carried="flow carries onto the photos", path="latent path")
    projection_options(morph, with_region=False, with_tuning=True, tuned_what="both photos",
                       tuned_it="them and the path starts and ends at the photos")
    morph.set_defaults(handler=_morph)


@dataclass(frozen=True)
class MorphJob:
    """`igan morph`: `frames` pictures of `size`² from `photo_a` to `photo_b`, both included,
    written to `out` (a .gif, an .mp4, or a folder for PNG frames) at `fps`. mode: what the flow
    carries; path: the latent path; projection, model, features: how both photos are
    projected; tune_steps: the generator's tuning on both photos (None: the default steps;
    0: none)."""

    photo_a: Path
    photo_b: Path
    out: Path
    projection: ProjectionConfig
    frames: int = 16
    size: int = 512
    fps: float = 10.0
    mode: str = "both"
    path: str = "linear"
    model: str = DEFAULT_MANIFOLD
    features: FeatureChoice = DEFAULT_FEATURES
    tune_steps: int | None = None

    def command(self) -> str:
        """The equivalent `igan morph …` command."""
        return command_line(
            "morph", self.photo_a, self.photo_b,
            # The frame count is always shown: it says what the animation is.
            *option_words((("--frames", self.frames, None), ("--size", self.size, 512),
                           ("--fps", self.fps, 10.0), ("--mode", self.mode, "both"),
                           ("--path", self.path, "linear"))),
            "--out", self.out,
            *projection_words(self.model, self.projection, self.features, self.tune_steps))

    def tuning(self) -> TuningConfig | None:
        """The tuning config the job asks for (None: the defaults)."""
        if self.tune_steps is None:
            return None
        from igan_app.engine.tuning import tuning_config

        return tuning_config(self.tune_steps)


def morph_job(args: argparse.Namespace) -> MorphJob:
    """The job the options of `igan morph` ask for."""
    return MorphJob(args.photo_a, args.photo_b, args.out, projection_config(args),
                    frames=args.frames, size=args.size, fps=args.fps, mode=args.mode,
                    path=args.path, model=args.model, features=feature_choice(args),
                    tune_steps=args.tune_steps)


def _morph(args: argparse.Namespace) -> int:
    run_morph(morph_job(args), args.device)
    return 0


def _check_animation_output(path: Path) -> None:
    if path.suffix and path.suffix.lower() not in (".gif", ".mp4"):
        raise CommandError(f"{path}: the morph goes to a .gif, an .mp4 or a folder (no suffix)")


def run_morph(job: MorphJob, device: str | None, cache: ModelCache | None = None) -> None:
    """Do what `job` asks on `device` (None: auto), printing a summary line."""
    from igan_app import imaging
    from igan_app.device import describe
    from igan_app.journeys.morph import morphing

    _check_animation_output(job.out)
    started = time.perf_counter()
    cache = cache or ModelCache()
    models = cache.manifold(job.model, device, job.features)
    # Read and checked here, so that a mistake names the file rather than "photo A".
    photos = [read_photo(path, models.resolution) for path in (job.photo_a, job.photo_b)]
    morphed = follow(morphing(cache, job.model, device, *photos, frames=job.frames,
                              size=job.size, mode=job.mode, path=job.path,
                              projection=job.projection, tuning=job.tuning(),
                              features=job.features))
    written = imaging.write_animation(job.out, morphed.frames, fps=job.fps)
    where = job.out if len(written) == 1 else f"{job.out}/ ({len(written)} PNG frames)"
    tuned = ""
    if morphed.tuned_psnr is not None:
        psnr_a, psnr_b = morphed.tuned_psnr
        tuned = f"generator tuned on both photos ({psnr_a:.1f} and {psnr_b:.1f} dB), "
    print(f"morphed {job.photo_a.name} → {job.photo_b.name}, {job.frames} frames at "
          f"{job.size}² in {time.perf_counter() - started:.1f} s on {describe(models.device)}, "
          f"{tuned}{models.features.describe()} → {where}")


__all__ = ["MorphJob", "add_commands", "morph_job", "run_morph"]
