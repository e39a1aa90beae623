"""Measure one paint render: a 256² world label map (or its edge sketch) → a picture.

    python bench/paint.py [--device cpu] [--repeats 10] [--models A B …] [--official] [--write]

Rows: each installed paint model (default: the shipped landscape-spade, landscape-pix2pix and
landscape-edges) through `Painter.render`, which is what `igan paint` and the paint view call;
with --official, the official-size architectures with random weights for comparison (SPADE
ADE20K, ngf 64, 151 channels; pix2pix unet_256, ngf 64). Median of --repeats after a warm-up.
Quality figures (mIoU, FID-L, L1) are in the model cards (`igan eval paint … --write`).
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import sys

import torch
from results import machine, report, timed

from igan_app.device import describe, pick_device
from igan_app.engine.edges import edge_map
from igan_app.engine.paint import PAINT_KINDS, Painter
from igan_app.world.render import render
from igan_app.zoo.pix2pix import UnetGenerator
from igan_app.zoo.registry import load_model
from igan_app.zoo.spade import SpadeModel

MARKER = "bench/paint.py"
SHIPPED = ("landscape-spade", "landscape-pix2pix", "landscape-edges")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--device", default=None)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--models", nargs="*", default=list(SHIPPED))
    parser.add_argument("--official", action="store_true",
                        help="also time the official-size SPADE and pix2pix architectures")
    parser.add_argument("--write", action="store_true", help="record the rows in bench/RESULTS.md")
    args = parser.parse_args()
    device = pick_device(args.device)
    image, labels = render(1_000_000_003, args.size)
    sketch = edge_map(image)
    rows = []
    for name in args.models:
        painter = Painter.from_checkpoint(load_model(name, device=device,
                                                     expected_kind=PAINT_KINDS), name)
        source = labels if painter.input == "labels" else sketch
        with torch.inference_mode():
            seconds = timed(lambda p=painter, s=source: p.render(s, seed=1), args.repeats,
                            device)
        rows.append((f"paint render {args.size}², {name} ({painter.model.__class__.__name__})",
                     f"{1000 * seconds:.0f} ms"))
    if args.official:
        torch.manual_seed(0)
        spade = SpadeModel(150, 64, dont_care=True).to(device).eval()
        seg = spade.one_hot(torch.from_numpy(labels).long()[None].to(device))
        unet = UnetGenerator(3, 3, 8, 64, dropout=False).to(device).eval()
        x = torch.zeros(1, 3, args.size, args.size, device=device)
        with torch.inference_mode():
            rows.append((f"official SPADE generator {args.size}² (ADE20K, ngf 64, random weights)",
                         f"{1000 * timed(lambda: spade(seg), max(2, args.repeats // 4), device):.0f} ms"))
            rows.append((f"official pix2pix unet_256 at {args.size}² (ngf 64, random weights)",
                         f"{1000 * timed(lambda: unet(x), args.repeats, device):.0f} ms"))
    report(rows, "python " + " ".join(["bench/paint.py", *sys.argv[1:]]).replace(" --write", ""),
           f"{machine()}; {describe(device)}", MARKER, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
