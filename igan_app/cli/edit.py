"""`igan project` and `igan edit`: the editing journey, headless.

Each handler turns its options into a job, a frozen config of what to do, and runs it through
`igan_app.journeys.edit`, the code the GUI's editor runs; `igan demo` runs the same jobs.
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
    check_output_image,
    check_photo_size,
    command_line,
    feature_choice,
    option_words,
    photo_frame,
    positive,
    progress,
    projection_config,
    projection_options,
    projection_words,
    read_photo,
    transfer_options,
)
from igan_app.engine.choices import TRANSFER_METHODS
from igan_app.journeys.models import (
    DEFAULT_FEATURES,
    DEFAULT_MANIFOLD,
    FeatureChoice,
    ModelCache,
    Progress,
)

if TYPE_CHECKING:
    import numpy as np

    from igan_app.engine.editing import EditConfig
    from igan_app.engine.frame import Frame
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.strokes import StrokeSet
    from igan_app.journeys.edit import Projected, Tuned

Box = tuple[int, int, int, int]


def add_commands(commands: argparse._SubParsersAction) -> None:
    project = commands.add_parser("project", help="project a photo onto the manifold")
    project.add_argument("photo", type=Path, help="the photo (.jpg, .png, …)")
    project.add_argument("--out", type=Path, required=True,
                         help="the reconstruction at the model's resolution (.png or .jpg)")
    projection_options(project, with_tuning=True)
    project.add_argument("--compare", type=Path, default=None,
                         help="also write the photo's frame beside its reconstruction, 4× size")
    project.set_defaults(handler=_project)

    edit = commands.add_parser("edit", help="edit a photo with strokes through the manifold")
    edit.add_argument("photo", type=Path, help="the photo (.jpg, .png, …)")
    strokes = edit.add_mutually_exclusive_group(required=True)
    strokes.add_argument("--strokes", type=Path, help="a strokes file (JSON, see the README)")
    strokes.add_argument("--color-layer", type=Path,
                         help="RGBA PNG the photo's size: every pixel with alpha > 0 asks for "
                         "its color")
    edit.add_argument("--sketch-layer", type=Path, default=None,
                      help="PNG the photo's size: every opaque dark pixel is a line")
    edit.add_argument("--out", type=Path, required=True, help="the edited photo (.png or .jpg)")
    edit.add_argument("--candidates", type=Path, default=None,
                      help="also write the reconstruction and the candidates as a grid")
    edit.add_argument("--frames", type=Path, default=None,
                      help="also write the generated frames from the photo's latent to the "
                      "chosen candidate as PNGs into this folder")
    transfer_options(edit, carried="transfer carries onto the photo",
                     path="latent path from the photo to the candidate", auto=True)
    edit.add_argument("--transfer", default="guided", choices=TRANSFER_METHODS,
                      help="how the change reaches the photo: guided (edge-aware, kept to the "
                      "strokes' area and what looks like it) or field (iGAN's per-pixel field) "
                      "(default guided)")
    edit.add_argument("--spread", type=float, default=None,
                      help="how far beyond the region the change reaches, as a fraction of the "
                      "region's side, fading out (default 1; 0 keeps it inside the region)")
    edit.add_argument("--keep-weight", type=float, default=None,
                      help="how strongly the picture away from the strokes is kept as it was "
                      "(default 1; 0: only the latent pull, as in iGAN)")
    edit.add_argument("--realism", type=float, default=0.0,
                      help="weight of the discriminator's realism term (default 0: off, as in "
                      "iGAN)")
    edit.add_argument("--edit-starts", type=positive, default=16,
                      help="latents optimized against the strokes (default 16)")
    edit.add_argument("--keep", type=positive, default=8, help="candidates kept (default 8)")
    edit.add_argument("--iterations", type=positive, default=40,
                      help="Adam iterations of the edit (default 40)")
    edit.add_argument("--pick", type=positive, default=1,
                      help="which candidate to carry onto the photo, 1 = best (default 1)")
    edit.add_argument("--transfer-frames", type=at_least_two, default=8,
                      help="generated frames the flow follows (default 8)")
    edit.add_argument("--seed", type=int, default=0, help="seed of the edit's starts (default 0)")
    projection_options(edit, with_tuning=True)
    edit.set_defaults(handler=_edit)


# --- the jobs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectJob:
    """`igan project`: project the frame of `photo` (`region`, a (left, top, right, bottom) box
    in photo pixels; None: the largest centred square) onto manifold `model` and write the
    reconstruction to `out`, and with `compare` the frame beside it at 4×. tune_steps: Adam
    steps of tuning the generator on the photo after the projection (None: the tuning's
    default; 0: none)."""

    photo: Path
    out: Path
    projection: ProjectionConfig
    compare: Path | None = None
    region: Box | None = None
    model: str = DEFAULT_MANIFOLD
    features: FeatureChoice = DEFAULT_FEATURES
    tune_steps: int | None = None

    def command(self) -> str:
        """The equivalent `igan project …` command."""
        return command_line(
            "project", self.photo, "--out", self.out,
            *option_words((("--compare", self.compare, None), ("--region", self.region, None))),
            *projection_words(self.model, self.projection, self.features, self.tune_steps))


@dataclass(frozen=True)
class EditJob:
    """`igan edit`: project `photo` as ProjectJob does, edit it with the strokes of a `strokes`
    file (or of a `color_layer` and optional `sketch_layer`), carry candidate number `pick`
    (1 = best) onto the photo along `transfer_frames` generated pictures and write it to `out`.
    candidates: a grid of the reconstruction and the candidates; frames: a folder for the
    generated frames. mode, transfer, path, spread, keep_weight: see `journeys.edit.apply_edit`
    and `editing` (None: defaults);
    tune_steps: as ProjectJob's, the edit and the transfer then run on the tuned generator."""

    photo: Path
    out: Path
    projection: ProjectionConfig
    edit: EditConfig
    strokes: Path | None = None
    color_layer: Path | None = None
    sketch_layer: Path | None = None
    candidates: Path | None = None
    frames: Path | None = None
    mode: str = "auto"
    transfer: str = "guided"
    spread: float | None = None
    keep_weight: float | None = None
    path: str = "linear"
    pick: int = 1
    transfer_frames: int = 8
    region: Box | None = None
    model: str = DEFAULT_MANIFOLD
    features: FeatureChoice = DEFAULT_FEATURES
    tune_steps: int | None = None

    @property
    def strokes_file(self) -> Path:
        """The file the strokes come from, for messages."""
        return self.strokes if self.strokes is not None else self.color_layer  # type: ignore

    def command(self) -> str:
        """The equivalent `igan edit …` command."""
        from igan_app.engine.editing import EditConfig

        default = EditConfig()
        return command_line(
            "edit", self.photo,
            *option_words((("--strokes", self.strokes, None),
                           ("--color-layer", self.color_layer, None),
                           ("--sketch-layer", self.sketch_layer, None))),
            "--out", self.out,
            *option_words((("--candidates", self.candidates, None),
                           ("--frames", self.frames, None), ("--mode", self.mode, "auto"),
                           ("--transfer", self.transfer, "guided"),
                           ("--spread", self.spread, None),
                           ("--keep-weight", self.keep_weight, None),
                           ("--realism", self.edit.realism, default.realism),
                           ("--path", self.path, "linear"),
                           ("--edit-starts", self.edit.starts, default.starts),
                           ("--keep", self.edit.keep, default.keep),
                           ("--iterations", self.edit.iterations, default.iterations),
                           ("--pick", self.pick, 1),
                           ("--transfer-frames", self.transfer_frames, 8),
                           ("--seed", self.edit.seed, default.seed),
                           ("--region", self.region, None))),
            *projection_words(self.model, self.projection, self.features, self.tune_steps))


