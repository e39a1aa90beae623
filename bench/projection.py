"""Measure projection: time and error of encoder, optimize and hybrid on the shipped manifold.

    python bench/projection.py [--n 100] [--model models/landscape64] [--write]

Held-out world scenes (seeds from 10⁹, never trained on) and the real photos in
assets/photos (centre square). Each method runs with its defaults (`ProjectionConfig`);
`optimize` also runs with hybrid's measured mean time as its budget, so the two are compared at
the same cost. Error: the projection loss (pixel L2 + 0.1 · VGG relu3_3) and PSNR, with the
feature network `load_feature_network` picks (ImageNet if on the machine, else vgg16-world).
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from results import machine, photo_crops, report

from igan_app import imaging
from igan_app.device import describe, pick_device
from igan_app.engine.losses import ReconstructionLoss, psnr
from igan_app.engine.projection import ProjectionConfig, run_projection
from igan_app.training.data import world_scenes
from igan_app.training.metrics import HELD_OUT_SEED
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.registry import MANIFOLD_KINDS
from igan_app.zoo.vgg import load_feature_network

MARKER = "bench/projection.py"


def measure(manifold, features, targets, config):
    """Mean seconds, loss and PSNR of `config` over `targets` (N, 3, r, r)."""
    seconds, losses, quality = [], [], []
    for target in targets:
        target = target[None]
        started = time.perf_counter()
        result = run_projection(manifold, target, config, features)
        seconds.append(time.perf_counter() - started)
        with torch.no_grad():
            losses.append(ReconstructionLoss(features, target)(result.image).item())
        quality.append(psnr(result.image, target).item())
    return float(np.mean(seconds)), float(np.mean(losses)), float(np.mean(quality))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="held-out world scenes")
    parser.add_argument("--model", default="models/landscape64")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind=MANIFOLD_KINDS, device=device).model
    network = load_feature_network(device=device)
    r = manifold.resolution
    sets = {f"{args.n} held-out world scenes": imaging.to_tensor(
        world_scenes(args.n, r, first_seed=HELD_OUT_SEED).images, device)}
    crops = photo_crops(r)
    if crops:
        sets[f"{len(crops)} photos of assets/photos"] = imaging.to_tensor(list(crops.values()),
                                                                          device)

    command = f"python bench/projection.py --n {args.n}"
    where = f"{machine()}; {describe(device)}; {network.describe()}"
    rows = []
    for name, targets in sets.items():
        hybrid_seconds = None
        for method in ("encoder", "optimize", "hybrid"):
            config = ProjectionConfig(method)
            seconds, loss, quality = measure(manifold, network.model, targets, config)
            if method == "hybrid":
                hybrid_seconds = seconds
            label = f"{method} (defaults: {config.steps} steps, {config.starts} start)" \
                if method != "encoder" else "encoder"
            rows.append((f"projection, {label}, {name}", seconds, loss, quality))
        budget = ProjectionConfig("optimize", steps=10_000, time_budget=hybrid_seconds)
        seconds, loss, quality = measure(manifold, network.model, targets, budget)
        rows.append((f"projection, optimize with hybrid's time, {name}", seconds, loss, quality))
    report([(what, f"{seconds * 1000:.0f} ms; loss {loss:.4f}; PSNR {quality:.2f} dB")
            for what, seconds, loss, quality in rows], command, where, MARKER, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
