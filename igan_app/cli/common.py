"""What the `igan` command modules share: the user-error type, argument types, the option groups
several commands take (projection, features, training) and the configs they turn into, reading
photos for the model's frame, progress bars.

Only light modules at the top: `igan --help` imports this file.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from igan_app.engine.choices import (
    CARRIED_MODES,
    PATH_MODES,
    PROJECTION_METHODS,
    TRANSFER_MODES,
)
from igan_app.journeys.models import DEFAULT_MANIFOLD, FeatureChoice, Progress

if TYPE_CHECKING:
    import numpy as np

    from igan_app.engine.frame import Frame
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.zoo.vgg import FeatureNetwork


class CommandError(Exception):
    """An error the user can fix: printed as one line, exit status 2."""


def show_help(parser: argparse.ArgumentParser) -> int:
    """The handler of a command group given no subcommand: its help, exit status 0."""
    parser.print_help()
    return 0


def command_group(commands: argparse._SubParsersAction, name: str, help: str, *, title: str,
                  metavar: str = "COMMAND", description: str | None = None,
                  ) -> argparse._SubParsersAction:
    """Add command `name` made of subcommands (`igan world sample`, …), which given none prints
    its help (`description` above the list, if given); the action to add the subcommands to."""
    group = commands.add_parser(name, help=help, description=description)
    group.set_defaults(handler=lambda _args: show_help(group))
    return group.add_subparsers(title=title, metavar=metavar)


# --- progress -------------------------------------------------------------------------------

def progress(iterable, description: str, total: int, unit: str = "scene"):
    """A tqdm bar over `iterable` (None: a bar updated by hand); off when not on a terminal."""
    import tqdm as tqdm_module
    from tqdm import tqdm

    tqdm_module.tqdm.monitor_interval = 0  # no monitor thread left behind in the GUI or the tests
    return tqdm(iterable, desc=description, total=total, unit=unit, disable=None)


def follow(journey: Iterator[Any], unit: str = "step") -> Any:
    """Run a journey that yields `Progress` until its result, under one bar that its Progress
    steps move (their `what` names the bar); the last step that is not a Progress."""
    bar, result = None, None
    try:
        for step in journey:
            if not isinstance(step, Progress):
                result = step
                continue
            if bar is None:
                bar = progress(None, step.what, step.total, unit)
            bar.total = step.total
            bar.set_description(step.what, refresh=False)
            bar.update(step.done - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return result


# --- argument types -------------------------------------------------------------------------

def check_output_image(path: Path | None) -> None:
    """Refuse an output picture that is not a .png or .jpg before any work starts (None: none)."""
    if path is not None and path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise CommandError(f"{path}: output must be a .png or .jpg file")


def positive(text: str) -> int:
    value = integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def at_least_two(text: str) -> int:
    value = positive(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def scene_size(text: str) -> int | tuple[int, int]:
    """S for a square, HxW otherwise; both sides 32 to 1024 (the world's range)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"size must be S or HxW, got {text!r}")
    sides = [int(p) for p in parts]
    if not all(32 <= s <= 1024 for s in sides):
        raise argparse.ArgumentTypeError(f"each side must be between 32 and 1024, got {text!r}")
    return sides[0] if len(sides) == 1 else (sides[0], sides[1])


def region(text: str) -> tuple[int, int, int, int]:
    """LEFT,TOP,RIGHT,BOTTOM in photo pixels."""
    parts = text.split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"region must be LEFT,TOP,RIGHT,BOTTOM, got {text!r}")
    return values  # type: ignore[return-value]


def option_words(options: Iterable[tuple[str, Any, Any]]) -> list[str]:
    """The words of the (flag, value, default) options whose value is not the default; the
    inverse of the parser, for showing a command equivalent to a config."""
    words: list[str] = []
    for flag, value, default in options:
        if value is not None and value != default:
            words += [flag, ",".join(map(str, value)) if isinstance(value, tuple) else str(value)]
    return words


def command_line(*words: Any) -> str:
    """`igan WORDS…` as a shell would take it."""
    return "igan " + shlex.join(str(w) for w in words)


# --- feature and projection options ---------------------------------------------------------

def feature_options(parser: argparse.ArgumentParser) -> None:
    """--vgg-weights and --features: see `feature_choice`."""
    parser.add_argument("--vgg-weights", type=Path, default=None,
                        help="ImageNet VGG16 weights (torchvision's .pth); default: torchvision's "
                        "cache, else the world-trained vgg16-world")
    parser.add_argument("--features", type=Path, default=None,
                        help="a vgg16-features model folder to use instead of the installed one")


def feature_choice(args: argparse.Namespace) -> FeatureChoice:
    """The feature network the options of `feature_options` ask for."""
    return FeatureChoice(vgg_weights=args.vgg_weights, world_model=args.features)


