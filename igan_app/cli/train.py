"""`igan train …` and `igan eval …`: thin argument parsing over igan_app.training.

Every command trains on the world by default (`--data FOLDER` for the user's own images), keeps a
resumable state in its run folder (`--run`, continue with `--resume`), writes sample grids there,
and writes the finished model folder with its card to `--out`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import (
    CommandError,
    feature_options,
    load_features,
    positive,
    progress,
    show_help,
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train the models (manifold, encoder, features, "
                                "segmenter)")
    train.set_defaults(handler=lambda _args: show_help(train))
    what = train.add_subparsers(title="what to train", metavar="WHAT")

    manifold = what.add_parser("manifold", help="DCGAN generator and discriminator")
    _common(manifold, steps=6000, batch=64, run="runs/manifold")
    manifold.add_argument("--resolution", type=int, choices=(32, 64, 128), default=64)
    manifold.add_argument("--latent-dim", type=positive, default=100)
    manifold.add_argument("--width", type=positive, default=32,
                          help="channels of the narrowest layer (DCGAN: 64; default 32)")
    manifold.add_argument("--out", type=Path, required=True, help="model folder to write")
    manifold.set_defaults(handler=_train_manifold)

    for task, steps, batch, lr, help_text in (
            ("segmenter", 3000, 32, 1e-3, "the world-label U-Net behind FID-L and mIoU"),
            ("features", 3000, 32, 3e-4, "VGG16 feature weights trained on the world")):
        parser = what.add_parser(task, help=help_text)
        _common(parser, steps=steps, batch=batch, run=f"runs/{task}")
        parser.add_argument("--resolution", type=int, default=64, help="image side (default 64)")
        if task == "segmenter":
            parser.add_argument("--width", type=positive, default=32, help="default 32")
            parser.add_argument("--dice", type=float, default=0.0,
                                help="weight of a soft-Dice loss beside cross-entropy; lifts "
                                "thin and rare labels (default 0)")
        parser.add_argument("--eval-n", type=positive, default=1000,
                            help="held-out scenes for the IoU measured after training "
                            "(default 1000)")
        parser.add_argument("--lr", type=float, default=lr, help=f"default {lr}")
        parser.add_argument("--out", type=Path, required=True, help="model folder to write")
        parser.set_defaults(handler=_train_segmentation, task=task)

    for model, steps, batch, ngf, lr, help_text in (
            ("spade", 20000, 8, 12, 1e-4, "SPADE label map → landscape, with a style encoder"),
            ("pix2pix", 20000, 8, 32, 2e-4, "pix2pix U-Net: label map or edge sketch → landscape")):
        parser = what.add_parser(model, help=help_text)
        _common(parser, steps=steps, batch=batch, run=f"runs/{model}")
        parser.add_argument("--resolution", type=int, default=128,
                            help="default 128; a run may be resumed at a larger resolution")
        parser.add_argument("--ngf", type=positive, default=ngf,
                            help=f"generator width (official 64; default {ngf})")
        parser.add_argument("--ndf", type=positive, default=32,
                            help="discriminator width (official 64; default 32)")
        parser.add_argument("--lr", type=float, default=lr, help=f"generator rate, default {lr}")
        parser.add_argument("--out", type=Path, required=True, help="model folder to write")
        if model == "spade":
            parser.add_argument("--hidden", type=positive, default=16,
                                help="width of SPADE's label MLP (official 128; default 16)")
            parser.add_argument("--z-dim", type=positive, default=64, help="style code length "
                                "(official 256; default 64)")
            parser.add_argument("--vgg-resolution", type=positive, default=64,
                                help="side at which the VGG loss compares pictures (default 64)")
            parser.add_argument("--vgg-weight", type=float, default=10.0,
                                help="weight of the VGG loss (SPADE: 10; 0 turns it off)")
            feature_options(parser)
        else:
            parser.add_argument("--source", choices=("labels", "edges"), default="labels",
                                help="what the model reads: label maps or edge sketches")
        parser.set_defaults(handler=_train_sketch, model=model)

    encoder = what.add_parser("encoder", help="a manifold's encoder, through its frozen generator")
    _common(encoder, steps=2000, batch=64, run="runs/encoder")
    encoder.add_argument("--manifold", type=Path, required=True,
                         help="manifold model folder; written back with the trained encoder")
    encoder.add_argument("--feature-batch", type=positive, default=None,
                         help="images per batch that also get the VGG feature term (default: all;"
                         " fewer is much faster on a CPU)")
    feature_options(encoder)
    encoder.set_defaults(handler=_train_encoder)

    evaluate = commands.add_parser("eval", help="measure a model (FID-L, mIoU, reconstruction)")
    evaluate.set_defaults(handler=lambda _args: show_help(evaluate))
    measures = evaluate.add_subparsers(title="what to measure", metavar="WHAT")
    paint = measures.add_parser("paint", help="a paint model's mIoU, FID-L and L1 on held-out "
                                "world label maps, beside the real scenes'")
    paint.add_argument("--model", required=True, help="paint model name or folder")
    paint.add_argument("--segmenter", type=Path, default=None,
                       help="segmenter model folder (default: the installed world-segmenter64)")
    paint.add_argument("--n", type=positive, default=500, help="held-out scenes (default 500)")
    paint.add_argument("--write", action="store_true", help="record the result in the model card")
    paint.set_defaults(handler=_eval_paint)
    fid = measures.add_parser("fid", help="FID-L of a manifold's generator, with floor and blur")
    fid.add_argument("--model", type=Path, required=True, help="manifold model folder")
    fid.add_argument("--segmenter", type=Path, default=None,
                     help="segmenter model folder (default: the installed world-segmenter64)")
    fid.add_argument("--n", type=positive, default=2000, help="samples per set (default 2000)")
    fid.add_argument("--write", action="store_true", help="record the result in the model card")
    fid.set_defaults(handler=_eval_fid)
    seg = measures.add_parser("segmenter", help="a segmenter's IoU on held-out world scenes")
    seg.add_argument("--model", type=Path, required=True, help="segmenter model folder")
    seg.add_argument("--n", type=positive, default=1000, help="held-out scenes (default 1000)")
    seg.add_argument("--write", action="store_true", help="record the result in the model card")
    seg.set_defaults(handler=_eval_segmenter)
    feat = measures.add_parser("features", help="how a feature network ranks near copies of a "
                               "scene against other scenes")
    feat.add_argument("--n", type=positive, default=500, help="held-out scenes (default 500)")
    feature_options(feat)
    feat.add_argument("--write", action="store_true",
                      help="record the result in the card of the vgg16-features model used")
    feat.set_defaults(handler=_eval_features)
    enc = measures.add_parser("encoder", help="a manifold's reconstruction G(E(x)) of held-out "
                              "scenes and of photos")
    enc.add_argument("--model", type=Path, required=True, help="manifold model folder")
    enc.add_argument("--photos", type=Path, action="append", default=[],
                     help="a folder of photographs to reconstruct as well (repeatable)")
    enc.add_argument("--n", type=positive, default=500, help="held-out scenes (default 500)")
    feature_options(enc)
    enc.add_argument("--write", action="store_true", help="record the result in the model card")
    enc.set_defaults(handler=_eval_encoder)


def _common(parser: argparse.ArgumentParser, *, steps: int, batch: int, run: str) -> None:
    parser.add_argument("--steps", type=positive, default=steps, help=f"default {steps}")
    parser.add_argument("--batch", type=positive, default=batch, help=f"default {batch}")
    parser.add_argument("--seed", type=int, default=0, help="default 0")
    parser.add_argument("--data", type=Path, default=None,
                        help="a folder of images to train on instead of the world")
    parser.add_argument("--scenes", type=positive, default=50000,
                        help="world scenes to train on (default 50000)")
    parser.add_argument("--run", type=Path, default=Path(run),
                        help=f"folder for the resumable state and sample grids (default {run})")
    parser.add_argument("--resume", action="store_true", help="continue the run in --run")
    parser.add_argument("--sample-every", type=positive, default=500,
                        help="write a sample grid every N steps (default 500)")


def load_data(args: argparse.Namespace, resolution: int, *, labels: bool = False):
    from igan_app.training.data import folder_images, world_scenes

    if args.data is not None:
        return folder_images(args.data, resolution, with_labels=labels,
                             progress=lambda it, n: progress(it, "reading", n, "image"))
    return world_scenes(args.scenes, resolution,
                        progress=lambda it, n: progress(it, "rendering", n))


def run_steps(steps, total: int, done: int) -> None:
    """Drive a training generator under a progress bar showing losses and images per second."""
    import time

    bar = progress(None, "training", total, "step")
    bar.update(done)
    logged = time.monotonic()
    try:
        for result in steps:
            bar.update(1)
            if bar.disable and time.monotonic() - logged > 60:
                # No terminal (a background run's log): a plain line a minute instead of a bar.
                logged = time.monotonic()
                losses = " ".join(f"{k} {v:.3f}" for k, v in result.losses.items())
                bar.write(f"step {result.step}/{total}: {losses}, {result.images_per_s:.0f} img/s")
            bar.set_postfix({**{k: f"{v:.3f}" for k, v in result.losses.items()},
                             "img/s": f"{result.images_per_s:.0f}"}, refresh=False)
            if result.sample_grid is not None:
                bar.write(f"step {result.step}: samples in {result.sample_grid}")
    finally:
        bar.close()


def _train_manifold(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.common import hardware
    from igan_app.training.manifold import ManifoldConfig, ManifoldTraining

    device = pick_device(args.device)
    config = ManifoldConfig(resolution=args.resolution, latent_dim=args.latent_dim,
                            width=args.width, batch=args.batch, steps=args.steps, seed=args.seed,
                            sample_every=args.sample_every)
    data = load_data(args, args.resolution)
    run = ManifoldTraining(config, data, device, args.run, resume=args.resume)
    if run.step >= config.steps:
        print(f"{args.run} already finished {run.step} steps; writing the model")
    run_steps(run.steps(), config.steps, run.step)
    folder = run.export(args.out, command=args.command_line, hardware=hardware(device))
    print(f"wrote {folder} ({run.step} steps, {run.seconds / 60:.1f} min)")
    return 0




__all__ = ["add_commands"]


def _train_sketch(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.common import hardware
    from igan_app.training.sketch import SketchConfig, SketchTraining

    device = pick_device(args.device)
    spade = args.model == "spade"
    extra = ({"hidden": args.hidden, "z_dim": args.z_dim, "vgg_resolution": args.vgg_resolution,
              "lambda_vgg": args.vgg_weight, "d_layers": 3} if spade else {"source": args.source, "d_layers": 3, "num_d": 1})
    config = SketchConfig(model=args.model, resolution=args.resolution, ngf=args.ngf,
                          ndf=args.ndf, batch=args.batch, steps=args.steps, lr_g=args.lr,
                          seed=args.seed, sample_every=args.sample_every, **extra)
    data = load_data(args, args.resolution, labels=config.source == "labels")
    features = load_features(args, device) if spade and args.vgg_weight > 0 else None
    run = SketchTraining(config, data, device, args.run, features=features, resume=args.resume)
    run_steps(run.steps(), config.steps, run.step)
    folder = run.export(args.out, command=args.command_line, hardware=hardware(device))
    print(f"wrote {folder} ({run.step} steps, {run.seconds / 60:.1f} min)")
    return 0


def _train_segmentation(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.common import hardware
    from igan_app.training.metrics import segmenter_miou
    from igan_app.training.segmentation import SegmentationConfig, SegmentationTraining

    device = pick_device(args.device)
    config = SegmentationConfig(task=args.task, resolution=args.resolution,
                                width=getattr(args, "width", 32), batch=args.batch,
                                steps=args.steps, lr=args.lr, seed=args.seed,
                                dice_weight=getattr(args, "dice", 0.0),
                                sample_every=args.sample_every)
    data = load_data(args, args.resolution, labels=True)
    run = SegmentationTraining(config, data, device, args.run, resume=args.resume)
    run_steps(run.steps(), config.steps, run.step)
    if args.task == "segmenter":
        report = segmenter_miou(run.shipped_network(), n=args.eval_n, resolution=args.resolution,
                                device=device)
        title = "mIoU on held-out world scenes"
        command = f"igan eval segmenter --model {args.out} --n {args.eval_n}"
    else:
        # The shipped backbone has no head of its own; the training head's IoU says how much
        # the features have learned about the world.
        report = segmenter_miou(run.net, n=args.eval_n, resolution=args.resolution,
                                device=device)
        title = "mIoU of the training task's hypercolumn head (not shipped), held-out scenes"
        command = args.command_line + " (measured at the end of training)"
    print(report.text())
    metrics = {title: report.card_entry(command)}
    folder = run.export(args.out, command=args.command_line, hardware=hardware(device),
                        metrics=metrics)
    print(f"wrote {folder} ({run.step} steps, {run.seconds / 60:.1f} min)")
    return 0


def _train_encoder(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.common import hardware
    from igan_app.training.encoder import EncoderConfig, EncoderTraining
    from igan_app.zoo.checkpoint import load_checkpoint

    device = pick_device(args.device)
    manifold = load_checkpoint(args.manifold, expected_kind="dcgan-manifold")
    config = EncoderConfig(batch=args.batch, steps=args.steps, seed=args.seed,
                           sample_every=args.sample_every, feature_batch=args.feature_batch)
    data = load_data(args, manifold.model.resolution)
    run = EncoderTraining(config, manifold, load_features(args, device), data, device, args.run,
                          resume=args.resume)
    run_steps(run.steps(), config.steps, run.step)
    folder = run.export(args.manifold, command=args.command_line, hardware=hardware(device))
    print(f"wrote {folder} ({run.step} steps, {run.seconds / 60:.1f} min)")
    return 0


def _segmenter(path: Path | None, device):
    from igan_app.zoo.checkpoint import load_checkpoint
    from igan_app.zoo.registry import ModelRegistry

    if path is not None:
        return load_checkpoint(path, expected_kind="world-segmenter", device=device)
    return ModelRegistry().load("world-segmenter64", expected_kind="world-segmenter",
                                device=device)


def _report(args: argparse.Namespace, report, folder: Path, title: str) -> int:
    """Print a measurement; with --write, store it in the model folder's card under `title`."""
    from igan_app.training.cards import record_metrics

    print(report.text())
    if args.write:
        record_metrics(folder, {title: report.card_entry(args.command_line)})
        print(f"recorded in {folder / 'card.md'}")
    return 0


