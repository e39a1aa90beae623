"""`igan models list`, `igan models sample` and `igan models import`."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import (
    CommandError,
    check_output_image,
    command_group,
    non_negative,
    positive,
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    model_commands = command_group(commands, "models", "list, sample and import models",
                                   title="models commands")
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


def _models_list(args: argparse.Namespace) -> int:
    from igan_app.zoo.registry import ModelRegistry, format_models_table

    print(format_models_table(ModelRegistry()))
    return 0


def _models_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from igan_app import imaging
    from igan_app.device import pick_device
    from igan_app.zoo.registry import MANIFOLD_KINDS, load_model

    check_output_image(args.out)
    device = pick_device(args.device)
    loaded = load_model(args.name, expected_kind=MANIFOLD_KINDS, device=device)
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


__all__ = ["add_commands"]
