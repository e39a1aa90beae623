"""Measure how different SPADE's random styles are: renders of the same label maps across seeds,
against the same measure across the styles of real scenes.

    python bench/styles.py [--model landscape-spade] [--maps 20] [--seeds 6] [--device cpu]
                           [--write]

For each of --maps held-out world label maps, --seeds renders (seeds 0..seeds-1, through
`Painter.render` as `igan paint --seed` and the paint view make them) and the mean pairwise
distance between them, in the feature network's space (`engine.losses.feature_distance`,
relu3_3) and in pixels (mean absolute difference, 0–255). Rows:
- N(0, I): seeds drawn from the standard normal prior (what seeds did before the fitted prior);
- fitted prior: seeds drawn from the model's `style_prior` (config.json; scripts/spade_style_prior.py);
- real styles: the map rendered with the style codes of --seeds other held-out scenes (each
  real scene encoded, its code used on another scene's map): the spread the styles should have.
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from collections.abc import Callable

import numpy as np
import torch
from results import machine, report

from igan_app import imaging
from igan_app.device import describe, pick_device
from igan_app.engine.losses import feature_distance
from igan_app.engine.paint import Painter
from igan_app.training.data import world_scenes
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.zoo.registry import load_model
from igan_app.zoo.vgg import load_feature_network

MARKER = "bench/styles.py"


def spread(features, renders: np.ndarray) -> tuple[float, float]:
    """(maps, styles, H, W, 3) uint8 → mean pairwise (feature, pixel) distance within a map."""
    pictures = torch.stack([imaging.to_tensor(r) for r in renders])  # (maps, S, 3, H, W)
    pairs = list(itertools.combinations(range(renders.shape[1]), 2))
    with torch.no_grad():
        feature = torch.stack([feature_distance(features, pictures[:, i], pictures[:, j])
                               for i, j in pairs]).mean()
    pixel = np.mean([np.abs(renders[:, i].astype(np.float32) - renders[:, j]).mean()
                     for i, j in pairs])
    return float(feature), float(pixel)


def render_all(labels: np.ndarray, styles: int,
               render: Callable[[int, int], np.ndarray]) -> np.ndarray:
    return np.stack([np.stack([render(i, s) for s in range(styles)]) for i in range(len(labels))])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="landscape-spade")
    parser.add_argument("--maps", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--device", default=None)
    parser.add_argument("--write", action="store_true", help="record the rows in bench/RESULTS.md")
    args = parser.parse_args()
    device = pick_device(args.device)
    painter = Painter.from_checkpoint(load_model(args.model, device=device,
                                                 expected_kind="spade"), args.model)
    if not painter.has_style:
        print(f"error: {args.model} has no style encoder; its renders have no style to vary",
              file=sys.stderr)
        return 1
    n, s = args.maps, args.seeds
    world = world_scenes(n * (1 + s), painter.resolution[0], first_seed=HELD_OUT_SEED)
    labels, others = world.labels[:n], world.images[n:]
    network = load_feature_network(device=device)
    ways = {"seeds from N(0, I) (before)": dataclasses.replace(painter, style_prior=None)}
    if painter.style_prior is not None:
        ways["seeds from the fitted style prior"] = painter
    measured = {name: spread(network.model, render_all(
        labels, s, lambda i, k, p=way: p.render(labels[i], seed=k))) for name, way in ways.items()}
    codes = [[painter.style_code(others[k * n + i]) for k in range(s)] for i in range(n)]
    measured["styles of real held-out scenes"] = spread(network.model, render_all(
        labels, s, lambda i, k: painter.render(labels[i], style=codes[i][k])))
    real = measured["styles of real held-out scenes"][0]
    rows = [(f"style spread, {args.model}: {name} ({n} held-out maps × {s})",
             (f"{feature:.2f} feature distance ({100 * feature / real:.0f}% of real styles), "
              f"{pixel:.1f}/255 px")) for name, (feature, pixel) in measured.items()]
    report(rows, "python " + " ".join(["bench/styles.py", *sys.argv[1:]]).replace(" --write", ""),
           f"{machine()}; {describe(device)}; {network.describe()}", MARKER, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
