"""Measure the edit transfer: flow accuracy, accumulation over a sequence, full-size speed.

    python bench/transfer.py [--pairs 32] [--repeats 3] [--write]

1. Flow: held-out-style world scenes at 64 px, each warped by a known smooth displacement
   (sum of sinusoids, peak about 2 or 4 px); end-point error (EPE, model pixels, 4 px from the
   borders) and ms per pair for DIS and Farneback.
2. Sequence: a 256 px scene and its 64 px frame, 9 frames along a 4 px displacement and a
   channel-mixing color change; EPE of the accumulated positions and PSNR of the transferred
   photo against the photo warped and recolored by the true change, with and without refining.
3. Speed: `transfer` of one step (flow, color fit, application) onto 4:3 photos of 1, 12 and
   24 MP, median ms, and the peak memory it adds (RSS growth in a fresh process; the returned
   photo is included). The box is the whole photo, or the centre square ("square box"): then
   the default spread carries the change over the rest of the photo, and spread 0 (the change
   only in the box, feathered) shows what the spread costs. Rows for both transfers: "field"
   (engine/transfer.py) and "guided" (engine/guided_transfer.py; "color" is what mode "auto"
   carries for color strokes; "both" adds the confident motion).
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

# The known motion is the tests' ground truth (tests/known_motion.py): the bench measures against
# the same truth, so it reads it from there rather than keeping a copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import cv2
import numpy as np
from known_motion import COLOR, smooth_field, warp
from results import machine, report

from igan_app.engine.edit_field import accumulate, apply_field
from igan_app.engine.flow import FLOW_METHODS, estimate_flow, pixel_grid
from igan_app.engine.guided_transfer import guided_transfer
from igan_app.engine.spread import DEFAULT_SPREAD
from igan_app.engine.transfer import transfer
from igan_app.world.render import render

MARKER = "bench/transfer.py"
FIRST_SEED = 10_000_000
MARGIN = 4  # model pixels left out of EPE: the true field moves content in from outside there


def recolor(image: np.ndarray, amount: float) -> np.ndarray:
    matrix = np.eye(3, 4, dtype=np.float32) + amount * (COLOR - np.eye(3, 4, dtype=np.float32))
    colors = image.astype(np.float32) / 255 @ matrix[:, :3].T + matrix[:, 3]
    return np.clip(np.rint(colors * 255), 0, 255).astype(np.uint8)


def epe(flow: np.ndarray, truth: np.ndarray) -> float:
    inner = np.s_[MARGIN:-MARGIN, MARGIN:-MARGIN]
    return float(np.linalg.norm(flow[inner] - truth[inner], axis=-1).mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))


def flow_rows(pairs: int) -> list[tuple[str, str]]:
    # Imported here: it brings torch, which the memory measurement's processes need not carry.
    from igan_app.training.data import world_scenes

    scenes = world_scenes(pairs, 64, first_seed=FIRST_SEED).images
    rows = []
    for peak in (2.0, 4.0):
        fields = [smooth_field(64, peak, i) for i in range(pairs)]
        later = [warp(scene, field) for scene, field in zip(scenes, fields)]
        for method in FLOW_METHODS:
            estimate_flow(scenes[0], later[0], method)  # warm-up
            start = time.perf_counter()
            flows = [estimate_flow(a, b, method) for a, b in zip(scenes, later)]
            ms = (time.perf_counter() - start) / pairs * 1000
            errors = [epe(f, t) for f, t in zip(flows, fields)]
            result = (f"EPE {np.mean(errors):.3f} px (worst pair {np.max(errors):.3f}), "
                      f"{ms:.1f} ms/pair")
            rows.append((f"flow {method}, 64 px world pairs, smooth shift peak {peak:g} px",
                         result))
    return rows


def sequence_rows(scenes: int, steps: int = 8) -> list[tuple[str, str]]:
    results = {False: [], True: []}
    for i in range(scenes):
        photo = render(FIRST_SEED + i, 256)[0]
        first = cv2.resize(photo, (64, 64), interpolation=cv2.INTER_AREA)
        field = smooth_field(64, 4.0, 1000 + i)
        frames = [recolor(warp(first, field * t / steps), t / steps) for t in range(steps + 1)]
        truth = recolor(warp(photo, cv2.resize(field * 4, (256, 256))), 1.0)
        for refine in (False, True):
            start = time.perf_counter()
            *_, last = accumulate(frames, refine=refine)
            seconds = time.perf_counter() - start
            moved = apply_field(photo, last)
            inner = np.s_[16:-16, 16:-16]
            results[refine].append((epe(last.source - pixel_grid(64, 64), field),
                                    psnr(moved[inner], truth[inner]), seconds / steps))
    rows = []
    for refine, values in results.items():
        error, quality, seconds = (np.mean([v[k] for v in values]) for k in range(3))
        name = (f"accumulate {steps + 1} frames (4 px shift + color), "
                f"{'refined' if refine else 'chained only'}")
        result = (f"EPE {error:.3f} px, photo PSNR {quality:.1f} dB, "
                  f"{seconds * 1000:.0f} ms/step")
        rows.append((name, result))
    return rows


def measure_one(megapixels: float, mode: str, repeats: int, square: bool = False,
                spread: float | None = None, method: str = "field") -> dict:
    """Run in a fresh process: time `transfer` (method "field") or `guided_transfer` ("guided")
    on a photo of this size, and its peak memory.

    square: the box is the photo's centre square instead of the whole photo; spread: passed on
    to the transfer (None: its default)."""
    width = round(math.sqrt(megapixels * 1e6 * 4 / 3))
    height = round(megapixels * 1e6 / width)
    scene = render(FIRST_SEED, 512)[0]
    photo = cv2.resize(scene, (width, height), interpolation=cv2.INTER_LINEAR)
    left = (width - height) // 2 if square else 0
    box = (left, 0, left + height, height) if square else (0, 0, width, height)
    first = cv2.resize(photo[:, box[0]:box[2]], (64, 64), interpolation=cv2.INTER_AREA)
    frames = [first, recolor(warp(first, smooth_field(64, 2.0, 0)), 1.0)]
    options = {} if spread is None else {"spread": spread}
    carry = transfer if method == "field" else guided_transfer
    carry(photo[:256, :256].copy(), (0, 0, 256, 256), frames)  # warm-up, small
    _reset_peak()
    before = _status_mb("VmRSS")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = carry(photo, box, frames, mode, **options)
        times.append(time.perf_counter() - start)
        del result
    peak = _status_mb("VmHWM")
    return {"size": f"{width}×{height}", "ms": sorted(times)[len(times) // 2] * 1000,
            "peak_mb": peak - before, "photo_mb": photo.nbytes / 2**20}


def _reset_peak() -> None:
    """Start VmHWM afresh from the current size (Linux 4.0+), so set-up peaks do not count."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # then the peak may include the set-up's, an overestimate


