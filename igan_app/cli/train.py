"""`igan train …`: thin argument parsing over igan_app.training.

Every command trains on the world by default (`--data FOLDER` for the user's own images), keeps a
resumable state in its run folder (`--run`, continue with `--resume`), writes sample grids there,
and writes the finished model folder with its card to `--out`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from igan_app.cli.common import (
    command_group,
    feature_choice,
    feature_options,
    generative_eval_options,
    load_features,
    load_segmenter,
    positive,
    progress,
    training_options,
)

# Every trainer, in the order `igan train --help` lists them; each is registered below.
TRAINERS = ("manifold", "style-manifold", "segmenter", "features", "spade", "pix2pix",
            "encoder")


def add_commands(commands: argparse._SubParsersAction) -> None:
    what = command_group(
        commands, "train", f"train a model: {', '.join(TRAINERS)}", title="what to train",
        metavar="WHAT", description="Train one of the models: " + ", ".join(TRAINERS) + ". "
        "Each keeps a resumable state in its --run folder and writes a model folder with its card.")

    manifold = what.add_parser("manifold", help="DCGAN generator and discriminator")
    training_options(manifold, steps=6000, batch=64, run="runs/manifold")
    manifold.add_argument("--resolution", type=int, choices=(32, 64, 128), default=64)
    manifold.add_argument("--latent-dim", type=positive, default=100)
    manifold.add_argument("--width", type=positive, default=32,
                          help="channels of the narrowest layer (DCGAN: 64; default 32)")
    manifold.add_argument("--out", type=Path, required=True, help="model folder to write")
    photo_options(manifold)
    generative_eval_options(manifold, n=256, what="the FID-L of the averaged generator's samples")
    manifold.set_defaults(handler=_train_manifold)

    from igan_app.cli import train_style

    train_style.add_command(what)

    for task, steps, batch, lr, help_text in (
            ("segmenter", 3000, 32, 1e-3, "the world-label U-Net behind FID-L and mIoU"),
            ("features", 3000, 32, 3e-4, "VGG16 feature weights trained on the world")):
        parser = what.add_parser(task, help=help_text)
        training_options(parser, steps=steps, batch=batch, run=f"runs/{task}")
        parser.add_argument("--resolution", type=int, default=64, help="image side (default 64)")
        if task == "segmenter":
            parser.add_argument("--width", type=positive, default=32, help="default 32")
            parser.add_argument("--dice", type=float, default=0.0,
                                help="weight of a soft-Dice loss beside cross-entropy; lifts "
                                "thin and rare labels (default 0)")
        parser.add_argument("--eval-n", type=positive, default=1000,
                            help="held-out scenes for the IoU measured after training "
                            "(default 1000)")
        parser.add_argument("--eval-every", type=int, default=0,
                            help="also measure it every N steps, into the TensorBoard log "
                            "(eval/mIoU); each segments the --eval-n scenes once more "
                            "(default 0: only at the end)")
        parser.add_argument("--lr", type=float, default=lr, help=f"default {lr}")
        parser.add_argument("--out", type=Path, required=True, help="model folder to write")
        parser.set_defaults(handler=_train_segmentation, task=task)

    for model, steps, batch, ngf, lr, help_text in (
            ("spade", 20000, 8, 12, 1e-4, "SPADE label map → landscape, with a style encoder"),
            ("pix2pix", 20000, 8, 32, 2e-4, "pix2pix U-Net: label map or edge sketch → landscape")):
        parser = what.add_parser(model, help=help_text)
        training_options(parser, steps=steps, batch=batch, run=f"runs/{model}")
        parser.add_argument("--resolution", type=int, default=128,
                            help="default 128; a run may be resumed at a larger resolution")
        parser.add_argument("--ngf", type=positive, default=ngf,
                            help=f"generator width (official 64; default {ngf})")
        parser.add_argument("--ndf", type=positive, default=32,
                            help="discriminator width (official 64; default 32)")
        parser.add_argument("--lr", type=float, default=lr, help=f"generator rate, default {lr}")
        parser.add_argument("--out", type=Path, required=True, help="model folder to write")
        generative_eval_options(parser, n=64, what="the L1 to the true pictures and the mIoU "
                                "of the averaged generator's pictures")
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
    training_options(encoder, steps=2000, batch=64, run="runs/encoder")
    encoder.add_argument("--manifold", type=Path, required=True,
                         help="manifold model folder; written back with the trained encoder")
    encoder.add_argument("--eval-every", type=int, default=0,
                         help="every N steps, log the PSNR of G(E(x)) on held-out images "
                         "(--hold-out of a folder, else --eval-n held-out world scenes) as "
                         "eval/reconstruction_psnr (default 0: never)")
    encoder.add_argument("--eval-n", type=positive, default=64,
                         help="held-out world scenes for --eval-every (default 64)")
    encoder.add_argument("--feature-batch", type=positive, default=None,
                         help="images per batch that also get the VGG feature term (default: all;"
                         " fewer is much faster on a CPU)")
    feature_options(encoder)
    encoder.set_defaults(handler=_train_encoder)


@dataclass(frozen=True)
class DataSource:
    """What a training run learns from: the images of `folder` (and their labels where asked), or,
    when it is None, the first `scenes` scenes of the world."""

    folder: Path | None = None
    scenes: int = 50000
    world: str = "classic"
    photos: Path | None = None  # a folder of photographs whose crops join the world's scenes
    photo_crops: int = 0


def photo_options(parser: argparse.ArgumentParser) -> None:
    """--photos and --photo-crops: real photographs mixed into the world's scenes."""
    parser.add_argument("--photos", type=Path, default=None,
                        help="a folder of photographs (scripts/train_photos.py makes one) whose "
                        "random crops at several scales join the world's scenes")
    parser.add_argument("--photo-crops", type=positive, default=5000,
                        help="crops of --photos to add (default 5000: with the default 50000 "
                        "scenes, one training picture in eleven is a photo)")


