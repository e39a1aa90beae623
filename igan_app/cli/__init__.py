"""The `igan` command: thin argument parsing over the library.

Heavy modules (torch, OpenCV, Qt) are imported inside the commands that need them, so that
`igan --help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from igan_app import __version__
from igan_app.cli.common import (
    CommandError,
    check_output_image,
    load_manifold,
    non_negative,
    positive,
    progress,
    scene_size,
    show_help,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Recorded in model cards, so a shipped model says exactly how it was made.
    args.command_line = "igan " + shlex.join(sys.argv[1:] if argv is None else argv)
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

    gui = commands.add_parser("gui", help="open the desktop application")
    gui.add_argument("photo", type=Path, nargs="?", default=None,
                     help="a photo to open (default: the last session, else a world scene)")
    gui.add_argument("--model", default=None,
                     help="the manifold to edit with (default: the one used last, landscape64)")
    gui.set_defaults(handler=_gui)

    world = commands.add_parser("world", help="render scenes of the procedural landscape world")
    world.set_defaults(handler=lambda _args: show_help(world))
    world_commands = world.add_subparsers(title="world commands", metavar="COMMAND")
    sample = world_commands.add_parser("sample", help="render a grid of scenes into one image")
    sample.add_argument("--n", type=positive, default=64, help="number of scenes (default 64)")
    sample.add_argument("--size", type=scene_size, default=128, help="scene size: S or HxW (default 128)")
    sample.add_argument("--seed", type=non_negative, default=0, help="seed of the first scene (default 0)")
    sample.add_argument("--cols", type=positive, default=None, help="grid columns (default: square)")
    sample.add_argument("--labels", action="store_true", help="show each scene's label map beside it")
    sample.add_argument("--out", type=Path, required=True, help="output image (.png or .jpg)")
    sample.set_defaults(handler=_world_sample)

    export = world_commands.add_parser("export", help="write scenes as image/label PNG pairs")
    export.add_argument("--n", type=positive, required=True, help="number of scenes")
    export.add_argument("--size", type=scene_size, default=128, help="scene size: S or HxW (default 128)")
    export.add_argument("--seed", type=non_negative, default=0, help="seed of the first scene (default 0)")
    export.add_argument("--workers", type=positive, default=None,
                        help="processes rendering in parallel (default: one per core)")
    export.add_argument("--out", type=Path, required=True,
                        help="folder; writes images/NNNNNN.png and labels/NNNNNN.png")
    export.set_defaults(handler=_world_export)

    models = commands.add_parser("models", help="list, sample and import models")
    models.set_defaults(handler=lambda _args: show_help(models))
    model_commands = models.add_subparsers(title="models commands", metavar="COMMAND")
    listing = model_commands.add_parser("list", help="name, kind, resolution, size and location")
    listing.set_defaults(handler=_models_list)
    draw = model_commands.add_parser("sample", help="a grid of a generator's random samples")
    draw.add_argument("name", help="model name (see `igan models list`) or a model folder")
    draw.add_argument("--n", type=positive, default=64, help="number of samples (default 64)")
    draw.add_argument("--seed", type=non_negative, default=0, help="latent seed (default 0)")
    draw.add_argument("--cols", type=positive, default=None, help="grid columns (default: square)")
    draw.add_argument("--out", type=Path, required=True, help="output image (.png or .jpg)")
    draw.set_defaults(handler=_models_sample)
    imports = model_commands.add_parser(
        "import", help="import an official pix2pix, CycleGAN or SPADE generator (.pth)",
        description="Convert an official generator checkpoint (latest_net_G.pth) into a model "
        "folder in the user models folder. The file is read without running pickled code.")
    imports.add_argument("file", type=Path, help="the official state dict (.pth)")
    imports.add_argument("--kind", required=True, choices=("pix2pix", "cyclegan", "spade"),
                         help="which official release the file comes from")
    imports.add_argument("--dataset", choices=("coco", "ade20k", "cityscapes"), default=None,
                         help="SPADE only: its data set (default: from the input channels)")
    imports.add_argument("--name", required=True, help="the model's name (its folder name)")
    imports.add_argument("--out", type=Path, default=None,
                         help="models folder to write into (default: the user models folder)")
    imports.add_argument("--dropout", action=argparse.BooleanOptionalAction, default=None,
                         help="U-Net only: whether it was trained with dropout (default: yes "
                         "for pix2pix, no for CycleGAN)")
    imports.add_argument("--force", action="store_true",
                         help="replace an existing model folder of that name")
    imports.set_defaults(handler=_models_import)

    doctor = commands.add_parser("doctor", help="versions, device, feature weights and models")
    doctor.set_defaults(handler=_doctor)

    from igan_app.cli import demo, edit, paint, train

    edit.add_commands(commands)
    demo.add_commands(commands)
    train.add_commands(commands)
    paint.add_commands(commands)
    return parser


def _gui(args: argparse.Namespace) -> int:
    if args.photo is not None and not args.photo.is_file():
        raise CommandError(f"{args.photo}: no such file")
    from igan_app.gui.app import run

    return run(args.photo, model=args.model, device=args.device)


def _world_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from igan_app import imaging
    from igan_app.world.palette import colorize
    from igan_app.world.render import render

    check_output_image(args.out)
    tiles = []
    for seed in progress(range(args.seed, args.seed + args.n), "rendering", args.n):
        image, labels = render(seed, args.size)
        tiles.append(np.concatenate([image, colorize(labels)], axis=1) if args.labels else image)
    cols = args.cols or max(1, int(np.ceil(np.sqrt(args.n))))
    imaging.write_image(args.out, imaging.tile(tiles, cols))
    print(f"wrote {args.n} scenes to {args.out}")
    return 0


def _world_export(args: argparse.Namespace) -> int:
    from igan_app.world.export import export_scenes

    count = export_scenes(args.out, args.n, args.size, first_seed=args.seed, workers=args.workers,
                          progress=lambda it: progress(it, "exporting", args.n))
    print(f"wrote {count} image/label pairs to {args.out}")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from igan_app.zoo.registry import ModelRegistry, format_models_table

    print(format_models_table(ModelRegistry()))
    return 0


def _models_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from igan_app import imaging
    from igan_app.device import pick_device

    check_output_image(args.out)
    device = pick_device(args.device)
    loaded = load_manifold(args.name, device)
    rng = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        images = loaded.model(loaded.model.sample_latent(args.n, rng, device))
    cols = args.cols or max(1, int(np.ceil(np.sqrt(args.n))))
    imaging.write_image(args.out, imaging.tile([imaging.to_uint8(x) for x in images.cpu()], cols))
    print(f"wrote {args.n} samples of {loaded.path} to {args.out}")
    return 0


def _models_import(args: argparse.Namespace) -> int:
    from igan_app.zoo.checkpoint import read_config
    from igan_app.zoo.importers import check_model_name, import_checkpoint
    from igan_app.zoo.registry import user_models_dir

    try:
        check_model_name(args.name)
    except ValueError as err:
        raise CommandError(str(err)) from None
    target = (args.out if args.out is not None else user_models_dir()) / args.name
    if target.exists() and not args.force:
        raise CommandError(f"{target} already exists; choose another --name, or --force to "
                           "replace it")
    folder = import_checkpoint(args.file, args.kind, name=args.name, dataset=args.dataset,
                               out_dir=args.out, dropout=args.dropout, overwrite=args.force)
    config = read_config(folder)
    print(f"imported {args.file} as {args.name!r}: {folder}")
    print(f"  architecture: {config['kind']} {config['args']}")
    for line in config["meta"]["imported"]["inferred"]:
        print(f"  {line}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from igan_app.doctor import report

    print(report(args.device))
    return 0
