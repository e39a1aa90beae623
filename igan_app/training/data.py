"""Training data held in memory as uint8 arrays: rendered world scenes or a folder of images.

World scenes are rendered once per run (in parallel) and cached on disk keyed by the renderer's
source, so the four training commands and the metrics do not pay for the same scenes twice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from igan_app import files, imaging
from igan_app.world import render as world_render
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.palette import load_labels

Progress = Callable[[Iterable[int], int], Iterable[int]]


def _no_progress(it: Iterable[int], _total: int) -> Iterable[int]:
    return it


@dataclass
class ImageSet:
    """images: (N, H, W, 3) uint8 RGB; labels: (N, H, W) uint8 ids, or None; description: what
    they are; names: the files they came from (None for rendered scenes)."""

    images: np.ndarray
    labels: np.ndarray | None
    description: str
    names: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.images)

    def joined(self, other: ImageSet) -> ImageSet:
        """This set and `other` as one (labels only where both have them)."""
        labels = (None if self.labels is None or other.labels is None
                  else np.concatenate([self.labels, other.labels]))
        return ImageSet(np.concatenate([self.images, other.images]), labels,
                        f"{self.description} and {other.description}")

    def subset(self, keep: np.ndarray, description: str) -> ImageSet:
        """The items where `keep` (bool, one per item) is true."""
        return ImageSet(self.images[keep], None if self.labels is None else self.labels[keep],
                        description, None if self.names is None else
                        tuple(n for n, k in zip(self.names, keep) if k))


def hold_out(data: ImageSet, fraction: float) -> tuple[ImageSet, ImageSet]:
    """(training, held-out) parts of a folder's images: each file is held out by a hash of its
    name, so the split stays the same across runs and when images are added to the folder."""
    if data.names is None:
        raise ValueError("only a folder's images are split (the world has held-out seeds)")
    if not 0 <= fraction < 1:
        raise ValueError(f"the held-out fraction must be in [0, 1), got {fraction}")
    held = np.array([int(hashlib.sha256(n.encode()).hexdigest()[:8], 16) / 2**32 < fraction
                     for n in data.names], bool)
    if not held.any():
        return data, data.subset(held, f"{data.description}, none held out")
    return (data.subset(~held, f"{data.description}, {int((~held).sum())} for training"),
            data.subset(held, f"{data.description}, {int(held.sum())} held out"))


def cache_dir() -> Path:
    override = os.environ.get("IGAN_CACHE_DIR")
    base = Path(override) if override else Path.home() / ".cache" / "igan-studio"
    return base / "world"


def _renderer_hash() -> str:
    # A change to any world module changes the scenes, so the cache key covers their source.
    digest = hashlib.sha256()
    folder = Path(world_render.__file__).parent
    for path in sorted(folder.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _render_one(job: tuple[int, int, str]) -> tuple[np.ndarray, np.ndarray]:
    seed, size, world = job
    return world_render.render(seed, size, world)


def world_scenes(n: int, size: int, *, first_seed: int = 0, workers: int | None = None,
                 cache: bool = True, progress: Progress = _no_progress,
                 world: str = "classic") -> ImageSet:
    """Scenes first_seed .. first_seed+n-1 of `world` (world/render.WORLDS) at size×size, with
    labels."""
    if n <= 0:
        raise ValueError(f"the number of scenes must be positive, got {n}")
    if first_seed < HELD_OUT_SEED < first_seed + n:
        raise ValueError(f"training scenes {first_seed}..{first_seed + n - 1} would run into the "
                         f"held-out scenes at {HELD_OUT_SEED}")
    split = "held-out" if first_seed >= HELD_OUT_SEED else "training"
    name = "world" if world == "classic" else f"{world} world"
    description = f"{name}: {n} {split} scenes (seeds {first_seed}..{first_seed + n - 1}) at {size}px"
    tag = "" if world == "classic" else f"{world}-"
    path = cache_dir() / f"{tag}{_renderer_hash()}-{size}-{first_seed}-{n}.npz"
    if cache and path.is_file():
        try:
            with np.load(path) as stored:
                return ImageSet(stored["images"], stored["labels"], description)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rendered again and replaced
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.empty((n, size, size), np.uint8)
    jobs = [(first_seed + i, size, world) for i in range(n)]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or n < 64:
        results: Iterable = map(_render_one, jobs)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_render_one, jobs, chunksize=32)
    try:
        for i, (image, label) in enumerate(progress(results, n)):
            images[i], labels[i] = image, label
    finally:
        if pool is not None:
            pool.shutdown()
    if cache:
        files.write_atomic(path, lambda f: np.savez(f, images=images, labels=labels))
    return ImageSet(images, labels, description)


def fit_square(image: np.ndarray, size: int) -> np.ndarray:
    """Center-crop to a square and resize to size×size (area filter when shrinking)."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = image[top:top + side, left:left + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def folder_images(folder: str | os.PathLike, size: int, *, with_labels: bool = False,
                  at_least: int = 1, progress: Progress = _no_progress) -> ImageSet:
    """Every image in `folder` (or folder/images), center-cropped and resized to size×size.

    with_labels: labels are read from folder/labels/<same stem>.png (palette colors or ids, as
    `igan world export` writes them) and resized with nearest-neighbour sampling. at_least: the
    fewest images to accept. Everything is read before anything trains: an unreadable file, an
    image without its label map or a label map without its image, and too few images are each
    one line of one error (ValueError) that names them all.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    image_dir = root / "images" if (root / "images").is_dir() else root
    paths = sorted(p for p in image_dir.iterdir() if p.suffix.lower() in imaging.IMAGE_SUFFIXES)
    if not paths:
        raise ValueError(f"{image_dir}: no images ({', '.join(sorted(imaging.IMAGE_SUFFIXES))})")
    problems = []
    if with_labels:
        label_dir = root / "labels"
        stems = {p.stem for p in paths}
        problems += [f"{label_dir / (p.stem + '.png')}: missing label map for {p.name}"
                     for p in paths if not (label_dir / (p.stem + ".png")).is_file()]
        if label_dir.is_dir():
            problems += [f"{p}: a label map without its image in {image_dir}"
                         for p in sorted(label_dir.glob("*.png")) if p.stem not in stems]
    images = np.empty((len(paths), size, size, 3), np.uint8)
    labels = np.empty((len(paths), size, size), np.uint8) if with_labels else None
    for i in progress(range(len(paths)), len(paths)):
        try:
            images[i] = fit_square(imaging.read_image(paths[i]), size)
            label_path = root / "labels" / (paths[i].stem + ".png")
            if labels is not None and label_path.is_file():
                labels[i] = fit_labels(load_labels(label_path), size)
        except (OSError, ValueError) as exc:  # imaging's one-line reasons name the file
            problems.append(str(exc))
    if len(paths) < at_least:
        problems.append(f"{image_dir}: {len(paths)} images, too few to train on (at least "
                        f"{at_least})")
    if problems:
        raise ValueError(f"{root}: {len(problems)} problem{'s' if len(problems) > 1 else ''} "
                         "with the training data:\n  " + "\n  ".join(problems))
    return ImageSet(images, labels, f"folder {root}: {len(paths)} images at {size}px",
                    tuple(p.name for p in paths))


def fit_labels(labels: np.ndarray, size: int) -> np.ndarray:
    h, w = labels.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = labels[top:top + side, left:left + side]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_NEAREST)
