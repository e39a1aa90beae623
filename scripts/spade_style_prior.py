"""Fit a SPADE model's style prior: where its style encoder puts real world scenes.

    python scripts/spade_style_prior.py [--model models/landscape-spade] [--scenes 2000]
                                        [--axes 8] [--temperature 0.8] [--dry-run]

Encodes training scenes 0..scenes-1 (the held-out scenes stay for measuring, bench/styles.py),
fits `engine.paint.StylePrior` to the encoder's means and writes it, with this command, under
meta.style_prior in the model's config.json (nothing else in the folder changes). Seeds in the
paint view and `igan paint --seed` then draw styles from it instead of N(0, I).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from igan_app import imaging
from igan_app.engine.paint import StylePrior
from igan_app.files import write_text_atomic
from igan_app.training.data import world_scenes
from igan_app.zoo.checkpoint import CONFIG_FILE, load_checkpoint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/landscape-spade"))
    parser.add_argument("--scenes", type=int, default=2000, help="training scenes to encode")
    parser.add_argument("--axes", type=int, default=8, help="principal directions to keep")
    parser.add_argument("--temperature", type=float, default=0.8,
                        help="draws' distance from the mean, as a fraction of the fitted "
                        "deviations (default 0.8: see engine.paint.StylePrior)")
    parser.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    args = parser.parse_args()
    loaded = load_checkpoint(args.model, expected_kind="spade")
    model = loaded.model.eval()
    if not model.use_vae:
        print(f"error: {args.model} has no style encoder; there is no style to fit",
              file=sys.stderr)
        return 1
    world = world_scenes(args.scenes, loaded.config.resolution[0])
    with torch.no_grad():
        codes = np.concatenate([
            model.encode_style(imaging.to_tensor(world.images[i:i + 100]))[0].numpy()
            for i in range(0, args.scenes, 100)])
    prior = replace(StylePrior.fit(codes, axes=args.axes), temperature=args.temperature)
    along = np.linalg.norm(prior.axes, axis=1)
    print(f"{world.description}: codes' mean |μ| {np.abs(prior.mean).mean():.2f}; standard "
          f"deviation along the {args.axes} axes {np.array2string(along, precision=2)}; "
          f"left per dimension {prior.spread.mean():.2f} (N(0, I): 1 everywhere)")
    if args.dry_run:
        return 0
    path = args.model / CONFIG_FILE
    config = json.loads(path.read_text())
    command = " ".join(["python scripts/spade_style_prior.py", *sys.argv[1:]])
    config["meta"]["style_prior"] = {"command": command, "data": world.description,
                                     **prior.to_meta()}
    write_text_atomic(path, json.dumps(config, indent=2) + "\n")
    print(f"wrote meta.style_prior in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
