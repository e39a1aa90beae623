"""Compose the README's editing pictures from the output of `igan demo`.

    igan demo --out demo && python docs/edit_figures.py demo

Writes docs/edit_<name>.png (the photo, the candidates, the edited photo, side by side) for each
edit of the demo, and docs/morph_strip.png (every other frame of the morph).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence

from igan_app import imaging

ROOT = Path(__file__).resolve().parents[1]
EDITS = {  # result name → the photo it was made from
    "valley_sunset": ROOT / "assets/demo/valley.png",
    "valley_ridge": ROOT / "assets/demo/valley.png",
    "dune_overcast": ROOT / "assets/photos/dune.jpg",
    "storm_clearing": ROOT / "assets/photos/storm.jpg",
}
HEIGHT = 300


def _fit(image: np.ndarray, height: int = HEIGHT) -> np.ndarray:
    width = round(image.shape[1] * height / image.shape[0])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _result(demo: Path, name: str) -> Path:
    return next(p for p in (demo / f"{name}.png", demo / f"{name}.jpg") if p.exists())


def main(demo: Path) -> int:
    gap = np.full((HEIGHT, 8, 3), 255, np.uint8)
    for name, source in EDITS.items():
        photo = imaging.read_image(source)
        candidates = imaging.read_image(demo / f"{name}_candidates.png")
        edited = imaging.read_image(_result(demo, name))
        row = np.concatenate([_fit(photo), gap, _fit(candidates), gap, _fit(edited)], 1)
        imaging.write_image(ROOT / "docs" / f"edit_{name}.png", row)
    with Image.open(demo / "morph.gif") as gif:
        frames = [np.array(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    strip = [_fit(f, 160) for f in frames[::2]] + [_fit(frames[-1], 160)]
    imaging.write_image(ROOT / "docs" / "morph_strip.png", np.concatenate(strip, 1))
    print(f"wrote {len(EDITS) + 1} pictures to {ROOT / 'docs'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
