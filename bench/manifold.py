"""Measure how fast the shipped manifold, segmenter and feature network run.

    python bench/manifold.py [--device cpu] [--repeats 20] [--write]

Rows: generator and encoder at batch 1 (what the editor waits for) and batch 64 (what candidates
and training see), one projection-loss evaluation (G forward, pixel + VGG feature distance,
backward to the latent: one optimizer step of `optimize` projection), and the segmenter. Quality
figures (FID-L, mIoU, reconstruction) are in the model cards, from `igan eval … --write`.
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import sys

import torch
from results import machine, report, timed

from igan_app.device import describe, pick_device
from igan_app.engine.losses import reconstruction_loss
from igan_app.zoo.registry import ModelRegistry

MARKER = "bench/manifold.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--device", default=None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="record the rows in bench/RESULTS.md")
    args = parser.parse_args()
    device = pick_device(args.device)
    registry = ModelRegistry()
    manifold = registry.load("landscape64", device=device).model
    segmenter = registry.load("world-segmenter64", device=device).model
    features = registry.load("vgg16-world", device=device).model.requires_grad_(False)
    g, e = manifold.generator, manifold.encoder
    rng = torch.Generator().manual_seed(0)
    z1, z64 = (manifold.sample_latent(n, rng, device) for n in (1, 64))
    with torch.no_grad():
        x1, x64 = g(z1), g(z64)

    def projection_step() -> None:
        z = z1.clone().requires_grad_(True)
        reconstruction_loss(features, g(z), x1).sum().backward()

    rows = []
    with torch.no_grad():
        for name, fn, n in (("generator, batch 1", lambda: g(z1), 1),
                            ("generator, batch 64", lambda: g(z64), 64),
                            ("encoder, batch 1", lambda: e(x1), 1),
                            ("world-segmenter64, batch 64", lambda: segmenter(x64), 64)):
            seconds = timed(fn, args.repeats, device)
            rows.append((name, f"{seconds * 1000:.2f} ms ({n / seconds:.0f} images/s)"))
    seconds = timed(projection_step, args.repeats, device)
    rows.append(("projection loss + backward (pixel + VGG relu3_3), batch 1",
                 f"{seconds * 1000:.2f} ms"))
    command = f"python bench/manifold.py --device {device.type}"
    where = f"{machine()}; {describe(device)}"
    rows = [(name if name.startswith("world") else f"landscape64 {name}", result)
            for name, result in rows]
    report(rows, command, where, MARKER, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