def feature_words(choice: FeatureChoice) -> list[str]:
    return option_words((("--vgg-weights", choice.vgg_weights, None),
                         ("--features", choice.world_model, None)))


def load_features(choice: FeatureChoice, device, *, quiet: bool = False) -> FeatureNetwork:
    """The feature network `choice` asks for (a FeatureNetwork: model, source, describe())."""
    from igan_app.zoo.vgg import load_feature_network

    network = load_feature_network(choice.vgg_weights, device=device,
                                   world_model=choice.world_model)
    if not quiet:
        print(f"feature network: {network.describe()}")
    return network


def projection_options(parser: argparse.ArgumentParser, *, with_region: bool = True,
                       with_tuning: bool = False, tuned_what: str = "photo",
                       tuned_it: str = "it") -> None:
    """The manifold, how a photo is projected onto it, and the feature network: read back with
    `projection_config` and `feature_choice` (and `args.model`, `args.region`, and with
    `with_tuning` `args.tune_steps`, the generator tuning steps after the projection, None for
    the default; `tuned_what` and `tuned_it` name what it is tuned on in the help)."""
    parser.add_argument("--model", default=DEFAULT_MANIFOLD,
                        help=f"manifold name or folder (default {DEFAULT_MANIFOLD})")
    parser.add_argument("--method", default="hybrid", choices=PROJECTION_METHODS,
                        help="projection method (default hybrid: encoder, then Adam)")
    parser.add_argument("--steps", type=positive, default=None,
                        help="Adam steps of the projection (default 30)")
    parser.add_argument("--starts", type=positive, default=1,
                        help="latents optimized together, best kept (default 1; more suit a GPU)")
    if with_tuning:
        parser.add_argument("--tune-steps", type=non_negative, default=None,
                            help=f"after the projection, tune a copy of the generator on the "
                            f"{tuned_what} for N Adam steps so that it draws {tuned_it} "
                            f"(default: the tuning's default, 200, about 3 s on a CPU; 0: off)")
    if with_region:
        parser.add_argument("--region", type=region, default=None,
                            help="LEFT,TOP,RIGHT,BOTTOM: the photo box given to the model, in "
                            "photo pixels (default: the largest centred square)")
    feature_options(parser)


def projection_config(args: argparse.Namespace) -> ProjectionConfig:
    """The ProjectionConfig of the `projection_options` (unset ones keep the config's default)."""
    from igan_app.engine.projection import ProjectionConfig

    steps = {} if args.steps is None else {"steps": args.steps}
    return ProjectionConfig(method=args.method, starts=args.starts, **steps)


def projection_words(model: str, config: ProjectionConfig, features: FeatureChoice,
                     tune_steps: int | None = None) -> list[str]:
    """The `projection_options` that ask for `model`, `config`, `features` and `tune_steps`."""
    from igan_app.engine.projection import ProjectionConfig

    default = ProjectionConfig()
    return option_words((("--model", model, DEFAULT_MANIFOLD),
                         ("--method", config.method, default.method),
                         ("--steps", config.steps, default.steps),
                         ("--starts", config.starts, default.starts),
                         ("--tune-steps", tune_steps, None))) + feature_words(features)


def transfer_options(parser: argparse.ArgumentParser, *, carried: str, path: str,
                     auto: bool = False) -> None:
    """--mode (what the flow carries: `carried`) and --path (the latent path: `path`). auto:
    --mode also offers "auto" (color, and motion where the strokes ask for shape), the default;
    else it is one of CARRIED_MODES, default both."""
    modes, default = (TRANSFER_MODES, "auto") if auto else (CARRIED_MODES, "both")
    parser.add_argument("--mode", default=default, choices=modes,
                        help=f"what the {carried} (default {default})")
    parser.add_argument("--path", default="linear", choices=PATH_MODES,
                        help=f"{path} (default linear)")


# --- photos ---------------------------------------------------------------------------------

def read_photo(path: Path, resolution: int | None = None) -> np.ndarray:
    """The photo as RGB uint8; refused when smaller than the model's frame (None: not checked
    yet, see `check_photo_size`)."""
    from igan_app import imaging

    photo = imaging.read_image(path)
    if resolution is not None:
        check_photo_size(photo, path, resolution)
    return photo


def check_photo_size(photo: np.ndarray, path: Path, resolution: int) -> None:
    """CommandError naming the file when the model's frame cannot be cut from the photo."""
    from igan_app.engine.frame import check_fits

    try:
        check_fits(photo.shape[:2], resolution)
    except ValueError as err:
        raise CommandError(f"{path}: {err}") from None


