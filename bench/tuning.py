"""Measure pivotal tuning: PSNR before and after, time, and how well nearby latents are kept.

    python bench/tuning.py [--n 20] [--steps 100] [--blocks all,2] [--model models/landscape64]
    python bench/tuning.py --photo-set ~/.cache/igan-studio/photo-set --steps 200 --lrs 3e-4,1e-3

The photos of assets/photos (centre square) and held-out world scenes (seeds from 10⁹): each is
projected (`ProjectionConfig` defaults), then the generator is tuned on it (`TuningConfig`
defaults, with `--blocks`: all layers or the last N blocks); PSNR at model resolution after the
projection, at half the steps and at the end, with the seconds to get there. Locality: PSNR of
G'(z_r) against G(z_r) for 8 latents z_r = z + 0.3 (p − z) towards fresh prior samples p
(higher: edits near the photo's latent behave as on the shipped manifold).
With --photo-set (scripts/photo_set.py's folder): every photo of the real-photo set instead, for
each Adam step size of --lrs, the median and worst PSNR at a quarter, half, three quarters and all
of the steps (how the defaults' steps and lr were chosen).
Prints RESULTS.md table rows (no --write: the rows are not recorded yet).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from results import machine, photo_crops, report

from igan_app import imaging
from igan_app.device import describe, pick_device
from igan_app.engine.frame import Frame
from igan_app.engine.losses import psnr
from igan_app.engine.projection import run_projection
from igan_app.engine.tuning import TuningConfig, tune
from igan_app.training.data import world_scenes
from igan_app.training.metrics import HELD_OUT_SEED
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.registry import MANIFOLD_KINDS
from igan_app.zoo.vgg import load_feature_network

MARKER = "bench/tuning.py --n"  # the photo-set rows are recorded apart


def locality(manifold, tuned, latent, seed=123) -> float:
    rng = torch.Generator().manual_seed(seed)
    nearby = latent + 0.3 * (manifold.sample_latent(8, rng, device="cpu").to(latent.device)
                             - latent)
    with torch.no_grad():
        return float(psnr(tuned.generator(nearby), manifold.generator(nearby)).mean())


def measure(manifold, features, target, config):
    """(projection PSNR, PSNR at half, seconds at half, PSNR at end, seconds at end, locality)."""
    projected = run_projection(manifold, target, features=features)
    started = time.perf_counter()
    half = None
    for step in tune(manifold, target, projected.latent, config, features):
        if step.step == config.steps // 2:
            half = (step.psnr, time.perf_counter() - started)
    end = time.perf_counter() - started
    with torch.no_grad():
        before = float(psnr(projected.image, target)[0])
    return before, *half, step.psnr, end, locality(manifold, step.manifold, projected.latent)


def photo_set_rows(manifold, features, directory: Path, steps: int, lrs: list[float],
                   device) -> list[tuple[str, str]]:
    r = manifold.resolution
    checks = [steps // 4, steps // 2, 3 * steps // 4, steps]
    crops = [Frame.centre(photo.shape[:2], r).crop(photo) for photo in
             (imaging.read_image(path) for path in sorted(directory.glob("[0-9]*.jpg")))]
    targets = [imaging.to_tensor(crop, device) for crop in crops]
    pivots = [run_projection(manifold, target, features=features).latent for target in targets]
    rows = []
    for lr in lrs:
        config = TuningConfig(steps=steps, lr=lr)
        reached, seconds = np.zeros((len(targets), len(checks))), []
        for i, (target, latent) in enumerate(zip(targets, pivots)):
            started = time.perf_counter()
            for step in tune(manifold, target, latent, config, features):
                if step.step in checks:
                    reached[i, checks.index(step.step)] = step.psnr
            seconds.append(time.perf_counter() - started)
        at = " → ".join(f"{np.median(reached[:, k]):.1f} ({reached[:, k].min():.1f})"
                        f" at {c}" for k, c in enumerate(checks))
        rows.append((f"tuning on the real-photo set ({len(targets)} photos), lr {lr:g}",
                     f"PSNR median (worst) {at} steps; {np.median(seconds):.1f} s median"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="held-out world scenes")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--blocks", default="all", help="comma list: all or a number of blocks")
    parser.add_argument("--model", default="models/landscape64")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--photo-set", type=Path, help="scripts/photo_set.py's folder")
    parser.add_argument("--lrs", default="3e-4", help="comma list of Adam step sizes")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind=MANIFOLD_KINDS, device=device).model
    network = load_feature_network(device=device)
    r = manifold.resolution
    targets = {name: imaging.to_tensor(crop, device) for name, crop in photo_crops(r).items()}
    scenes = imaging.to_tensor(world_scenes(args.n, r, first_seed=HELD_OUT_SEED).images, device)
    if args.photo_set:
        lrs = [float(lr) for lr in args.lrs.split(",")]
        rows = photo_set_rows(manifold, network.model, args.photo_set.expanduser(), args.steps,
                              lrs, device)
        report(rows, f"python bench/tuning.py --photo-set {args.photo_set} --steps {args.steps} "
               f"--lrs {args.lrs}", f"{machine()}; {describe(device)}; {network.describe()}",
               "bench/tuning.py --photo-set", args.write)
        return 0
    rows = []
    for blocks in args.blocks.split(","):
        config = TuningConfig(steps=args.steps, blocks=None if blocks == "all" else int(blocks))
        results = {name: measure(manifold, network.model, t, config) for name, t in targets.items()}
        world = np.array([measure(manifold, network.model, s[None], config) for s in scenes])
        label = f"tuning ({blocks} blocks, {args.steps} steps)"
        for name, m in [*results.items(), (f"{args.n} held-out world scenes (mean)",
                                           world.mean(0))]:
            rows.append((f"{label}: {name}",
                         (f"PSNR {m[0]:.1f} → {m[1]:.1f} dB at {args.steps // 2} steps "
                         f"({m[2]:.1f} s) → {m[3]:.1f} dB at {args.steps} ({m[4]:.1f} s); "
                         f"locality {m[5]:.1f} dB")))
        if len(world):
            rows.append((f"{label}: world scenes, worst", (f"{world[:, 3].min():.1f} dB at "
                         f"{args.steps} steps; locality worst {world[:, 5].min():.1f} dB")))
    report(rows, f"python bench/tuning.py --n {args.n} --steps {args.steps} "
           f"--blocks {args.blocks}", f"{machine()}; {describe(device)}; {network.describe()}",
           MARKER, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
