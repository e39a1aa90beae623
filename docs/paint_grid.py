"""Draw docs/paint_comparison.png: held-out label maps through the shipped paint models.

    python docs/paint_grid.py [--rows 5] [--size 128] [--out docs/paint_comparison.png]

Columns: label map | pix2pix | SPADE (seed 0) | SPADE with the style of three reference scenes
(shown in the top row) | edges sketch | pix2pix from the sketch | the true scene. Every scene is
held out (never seen in training); the references are held-out scenes too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from igan_app import imaging
from igan_app.engine.edges import edge_map
from igan_app.engine.paint import Painter
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.palette import colorize
from igan_app.world.render import render
from igan_app.zoo.registry import load_model

SCENES = (3, 11, 25, 40, 58, 77)  # held-out seeds (offsets) with varied layouts
STYLES = (101, 131, 166)  # held-out seeds whose looks differ (times of day, weather)


CAPTIONS = ("labels", "pix2pix", "SPADE seed 0", "SPADE, style 1", "SPADE, style 2",
            "SPADE, style 3", "edge sketch", "pix2pix edges", "true scene")


def with_captions(grid: np.ndarray, size: int, pad: int = 2) -> np.ndarray:
    """A white band above the grid naming each column."""
    band = np.full((22, grid.shape[1], 3), 255, np.uint8)
    for col, text in enumerate(CAPTIONS):
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        x = col * (size + pad) + max(0, (size - w) // 2)
        cv2.putText(band, text, (x, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (40, 40, 40), 1,
                    cv2.LINE_AA)
    return np.concatenate([band, grid])


def painter(name: str) -> Painter:
    return Painter.from_checkpoint(load_model(name), name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(
        "paint_comparison.png"))
    args = parser.parse_args()
    spade, pix2pix, edges = (painter(n) for n in
                             ("landscape-spade", "landscape-pix2pix", "landscape-edges"))
    styles = [render(HELD_OUT_SEED + s, args.size)[0] for s in STYLES]
    blank = np.full((args.size, args.size, 3), 255, np.uint8)
    tiles = [blank, blank, blank, *styles, blank, blank, blank]
    for offset in SCENES[:args.rows]:
        image, labels = render(HELD_OUT_SEED + offset, args.size)
        sketch = edge_map(image)
        tiles += [colorize(labels), pix2pix.render(labels, seed=0), spade.render(labels, seed=0),
                  *(spade.render(labels, style=s) for s in styles), sketch,
                  edges.render(sketch, seed=0), image]
    imaging.write_image(args.out, with_captions(imaging.tile(tiles, 9), args.size))
    print(f"wrote {args.out}: label map | pix2pix | SPADE seed 0 | SPADE × 3 reference styles "
          "(top row) | edge sketch | pix2pix edges | true scene")
    return 0


if __name__ == "__main__":
    sys.exit(main())
