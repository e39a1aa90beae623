"""Measure how fast the landscape world renders.

    python bench/world.py [--n 1000] [--size 128] [--write]

Prints scenes per second for one process, for a pool of one process per core, and through a torch
DataLoader with one worker per core (what training sees); then the broad world (--world broad)
in one process and in the pool. --write records the rows in
bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date

from results import machine, record

from igan_app.world.render import render

MARKER = "bench/world.py"


def _render(job: tuple[int, int, str]) -> int:
    render(*job)
    return job[0]


def one_process(n: int, size: int, world: str = "classic") -> float:
    render(0, size, world)  # warm-up: imports and first allocations
    start = time.perf_counter()
    for seed in range(n):
        render(seed, size, world)
    return n / (time.perf_counter() - start)


def process_pool(n: int, size: int, workers: int, world: str = "classic") -> float:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_render, [(s, size, world) for s in range(workers * 4)]))  # start them
        start = time.perf_counter()
        list(pool.map(_render, [(s, size, world) for s in range(n)], chunksize=32))
        return n / (time.perf_counter() - start)


def data_loader(n: int, size: int, workers: int) -> float:
    import torch
    from torch.utils.data import DataLoader

    from igan_app.world.dataset import WorldScenes, worker_init

    torch.set_num_threads(1)
    loader = DataLoader(WorldScenes(n, size), batch_size=64, num_workers=workers,
                        worker_init_fn=worker_init, persistent_workers=False, prefetch_factor=4)
    start = time.perf_counter()
    count = sum(images.shape[0] for images, _ in loader)
    return count / (time.perf_counter() - start)  # includes starting the workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, default=1000, help="scenes per measurement")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--write", action="store_true", help="record the rows in bench/RESULTS.md")
    args = parser.parse_args()

    command = f"python bench/world.py --n {args.n} --size {args.size}"
    rows = [
        ("world render, 1 process", one_process(args.n, args.size)),
        (f"world render, {args.workers} processes", process_pool(args.n, args.size, args.workers)),
        (f"world DataLoader, {args.workers} workers, batch 64",
         data_loader(args.n, args.size, args.workers)),
        ("broad world render, 1 process", one_process(args.n, args.size, "broad")),
        (f"broad world render, {args.workers} processes",
         process_pool(args.n, args.size, args.workers, "broad")),
    ]
    today, where = date.today().isoformat(), machine()
    lines = [f"| {what} at {args.size}x{args.size} | {rate:.0f} scenes/s | `{command}` | {where} | "
             f"{today} |" for what, rate in rows]
    print("\n".join(lines))
    if args.write:
        record(lines, MARKER)


if __name__ == "__main__":
    sys.exit(main())