def data_source(args: argparse.Namespace) -> DataSource:
    """The DataSource of the `training_options` (--data, --scenes)."""
    return DataSource(folder=args.data, scenes=args.scenes, world=args.world,
                      photos=getattr(args, "photos", None),
                      photo_crops=getattr(args, "photo_crops", 0))


def load_data(source: DataSource, resolution: int, *, labels: bool = False, at_least: int = 1):
    """The source's images (and labels) at `resolution`, under a progress bar (an ImageSet).
    A folder is checked whole before training (training/data.folder_images): at least
    `at_least` images (the batch: fewer would repeat within a batch)."""
    from igan_app.training.data import folder_images, world_scenes

    if source.folder is not None:
        return folder_images(source.folder, resolution, with_labels=labels, at_least=at_least,
                             progress=lambda it, n: progress(it, "reading", n, "image"))
    data = world_scenes(source.scenes, resolution, world=source.world,
                        progress=lambda it, n: progress(it, "rendering", n))
    if source.photos is not None and source.photo_crops:
        from igan_app.training.photo_crops import photo_crops

        data = data.joined(photo_crops(source.photos, source.photo_crops, resolution, seed=0))
    return data


def run_steps(steps, total: int, done: int, *, quiet: bool = False) -> None:
    """Drive a training generator under a progress bar showing losses and images per second
    (quiet: no bar, for the ranks other than 0 of a torchrun run)."""
    import time

    if quiet:
        for _ in steps:
            pass
        return
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


def _export(run, folder: Path, command: str, device, *, metrics: dict | None = None) -> int:
    """Write the trained model into `folder` with its card (the command that made it, the
    hardware, any metrics) and say where."""
    from igan_app.training.common import hardware

    extra = {} if metrics is None else {"metrics": metrics}
    written = run.export(folder, command=command, hardware=hardware(device), **extra)
    print(f"wrote {written} ({run.step} steps, {run.seconds / 60:.1f} min)")
    return 0


