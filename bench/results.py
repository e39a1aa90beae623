"""What the benchmark scripts share: the machine's description and the RESULTS.md table."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")
PHOTOS = Path(__file__).resolve().parents[1] / "assets" / "photos"
HEADER = ("# Benchmark results\n\nThe latest measurement of each benchmark; every row names the "
          "command that produced it.\n\n| what | result | command | machine | date |\n"
          "|---|---|---|---|---|\n")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def record(lines: list[str], marker: str, spare: tuple[str, ...] = ()) -> None:
    """Replace the rows whose command contains `marker` (and none of `spare`) with `lines`."""
    kept = []
    if RESULTS.exists():
        kept = [line for line in RESULTS.read_text().splitlines()
                if line.startswith("| ") and not line.startswith("| what")
                and (marker not in line or any(s in line for s in spare))]
    RESULTS.write_text(HEADER + "\n".join(kept + lines) + "\n")


def report(rows: list[tuple[str, str]], command: str, where: str, marker: str,
           write: bool, spare: tuple[str, ...] = ()) -> None:
    """Print (what, result) rows as RESULTS.md table lines; with `write`, record them there
    in place of the rows of `marker` (sparing those that also hold `spare`)."""
    lines = [f"| {what} | {result} | `{command}` | {where} | {date.today()} |"
             for what, result in rows]
    print("\n".join(lines))
    if write:
        record(lines, marker, spare)


def timed(fn: Callable[[], object], repeats: int, device) -> float:
    """Median seconds per call after two warm-up calls (CUDA work waited for)."""
    import torch

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def photo_crops(resolution: int) -> dict[str, np.ndarray]:
    """The shipped photos' (assets/photos) largest centred squares at `resolution`, RGB uint8,
    by file name: what a projection of each photo is asked to draw."""
    from igan_app import imaging
    from igan_app.engine.frame import Frame

    crops = {}
    for path in sorted(p for p in PHOTOS.glob("*") if p.suffix.lower() in imaging.IMAGE_SUFFIXES):
        photo = imaging.read_image(path)
        crops[path.name] = Frame.centre(photo.shape[:2], resolution).crop(photo)
    return crops
