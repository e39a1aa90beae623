"""Random square crops of a folder of photographs, at several scales, as training images.

A photo corpus is small (tens of photos) next to the world's thousands of scenes; crops at many
positions and zooms turn each photo into many views of its sky, horizon, water and vegetation, at
the framings a user's photo has (a wide view, a close stretch of foreground). The crops are
unflipped: the trainers flip.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from igan_app import imaging
from igan_app.training.data import ImageSet

DEFAULT_SCALES = (0.25, 1.0)


def photo_crops(folder: str | os.PathLike, n: int, size: int, *, seed: int,
                scales: tuple[float, float] = DEFAULT_SCALES) -> ImageSet:
    """n random square crops of the photos in `folder`, each resized to size×size.

    scales: (smallest, largest) crop side as a fraction of the photo's shorter side, in (0, 1];
    the fraction is drawn log-uniformly between them, so each doubling of zoom is as common as
    the next, and the position uniformly where the crop fits. The crops are shared out evenly
    between the photos (each gets n // M or one more, M photos) and each photo is decoded once.
    Shrinking uses an area filter, enlarging (a crop smaller than `size`) a cubic one.
    Deterministic for a seed. names: "file@x,y,side" per crop, in photo pixels.
    Raises ValueError for a folder without images or bad arguments, FileNotFoundError for a
    missing folder, imaging.ImageError for an unreadable photo.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    if n <= 0 or size <= 0:
        raise ValueError(f"the number of crops and their size must be positive, got {n}, {size}")
    low, high = scales
    if not 0 < low <= high <= 1:
        raise ValueError(f"crop scales must satisfy 0 < smallest <= largest <= 1, got {scales}")
    paths = sorted(p for p in root.iterdir()
                   if p.is_file() and p.suffix.lower() in imaging.IMAGE_SUFFIXES)
    if not paths:
        raise ValueError(f"{root}: no images ({', '.join(sorted(imaging.IMAGE_SUFFIXES))})")
    rng = np.random.default_rng(seed)
    owner = rng.permutation(np.resize(np.arange(len(paths)), n))
    fractions = np.exp(rng.uniform(np.log(low), np.log(high), n))
    where = rng.random((n, 2))  # position of each crop within its photo's free range
    images = np.empty((n, size, size, 3), np.uint8)
    names: list[str] = [""] * n
    for index, path in enumerate(paths):
        mine = np.flatnonzero(owner == index)
        if not len(mine):
            continue
        photo = imaging.read_image(path)
        height, width = photo.shape[:2]
        shorter = min(height, width)
        for k in mine:
            side = max(1, min(shorter, round(fractions[k] * shorter)))
            x = int(where[k, 0] * (width - side + 1))
            y = int(where[k, 1] * (height - side + 1))
            crop = photo[y:y + side, x:x + side]
            filter_ = cv2.INTER_AREA if side >= size else cv2.INTER_CUBIC
            images[k] = cv2.resize(crop, (size, size), interpolation=filter_)
            names[k] = f"{path.name}@{x},{y},{side}"
    description = f"photos: {n} crops of {len(paths)} photos in {root} at {size}px"
    return ImageSet(images, None, description, tuple(names))