def launch(args: argparse.Namespace):
    """(device, world) of this training process: the device asked for, the processes torchrun
    started (training/distributed.py), the speed settings (training/speed.py) in force."""
    from igan_app.device import pick_device
    from igan_app.training import speed
    from igan_app.training.distributed import device_of, join

    speed.configure(speed.Speed(args.precision, args.compile, args.channels_last))
    device = pick_device(args.device)
    world = join(device)
    return device_of(device, world), world


def _train_manifold(args: argparse.Namespace) -> int:
    from igan_app.training.manifold import ManifoldConfig, ManifoldTraining

    config = ManifoldConfig(resolution=args.resolution, latent_dim=args.latent_dim,
                            width=args.width, batch=args.batch, steps=args.steps, seed=args.seed,
                            sample_every=args.sample_every, micro_batches=args.micro_batches)
    return train_manifold_run(args, config, ManifoldTraining)


def train_manifold_run(args: argparse.Namespace, config, trainer) -> int:
    """Train a manifold (`trainer`: ManifoldTraining or StyleManifoldTraining, with `config`)
    on the command's data, with its periodic FID-L when asked, and write the model."""
    from igan_app.training.distributed import leave

    device, world = launch(args)
    try:
        data, held = load_shared_data(data_source(args), args.resolution, world,
                                      at_least=args.batch, held_out=args.hold_out)
        evaluation = None
        if args.eval_every and world.main:
            from igan_app.training.evaluation import SampleFID

            held = held_out_pictures(held, args.eval_n, args.resolution, args.world)
            evaluation = SampleFID(load_segmenter(args.segmenter, device).model, held, device)
        run = trainer(config, data, device, args.run, resume=args.resume, world=world,
                      evaluation=evaluation, eval_every=args.eval_every if world.main else 0)
        if run.step >= config.steps and world.main:
            print(f"{args.run} already finished {run.step} steps; writing the model")
        run_steps(run.steps(), config.steps, run.step, quiet=not world.main)
        return _export(run, args.out, args.command_line, device) if world.main else 0
    finally:
        leave()


def load_shared_data(source: DataSource, resolution: int, world, *, labels: bool = False,
                     at_least: int = 1, held_out: float = 0.0):
    """(training, held-out) data on every rank: `load_data` on rank 0 first (it renders and
    caches the world's scenes), then on the others, which read its cache. A folder's held-out
    part is `held_out` of its images (training/data.hold_out); the world's is None (its
    held-out scenes are other seeds)."""
    from igan_app.training.data import hold_out

    data = load_data(source, resolution, labels=labels, at_least=at_least) if world.main else None
    world.barrier()
    if data is None:
        data = load_data(source, resolution, labels=labels, at_least=at_least)
    if source.folder is None:
        return data, None
    return hold_out(data, held_out)


def held_out_pictures(held, n: int, resolution: int, world: str):
    """A folder's held-out part where it has one, else `n` held-out scenes of `world`."""
    if held is not None and len(held):
        return held
    from igan_app.training.data import world_scenes
    from igan_app.world.dataset import HELD_OUT_SEED

    return world_scenes(n, resolution, first_seed=HELD_OUT_SEED, world=world)


def _train_sketch(args: argparse.Namespace) -> int:
    from igan_app.training.distributed import leave
    from igan_app.training.sketch import SketchConfig, SketchTraining

    device, world = launch(args)
    spade = args.model == "spade"
    extra = ({"hidden": args.hidden, "z_dim": args.z_dim, "vgg_resolution": args.vgg_resolution,
              "lambda_vgg": args.vgg_weight, "d_layers": 3} if spade
             else {"source": args.source, "d_layers": 3, "num_d": 1})
    config = SketchConfig(model=args.model, resolution=args.resolution, ngf=args.ngf,
                          ndf=args.ndf, batch=args.batch, steps=args.steps, lr_g=args.lr,
                          seed=args.seed, sample_every=args.sample_every,
                          micro_batches=args.micro_batches, **extra)
    try:
        labels = config.source == "labels"
        data, held = load_shared_data(data_source(args), args.resolution, world, labels=labels,
                                      at_least=args.batch, held_out=args.hold_out)
        wants_features = spade and args.vgg_weight > 0
        features = load_features(feature_choice(args), device) if wants_features else None
        segmenter = None
        if args.eval_every and world.main:
            held = held_out_pictures(held, args.eval_n, args.resolution, args.world)
            if held.labels is not None:
                segmenter = load_segmenter(args.segmenter, device).model
        run = SketchTraining(config, data, device, args.run, features=features,
                             resume=args.resume, world=world, held_out=held,
                             segmenter=segmenter, eval_every=args.eval_every if world.main else 0)
        run_steps(run.steps(), config.steps, run.step, quiet=not world.main)
        return _export(run, args.out, args.command_line, device) if world.main else 0
    finally:
        leave()