def photo_frame(photo: np.ndarray, box: tuple[int, int, int, int] | None, resolution: int,
                path: Path) -> Frame:
    """The model's frame on the photo: `box` (None: the largest centred square)."""
    from igan_app.engine.frame import Frame

    if box is None:
        return Frame.centre(photo.shape[:2], resolution)
    try:
        return Frame(photo.shape[:2], box, resolution)
    except ValueError as err:
        raise CommandError(f"{path}: {err}") from None


# --- training options -----------------------------------------------------------------------

def training_options(parser: argparse.ArgumentParser, *, steps: int, batch: int,
                     run: str) -> None:
    """What every `igan train` command takes: length, batch, seed, data, run folder, samples."""
    parser.add_argument("--steps", type=positive, default=steps,
                        help=f"optimizer steps; time grows in proportion (default {steps})")
    parser.add_argument("--batch", type=positive, default=batch,
                        help="images per step over all processes; time and memory per step "
                        f"grow with it (default {batch})")
    parser.add_argument("--seed", type=int, default=0,
                        help="of the networks' start, the data order and every random number "
                        "(default 0)")
    parser.add_argument("--data", type=Path, default=None,
                        help="a folder of images to train on instead of the world (read and "
                        "checked whole before training)")
    parser.add_argument("--hold-out", type=float, default=0.05,
                        help="with --data: the fraction of the folder's images kept out of "
                        "training for the evaluation, chosen by file name (default 0.05)")
    parser.add_argument("--scenes", type=positive, default=50000,
                        help="world scenes to train on, rendered once and cached; memory: "
                        "16 KB each at 64 px with its labels (default 50000)")
    parser.add_argument("--world", choices=("classic", "broad"), default="classic",
                        help="which world's scenes: classic (the valleys the shipped models "
                        "know) or broad (coasts, forests, fields, rivers, night, sunsets, "
                        "framings; about 1.5–2× the rendering time) (default classic)")
    parser.add_argument("--run", type=Path, default=Path(run),
                        help="folder for the resumable state, sample grids and TensorBoard "
                        f"log (default {run})")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --run, with any number of processes")
    parser.add_argument("--sample-every", type=positive, default=500,
                        help="write a sample grid every N steps; each costs a few steps' "
                        "time (default 500)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                        help="autocast: auto is bf16 on CUDA (about twice the speed of fp32 "
                        "on recent GPUs) and fp32 on the CPU (bf16 is 1.5× faster on a CPU "
                        "with AVX512-BF16 or AMX, slower without); fp16, for GPUs without "
                        "bf16, adds loss scaling and is very slow on a CPU (default auto)")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=True,
                        help="convolutions in channels-last memory format: faster on this "
                        "project's CPU and on tensor-core GPUs (measure: bench/training.py "
                        "--variants); --no-channels-last turns it off (default on)")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile the networks that train: minutes of compiling "
                        "first, then faster steps where it helps (measure: bench/training.py)")
    parser.add_argument("--micro-batches", type=positive, default=1,
                        help="split each process's share of the batch into N parts, gradients "
                        "accumulated: about the memory of a batch N times smaller, the same "
                        "result as N processes (default 1)")


def load_segmenter(path: Path | None, device):
    """The segmenter model (a LoadedModel) at `path`, or the installed world-segmenter64."""
    from igan_app.zoo.checkpoint import load_checkpoint
    from igan_app.zoo.registry import ModelRegistry

    if path is not None:
        return load_checkpoint(path, expected_kind="world-segmenter", device=device)
    return ModelRegistry().load("world-segmenter64", expected_kind="world-segmenter",
                                device=device)


def generative_eval_options(parser: argparse.ArgumentParser, *, n: int, what: str) -> None:
    """--eval-every, --eval-n and --segmenter of a generative trainer's periodic evaluation."""
    parser.add_argument("--eval-every", type=int, default=0,
                        help=f"every N steps, log {what} on --eval-n held-out pictures (a "
                        "folder's --hold-out part, else held-out world scenes) under eval/ in "
                        "the TensorBoard log; each costs about as much as a few training steps "
                        "(default 0: never)")
    parser.add_argument("--eval-n", type=positive, default=n,
                        help=f"held-out pictures for --eval-every (default {n})")
    parser.add_argument("--segmenter", type=Path, default=None,
                        help="segmenter behind --eval-every's FID-L and mIoU (default: the "
                        "installed world-segmenter64)")


__all__ = [
    "CommandError",
    "at_least_two",
    "check_output_image",
    "check_photo_size",
    "command_group",
    "command_line",
    "feature_choice",
    "feature_options",
    "feature_words",
    "follow",
    "generative_eval_options",
    "load_features",
    "load_segmenter",
    "non_negative",
    "option_words",
    "photo_frame",
    "positive",
    "progress",
    "projection_config",
    "projection_options",
    "projection_words",
    "read_photo",
    "region",
    "scene_size",
    "show_help",
    "training_options",
    "transfer_options",
]