def project_job(args: argparse.Namespace) -> ProjectJob:
    """The job the options of `igan project` ask for."""
    return ProjectJob(args.photo, args.out, projection_config(args), compare=args.compare,
                      region=args.region, model=args.model, features=feature_choice(args),
                      tune_steps=args.tune_steps)


def edit_job(args: argparse.Namespace) -> EditJob:
    """The job the options of `igan edit` ask for."""
    from igan_app.engine.editing import EditConfig

    config = EditConfig(starts=args.edit_starts, keep=min(args.keep, args.edit_starts),
                        iterations=args.iterations, seed=args.seed, realism=args.realism)
    return EditJob(args.photo, args.out, projection_config(args), config, strokes=args.strokes,
                   color_layer=args.color_layer, sketch_layer=args.sketch_layer,
                   candidates=args.candidates, frames=args.frames, mode=args.mode,
                   transfer=args.transfer, spread=args.spread, keep_weight=args.keep_weight, path=args.path,
                   pick=args.pick, transfer_frames=args.transfer_frames, region=args.region,
                   model=args.model, features=feature_choice(args), tune_steps=args.tune_steps)


def _project(args: argparse.Namespace) -> int:
    run_project(project_job(args), args.device)
    return 0


def _edit(args: argparse.Namespace) -> int:
    run_edit(edit_job(args), args.device)
    return 0