def _status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB.

    VmHWM is the peak resident size of this process's own memory; getrusage's ru_maxrss would
    also count the parent's size at fork, since it survives the exec.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


SPEED_CASES = (  # method, megapixels, mode, square box, spread
    ("field", 1, "both", False, None), ("field", 12, "both", False, None),
    ("field", 24, "both", False, None), ("field", 12, "color", False, None),
    ("field", 12, "motion", False, None), ("field", 12, "both", True, None),
    ("field", 12, "both", True, 0.0), ("field", 24, "both", True, None),
    ("guided", 1, "color", False, None), ("guided", 12, "color", False, None),
    ("guided", 24, "color", False, None), ("guided", 12, "both", False, None),
    ("guided", 12, "color", True, None), ("guided", 12, "color", True, 0.0),
    ("guided", 24, "color", True, None))


def speed_rows(repeats: int) -> list[tuple[str, str]]:
    rows = []
    for method, megapixels, mode, square, spread in SPEED_CASES:
        command = [sys.executable, __file__, "--measure", str(megapixels), "--mode", mode,
                   "--method", method, "--repeats", str(repeats)]
        if square:
            command.append("--square")
        if spread is not None:
            command += ["--spread", str(spread)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        result = f"{m['ms']:.0f} ms, peak +{m['peak_mb']:.0f} MB (photo {m['photo_mb']:.0f} MB)"
        box = ""
        if square:
            box = f", square box, spread {DEFAULT_SPREAD if spread is None else spread:g}"
        name = "transfer" if method == "field" else "guided transfer"
        rows.append((f"{name} one step, {mode}, {megapixels} MP photo ({m['size']}){box}",
                     result))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--pairs", type=int, default=32)
    parser.add_argument("--scenes", type=int, default=8, help="scenes for the sequence rows")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="both", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="field", help=argparse.SUPPRESS)
    parser.add_argument("--square", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spread", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="record the rows in bench/RESULTS.md")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_one(args.measure, args.mode, args.repeats, args.square,
                                     args.spread, args.method)))
        return 0
    rows = flow_rows(args.pairs) + sequence_rows(args.scenes) + speed_rows(args.repeats)
    command = f"python bench/transfer.py --pairs {args.pairs} --scenes {args.scenes}"
    threads = f"cv2 {cv2.getNumThreads()} threads"
    report(rows, command, f"{machine()}; {threads}", MARKER, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
