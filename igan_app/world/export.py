"""Write world scenes to disk as image/label PNG pairs, rendering in parallel."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from igan_app import imaging
from igan_app.world.palette import save_labels
from igan_app.world.render import parse_size, render


def export_scenes(out: str | os.PathLike, n: int, size: int | tuple[int, int], *,
                  first_seed: int = 0, workers: int | None = None, world: str = "classic",
                  progress: Callable[[Iterable[int]], Iterable[int]] = lambda it: it) -> int:
    """Render scenes first_seed .. first_seed + n - 1 of `world` into out/images and
    out/labels.

    Files are named by scene index (000000.png …), so a folder of pairs is reproducible; each file
    is written atomically, so an interrupted export leaves only whole files. Returns n.
    """
    parse_size(size)  # fail before starting any process
    if n <= 0:
        raise ValueError(f"the number of scenes must be positive, got {n}")
    folder = Path(out)
    for sub in ("images", "labels"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    jobs = [(folder, i, first_seed + i, size, world) for i in range(n)]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or n < 8:
        done: Iterator[int] = map(_export_one, jobs)
        for _ in progress(done):
            pass
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in progress(pool.map(_export_one, jobs, chunksize=16)):
                pass
    return n


def _export_one(job: tuple[Path, int, int, int | tuple[int, int], str]) -> int:
    folder, index, seed, size, world = job
    image, labels = render(seed, size, world)
    name = f"{index:06d}.png"
    imaging.write_image(folder / "images" / name, image)
    save_labels(folder / "labels" / name, labels)
    return index