# --- running them ---------------------------------------------------------------------------

def projected(cache: ModelCache, job: ProjectJob | EditJob, device: str | None,
              photo: np.ndarray, frame: Frame) -> Projected:
    """Run the projection `job` asks for under a progress bar; its last step."""
    from igan_app.journeys.edit import projection
    from igan_app.journeys.morph import projection_steps

    steps = projection(cache, job.model, device, photo, frame, job.projection, job.features)
    last = None
    for last in progress(steps, "projecting", projection_steps(job.projection), unit="step"):
        pass
    if last is None:
        raise RuntimeError(f"the projection of {job.photo} yielded no result")
    return last


def tuned(cache: ModelCache, job: ProjectJob | EditJob, device: str | None, photo: np.ndarray,
          frame: Frame, start: Projected) -> Tuned | None:
    """Tune the generator on the photo as `job` asks, under a progress bar; the last step
    (None: no tuning asked for)."""
    from igan_app.engine.tuning import tuning_config
    from igan_app.journeys.edit import tuning

    if job.tune_steps == 0:
        return None
    config = tuning_config(job.tune_steps)
    steps = tuning(cache, job.model, device, photo, frame, start.latent, config, job.features)
    last = None
    for last in progress(steps, "tuning", config.steps + 1, unit="step"):
        pass
    assert last is not None and last.model is not None
    return last


def run_project(job: ProjectJob, device: str | None, cache: ModelCache | None = None) -> None:
    """Do what `job` asks on `device` (None: auto), printing a summary line."""
    import numpy as np

    from igan_app import imaging
    from igan_app.device import describe

    check_output_image(job.out)
    check_output_image(job.compare)
    started = time.perf_counter()
    cache = cache or ModelCache()
    models = cache.manifold(job.model, device, job.features)
    photo = read_photo(job.photo, models.resolution)
    frame = photo_frame(photo, job.region, models.resolution, job.photo)
    result = projected(cache, job, device, photo, frame)
    tuning = tuned(cache, job, device, photo, frame, result)
    image = result.image if tuning is None else tuning.image
    imaging.write_image(job.out, image)
    if job.compare is not None:
        pair = np.concatenate([frame.crop(photo), image], 1).repeat(4, 0).repeat(4, 1)
        imaging.write_image(job.compare, pair)
    print(f"projected {job.photo.name} ({job.projection.method}, {result.step} steps) in "
          f"{time.perf_counter() - started:.2f} s on {describe(models.device)}, "
          f"{models.features.describe()}: loss {result.loss:.4f}, PSNR {result.psnr:.1f} dB"
          + ("" if tuning is None else
             f", {tuning.psnr:.1f} dB after {tuning.step} tuning steps") + f" → {job.out}")