def _eval_fid(args: argparse.Namespace) -> int:
    import torch

    from igan_app.device import pick_device
    from igan_app.training.metrics import fid_l
    from igan_app.zoo.checkpoint import load_checkpoint

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind="dcgan-manifold", device=device).model
    segmenter = _segmenter(args.segmenter, device)
    rng = torch.Generator().manual_seed(0)

    @torch.no_grad()
    def generate(k: int) -> torch.Tensor:
        return manifold.generator(manifold.sample_latent(k, rng, device))

    report = fid_l(generate, segmenter.model, n=args.n, resolution=manifold.resolution,
                   device=device)
    report.settings["segmenter"] = str(segmenter.path)
    return _report(args, report, args.model, "FID-L")


def _eval_paint(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.engine.paint import PAINT_KINDS, Painter
    from igan_app.training.sketch_metrics import paint_quality
    from igan_app.zoo.registry import load_model

    device = pick_device(args.device)
    loaded = load_model(args.model, device=device, expected_kind=PAINT_KINDS)
    report = paint_quality(Painter.from_checkpoint(loaded), _segmenter(args.segmenter, device).model,
                           n=args.n)
    return _report(args, report, loaded.path, "Paint quality")


def _eval_segmenter(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.metrics import segmenter_miou

    device = pick_device(args.device)
    segmenter = _segmenter(args.model, device)
    report = segmenter_miou(segmenter.model, n=args.n, resolution=segmenter.config.resolution[0],
                            device=device)
    return _report(args, report, args.model, "mIoU on held-out world scenes")


def _eval_encoder(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.data import folder_images, world_scenes
    from igan_app.training.metrics import reconstruction
    from igan_app.world.dataset import HELD_OUT_SEED
    from igan_app.zoo.checkpoint import load_checkpoint

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind="dcgan-manifold", device=device).model
    size = manifold.resolution
    sets = {"held-out world": world_scenes(args.n, size, first_seed=HELD_OUT_SEED)}
    for folder in args.photos:
        sets[f"photos ({folder.name})"] = folder_images(folder, size)
    report = reconstruction(manifold.encoder, manifold.generator, load_features(args, device), sets,
                            device)
    return _report(args, report, args.model, "Encoder reconstruction")


def _eval_features(args: argparse.Namespace) -> int:
    from igan_app.device import pick_device
    from igan_app.training.metrics import feature_ranking

    device = pick_device(args.device)
    network = load_features(args, device)
    report = feature_ranking(network, n=args.n, device=device)
    if args.write and network.source != "world":
        print(report.text())
        raise CommandError("--write records into a vgg16-features model's card; these are "
                           f"ImageNet weights ({network.path})")
    return _report(args, report, network.path, "Feature distance ranking")
