"""`igan world sample` and `igan world export`: scenes of the procedural landscape world."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import (
    check_output_image,
    command_group,
    non_negative,
    positive,
    progress,
    scene_size,
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    world_commands = command_group(commands, "world", "render scenes of the procedural "
                                   "landscape world", title="world commands")
    sample = world_commands.add_parser("sample", help="render a grid of scenes into one image")
    sample.add_argument("--n", type=positive, default=64, help="number of scenes (default 64)")
    _scene_options(sample)
    sample.add_argument("--cols", type=positive, default=None,
                        help="grid columns (default: square)")
    sample.add_argument("--labels", action="store_true",
                        help="show each scene's label map beside it")
    sample.add_argument("--out", type=Path, required=True, help="output image (.png or .jpg)")
    sample.set_defaults(handler=_world_sample)

    export = world_commands.add_parser("export", help="write scenes as image/label PNG pairs")
    export.add_argument("--n", type=positive, required=True, help="number of scenes")
    _scene_options(export)
    export.add_argument("--workers", type=positive, default=None,
                        help="processes rendering in parallel (default: one per core)")
    export.add_argument("--out", type=Path, required=True,
                        help="folder; writes images/NNNNNN.png and labels/NNNNNN.png")
    export.set_defaults(handler=_world_export)


def _scene_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=scene_size, default=128,
                        help="scene size: S or HxW (default 128)")
    parser.add_argument("--seed", type=non_negative, default=0,
                        help="seed of the first scene (default 0)")
    parser.add_argument("--world", choices=("classic", "broad"), default="classic",
                        help="classic: the valleys the shipped models were trained on; broad: "
                        "also coasts, forests, fields, rivers, paths, night, sunsets, "
                        "sky-filled and tilted framings (default classic)")


def _world_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from igan_app import imaging
    from igan_app.world.palette import colorize
    from igan_app.world.render import render

    check_output_image(args.out)
    tiles = []
    for seed in progress(range(args.seed, args.seed + args.n), "rendering", args.n):
        image, labels = render(seed, args.size, args.world)
        tiles.append(np.concatenate([image, colorize(labels)], axis=1) if args.labels else image)
    cols = args.cols or max(1, int(np.ceil(np.sqrt(args.n))))
    imaging.write_image(args.out, imaging.tile(tiles, cols))
    print(f"wrote {args.n} scenes to {args.out}")
    return 0


def _world_export(args: argparse.Namespace) -> int:
    from igan_app.world.export import export_scenes

    count = export_scenes(args.out, args.n, args.size, first_seed=args.seed, workers=args.workers,
                          world=args.world, progress=lambda it: progress(it, "exporting", args.n))
    print(f"wrote {count} image/label pairs to {args.out}")
    return 0


__all__ = ["add_commands"]