def _read_strokes(job: EditJob, photo_size: tuple[int, int]) -> StrokeSet:
    from igan_app.engine.layers import from_layers
    from igan_app.engine.strokes import StrokesError, StrokeSet

    try:
        if job.strokes is not None:
            strokes = StrokeSet.from_json(job.strokes)
        else:
            strokes = from_layers(job.color_layer, job.sketch_layer, photo_size)
    except StrokesError as err:
        raise CommandError(str(err)) from None
    if tuple(strokes.photo_size) != tuple(photo_size):
        raise CommandError(f"{job.strokes_file}: the strokes were drawn on a "
                           f"{strokes.photo_size[1]}×{strokes.photo_size[0]} photo, "
                           f"{job.photo.name} is {photo_size[1]}×{photo_size[0]}")
    if strokes.is_empty:
        raise CommandError(f"{job.strokes_file}: no strokes to edit with")
    return strokes


def run_edit(job: EditJob, device: str | None, cache: ModelCache | None = None) -> None:
    """Do what `job` asks on `device` (None: auto), printing a summary line."""
    check_output_image(job.out)
    check_output_image(job.candidates)
    if job.sketch_layer is not None and job.color_layer is None:
        raise CommandError("--sketch-layer goes with --color-layer (or use --strokes)")
    started = time.perf_counter()
    # The inputs are read before the model loads, so that their mistakes are reported at once.
    photo = read_photo(job.photo)
    strokes = _read_strokes(job, photo.shape[:2])

    import numpy as np

    from igan_app import imaging
    from igan_app.device import describe
    from igan_app.journeys.edit import apply_edit, editing

    cache = cache or ModelCache()
    models = cache.manifold(job.model, device, job.features)
    check_photo_size(photo, job.photo, models.resolution)
    frame = photo_frame(photo, job.region, models.resolution, job.photo)
    start = projected(cache, job, device, photo, frame)
    tuning = tuned(cache, job, device, photo, frame, start)
    model, reconstruction = ((job.model, start.image) if tuning is None
                             else (tuning.model, tuning.image))
    step = None
    for step in progress(editing(cache, model, device, strokes, frame, start.latent,
                                 reconstruction, job.edit, keep_weight=job.keep_weight),
                         "editing", job.edit.iterations, unit="it"):
        pass
    if step is None:  # the journey edits nothing when no stroke reaches the frame
        raise CommandError(f"{job.strokes_file}: every stroke lies outside the region the "
                           f"model sees {frame.box}")
    if job.pick > len(step.costs):
        raise CommandError(f"--pick {job.pick}: only {len(step.costs)} candidates were kept")
    moved = time.perf_counter()
    for result in apply_edit(cache, model, device, photo, frame, start.latent,
                             step.latents[job.pick - 1], t=1.0, frames=job.transfer_frames,
                             mode=job.mode, path=job.path, spread=job.spread,
                             strokes=strokes, transfer=job.transfer):
        if isinstance(result, Progress):
            moved = time.perf_counter()  # after the last Progress comes the transfer alone
        else:
            applied, transfer_seconds = result, time.perf_counter() - moved
    imaging.write_image(job.out, applied.photo)
    if job.candidates is not None:
        tiles = [reconstruction, *step.images]
        imaging.write_image(job.candidates,
                            imaging.tile([np.kron(t, np.ones((4, 4, 1), np.uint8)) for t in tiles],
                                         min(len(tiles), 5)))
    if job.frames is not None:
        imaging.write_animation(job.frames, list(applied.frames))
    print(f"edited {job.photo.name}: {len(strokes.items)} strokes, {job.edit.starts} starts, "
          f"{len(step.costs)} candidates (best cost {step.costs[0]:.4f}, {step.ms:.0f} ms/step); "
          f"transfer ({job.transfer}, {job.mode}) {transfer_seconds:.2f} s; {time.perf_counter() - started:.1f} s "
          f"in all on {describe(models.device)}, {models.features.describe()} → {job.out}")


__all__ = ["EditJob", "ProjectJob", "add_commands", "edit_job", "project_job", "projected",
           "run_edit", "run_project", "tuned"]
