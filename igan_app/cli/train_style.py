"""`igan train style-manifold`: the style-based manifold (zoo/style.py) or, with
--generator transformer, the transformer generator (zoo/transgan.py) with the same discriminator,
losses and schedule (training/style_manifold.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import generative_eval_options, positive, training_options


def add_command(what: argparse._SubParsersAction) -> None:
    from igan_app.cli.train import photo_options

    parser = what.add_parser("style-manifold", help="style-based (StyleGAN2-like) or transformer "
                             "generator with a residual discriminator")
    training_options(parser, steps=20000, batch=32, run="runs/style-manifold")
    parser.add_argument("--generator", choices=("style", "transformer"), default="style",
                        help="style: mapping network and modulated convolutions; transformer: "
                        "TransGAN-like token grid with windowed attention (default style)")
    parser.add_argument("--resolution", type=int, choices=(32, 64, 128), default=64)
    parser.add_argument("--latent-dim", type=positive, default=100)
    parser.add_argument("--width", type=positive, default=12,
                        help="channels at the image side (each halving of the side doubles "
                        "them up to --max-width); time per step grows about with its square "
                        "(default 12: a generator of DCGAN's size)")
    parser.add_argument("--max-width", type=positive, default=256)
    parser.add_argument("--generator-width", type=positive, default=None,
                        help="the transformer's channels at 8²; default: the width whose "
                        "parameter count matches the style generator's")
    parser.add_argument("--lr", type=float, default=None,
                        help="Adam's rate (default 0.0025 for style, StyleGAN2's; 1e-4 for "
                        "transformer, TransGAN's)")
    parser.add_argument("--r1-gamma", type=float, default=None,
                        help="R1 weight (default 0.0002 · resolution² / batch)")
    parser.add_argument("--augment", default="color,translation,cutout",
                        help="DiffAugment policy, comma-separated; '' for none (default "
                        "color,translation,cutout)")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    photo_options(parser)
    generative_eval_options(parser, n=256, what="the FID-L of the averaged generator's samples")
    parser.set_defaults(handler=_train_style_manifold)


def _train_style_manifold(args: argparse.Namespace) -> int:
    from igan_app.cli.train import train_manifold_run
    from igan_app.training.style_manifold import StyleManifoldConfig, StyleManifoldTraining

    lr = args.lr if args.lr is not None else (0.0025 if args.generator == "style" else 1e-4)
    config = StyleManifoldConfig(
        generator=args.generator, generator_width=args.generator_width,
        resolution=args.resolution, latent_dim=args.latent_dim, width=args.width,
        max_width=args.max_width, batch=args.batch, steps=args.steps, lr=lr,
        r1_gamma=args.r1_gamma, augment=args.augment, seed=args.seed,
        sample_every=args.sample_every, micro_batches=args.micro_batches)
    return train_manifold_run(args, config, StyleManifoldTraining)