def _train_segmentation(args: argparse.Namespace) -> int:
    from igan_app.training.distributed import leave
    from igan_app.training.metrics import segmenter_miou
    from igan_app.training.segmentation import SegmentationConfig, SegmentationTraining

    device, world = launch(args)
    config = SegmentationConfig(task=args.task, resolution=args.resolution,
                                width=getattr(args, "width", 32), batch=args.batch,
                                steps=args.steps, lr=args.lr, seed=args.seed,
                                dice_weight=getattr(args, "dice", 0.0),
                                sample_every=args.sample_every, micro_batches=args.micro_batches)
    try:
        data, held = load_shared_data(data_source(args), args.resolution, world, labels=True,
                                      at_least=args.batch, held_out=args.hold_out)
        if args.world != "classic" or (held is not None and len(held)):
            held = held_out_pictures(held, args.eval_n, args.resolution, args.world)
        else:
            held = None  # the held-out classic scenes, as `igan eval segmenter` measures
        run = SegmentationTraining(config, data, device, args.run, resume=args.resume,
                                   world=world, eval_every=args.eval_every, held_out=held,
                                   eval_n=args.eval_n)
        run_steps(run.steps(), config.steps, run.step, quiet=not world.main)
        if not world.main:
            return 0
        if args.task == "segmenter":
            report = segmenter_miou(run.shipped_network(), n=args.eval_n,
                                    resolution=args.resolution, device=device, held_out=held)
            title = "mIoU on held-out " + ("world scenes" if held is None else "pairs")
            command = f"igan eval segmenter --model {args.out} --n {args.eval_n}"
        else:
            # The shipped backbone has no head of its own; the training head's IoU says how much
            # the features have learned about the world.
            report = segmenter_miou(run.net, n=args.eval_n, resolution=args.resolution,
                                    device=device, held_out=held)
            title = "mIoU of the training task's hypercolumn head (not shipped), held-out scenes"
            command = args.command_line + " (measured at the end of training)"
        print(report.text())
        return _export(run, args.out, args.command_line, device,
                       metrics={title: report.card_entry(command)})
    finally:
        leave()


def _train_encoder(args: argparse.Namespace) -> int:
    from igan_app.training.distributed import leave
    from igan_app.training.encoder import EncoderConfig, EncoderTraining
    from igan_app.zoo.checkpoint import load_checkpoint
    from igan_app.zoo.registry import MANIFOLD_KINDS

    device, world = launch(args)
    manifold = load_checkpoint(args.manifold, expected_kind=MANIFOLD_KINDS)
    config = EncoderConfig(batch=args.batch, steps=args.steps, seed=args.seed,
                           sample_every=args.sample_every, feature_batch=args.feature_batch,
                           micro_batches=args.micro_batches)
    try:
        resolution = manifold.model.resolution
        data, held = load_shared_data(data_source(args), resolution, world,
                                      at_least=args.batch // 2, held_out=args.hold_out)
        if args.eval_every:
            held = held_out_pictures(held, args.eval_n, resolution, args.world)
        features = load_features(feature_choice(args), device)
        run = EncoderTraining(config, manifold, features, data, device, args.run,
                              resume=args.resume, world=world, eval_every=args.eval_every,
                              held_out=held)
        run_steps(run.steps(), config.steps, run.step, quiet=not world.main)
        return _export(run, args.manifold, args.command_line, device) if world.main else 0
    finally:
        leave()


__all__ = ["DataSource", "add_commands", "data_source", "load_data", "run_steps"]
