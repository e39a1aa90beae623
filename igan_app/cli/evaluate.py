"""`igan eval …`: a model's measures (FID-L, mIoU, reconstruction, feature ranking), printed and,
with --write, recorded in its model card."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import (
    CommandError,
    command_group,
    feature_choice,
    feature_options,
    load_features,
    load_segmenter,
    positive,
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    measures = command_group(commands, "eval", "measure a model (FID-L, mIoU, reconstruction)",
                             title="what to measure", metavar="WHAT")
    paint = measures.add_parser("paint", help="a paint model's mIoU, FID-L and L1 on held-out "
                                "world label maps, beside the real scenes'")
    paint.add_argument("--model", required=True, help="paint model name or folder")
    _measure_options(paint, n=500, what="held-out scenes", segmenter=True)
    paint.set_defaults(handler=_eval_paint)
    fid = measures.add_parser("fid", help="FID-L of a manifold's generator, with floor and blur")
    fid.add_argument("--model", type=Path, required=True, help="manifold model folder")
    _measure_options(fid, n=2000, what="samples per set", segmenter=True)
    fid.add_argument("--world", choices=("classic", "broad"), default="classic",
                     help="the world whose held-out scenes are the reference, the floor and "
                     "the blur (default classic)")
    fid.set_defaults(handler=_eval_fid)
    seg = measures.add_parser("segmenter", help="a segmenter's IoU on held-out world scenes")
    seg.add_argument("--model", type=Path, required=True, help="segmenter model folder")
    _measure_options(seg, n=1000, what="held-out scenes")
    seg.set_defaults(handler=_eval_segmenter)
    feat = measures.add_parser("features", help="how a feature network ranks near copies of a "
                               "scene against other scenes")
    feature_options(feat)
    _measure_options(feat, n=500, what="held-out scenes",
                     card="the card of the vgg16-features model used")
    feat.set_defaults(handler=_eval_features)
    enc = measures.add_parser("encoder", help="a manifold's reconstruction G(E(x)) of held-out "
                              "scenes and of photos")
    enc.add_argument("--model", type=Path, required=True, help="manifold model folder")
    enc.add_argument("--photos", type=Path, action="append", default=[],
                     help="a folder of photographs to reconstruct as well (repeatable)")
    feature_options(enc)
    _measure_options(enc, n=500, what="held-out scenes")
    enc.set_defaults(handler=_eval_encoder)


def _measure_options(parser: argparse.ArgumentParser, *, n: int, what: str,
                     segmenter: bool = False, card: str = "the model card") -> None:
    """--n (how many `what`), --write (into `card`) and, for measures through the segmenter,
    --segmenter."""
    if segmenter:
        parser.add_argument("--segmenter", type=Path, default=None,
                            help="segmenter model folder (default: the installed "
                            "world-segmenter64)")
    parser.add_argument("--n", type=positive, default=n, help=f"{what} (default {n})")
    parser.add_argument("--write", action="store_true", help=f"record the result in {card}")


def _report(report, folder: Path, title: str, *, write: bool, command: str) -> int:
    """Print a measurement; with `write`, store it in the model folder's card under `title`,
    made by `command`."""
    from igan_app.training.cards import record_metrics

    print(report.text())
    if write:
        record_metrics(folder, {title: report.card_entry(command)})
        print(f"recorded in {folder / 'card.md'}")
    return 0


def _eval_fid(args: argparse.Namespace) -> int:
    import torch

    from igan_app.device import pick_device
    from igan_app.training.metrics import fid_l
    from igan_app.zoo.checkpoint import load_checkpoint
    from igan_app.zoo.registry import MANIFOLD_KINDS

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind=MANIFOLD_KINDS, device=device).model
    segmenter = load_segmenter(args.segmenter, device)
    rng = torch.Generator().manual_seed(0)

    @torch.no_grad()
    def generate(k: int) -> torch.Tensor:
        return manifold.generator(manifold.sample_latent(k, rng, device))

    report = fid_l(generate, segmenter.model, n=args.n, resolution=manifold.resolution,
                   device=device, world=args.world)
    report.settings["segmenter"] = str(segmenter.path)
    title = "FID-L" if args.world == "classic" else f"FID-L ({args.world} world)"
    return _report(report, args.model, title, write=args.write, command=args.command_line)


def _eval_paint(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.engine.paint import PAINT_KINDS, Painter
    from igan_app.training.sketch_metrics import paint_quality
    from igan_app.zoo.registry import load_model

    device = pick_device(args.device)
    loaded = load_model(args.model, device=device, expected_kind=PAINT_KINDS)
    segmenter = load_segmenter(args.segmenter, device).model
    report = paint_quality(Painter.from_checkpoint(loaded), segmenter, n=args.n)
    return _report(report, loaded.path, "Paint quality", write=args.write,
                   command=args.command_line)


def _eval_segmenter(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.metrics import segmenter_miou

    device = pick_device(args.device)
    segmenter = load_segmenter(args.model, device)
    report = segmenter_miou(segmenter.model, n=args.n, resolution=segmenter.config.resolution[0],
                            device=device)
    return _report(report, args.model, "mIoU on held-out world scenes", write=args.write,
                   command=args.command_line)


def _eval_encoder(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.data import folder_images, world_scenes
    from igan_app.training.metrics import reconstruction
    from igan_app.world.dataset import HELD_OUT_SEED
    from igan_app.zoo.checkpoint import load_checkpoint
    from igan_app.zoo.registry import MANIFOLD_KINDS

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind=MANIFOLD_KINDS, device=device).model
    size = manifold.resolution
    sets = {"held-out world": world_scenes(args.n, size, first_seed=HELD_OUT_SEED)}
    for folder in args.photos:
        sets[f"photos ({folder.name})"] = folder_images(folder, size)
    features = load_features(feature_choice(args), device)
    report = reconstruction(manifold.encoder, manifold.generator, features, sets, device)
    return _report(report, args.model, "Encoder reconstruction", write=args.write,
                   command=args.command_line)


def _eval_features(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.metrics import feature_ranking

    device = pick_device(args.device)
    network = load_features(feature_choice(args), device)
    report = feature_ranking(network, n=args.n, device=device)
    if args.write and network.source != "world":
        print(report.text())
        raise CommandError("--write records into a vgg16-features model's card; these are "
                           f"ImageNet weights ({network.path})")
    return _report(report, network.path, "Feature distance ranking", write=args.write,
                   command=args.command_line)


__all__ = ["add_commands"]
