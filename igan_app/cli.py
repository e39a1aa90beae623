"""The `igan` command: thin argument parsing over the library.

Heavy modules (torch, OpenCV, Qt) are imported inside the commands that need them, so that
`igan --help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from igan_app import __version__


class CommandError(Exception):
    """An error the user can fix: printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("igan: interrupted", file=sys.stderr)
        return 130
    except (CommandError, OSError, ValueError, KeyError, RuntimeError) as exc:
        # Library errors carry their own clear messages (file, reason); one line, no traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"igan: error: {message}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="igan",
        description="iGAN Studio: edit photos on a generative model's manifold, morph photos, "
        "paint landscapes.",
    )
    parser.add_argument("--version", action="version", version=f"iGAN Studio {__version__}")
    parser.add_argument("--device", default=None,
                        help="auto (default: cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    world = commands.add_parser("world", help="render scenes of the procedural landscape world")
    world.set_defaults(handler=lambda _args: _help(world))
    world_commands = world.add_subparsers(title="world commands", metavar="COMMAND")
    sample = world_commands.add_parser("sample", help="render a grid of scenes into one image")
    sample.add_argument("--n", type=_positive, default=64, help="number of scenes (default 64)")
    sample.add_argument("--size", type=_size, default=128, help="scene size: S or HxW (default 128)")
    sample.add_argument("--seed", type=_seed, default=0, help="seed of the first scene (default 0)")
    sample.add_argument("--cols", type=_positive, default=None, help="grid columns (default: square)")
    sample.add_argument("--labels", action="store_true", help="show each scene's label map beside it")
    sample.add_argument("--out", type=Path, required=True, help="output image (.png or .jpg)")
    sample.set_defaults(handler=_world_sample)

    export = world_commands.add_parser("export", help="write scenes as image/label PNG pairs")
    export.add_argument("--n", type=_positive, required=True, help="number of scenes")
    export.add_argument("--size", type=_size, default=128, help="scene size: S or HxW (default 128)")
    export.add_argument("--seed", type=_seed, default=0, help="seed of the first scene (default 0)")
    export.add_argument("--workers", type=_positive, default=None,
                        help="processes rendering in parallel (default: one per core)")
    export.add_argument("--out", type=Path, required=True,
                        help="folder; writes images/NNNNNN.png and labels/NNNNNN.png")
    export.set_defaults(handler=_world_export)

    models = commands.add_parser("models", help="list the installed models")
    models.set_defaults(handler=lambda _args: _help(models))
    model_commands = models.add_subparsers(title="models commands", metavar="COMMAND")
    listing = model_commands.add_parser("list", help="name, kind, resolution, size and location")
    listing.set_defaults(handler=_models_list)

    doctor = commands.add_parser("doctor", help="versions, device, feature weights and models")
    doctor.set_defaults(handler=_doctor)
    return parser


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _world_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from igan_app import imaging
    from igan_app.world.palette import colorize
    from igan_app.world.render import render

    _check_output_image(args.out)
    tiles = []
    for seed in _progress(range(args.seed, args.seed + args.n), "rendering", args.n):
        image, labels = render(seed, args.size)
        tiles.append(np.concatenate([image, colorize(labels)], axis=1) if args.labels else image)
    cols = args.cols or max(1, int(np.ceil(np.sqrt(args.n))))
    imaging.write_image(args.out, imaging.tile(tiles, cols))
    print(f"wrote {args.n} scenes to {args.out}")
    return 0


def _world_export(args: argparse.Namespace) -> int:
    from igan_app.world.export import export_scenes

    count = export_scenes(args.out, args.n, args.size, first_seed=args.seed, workers=args.workers,
                          progress=lambda it: _progress(it, "exporting", args.n))
    print(f"wrote {count} image/label pairs to {args.out}")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from igan_app.zoo.registry import ModelRegistry, format_models_table

    print(format_models_table(ModelRegistry()))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from igan_app.doctor import report

    print(report(args.device))
    return 0


def _progress(iterable, description: str, total: int):
    import tqdm as tqdm_module
    from tqdm import tqdm

    tqdm_module.tqdm.monitor_interval = 0  # no monitor thread left behind in the GUI or the tests
    return tqdm(iterable, desc=description, total=total, unit="scene", disable=None)


def _check_output_image(path: Path) -> None:
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise CommandError(f"{path}: output must be a .png or .jpg file")


def _positive(text: str) -> int:
    value = _integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _seed(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _size(text: str) -> int | tuple[int, int]:
    """S for a square, HxW otherwise; both sides 32 to 1024 (the world's range)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"size must be S or HxW, got {text!r}")
    sides = [int(p) for p in parts]
    if not all(32 <= s <= 1024 for s in sides):
        raise argparse.ArgumentTypeError(f"each side must be between 32 and 1024, got {text!r}")
    return sides[0] if len(sides) == 1 else (sides[0], sides[1])
