"""Training speed of every `igan train` command: images per second at 1 process × 2 threads and
at 2 processes × 1 thread (torchrun, gloo), and, with --compare TREE, the same commands run from
an older checkout (to check that no trainer got slower).

Each measurement is a short run of the real command on world scenes; its speed is the run's own
count of training seconds (state.pt: "seconds", which leaves out loading and rendering), so
images/s = steps × global batch / seconds, after `--warmup` steps run and resumed from.

    python bench/training.py [--trainers manifold,spade] [--compare /tmp/old-tree] [--write]
    python bench/training.py --variants [--trainers manifold] [--write]

--variants measures the speed switches instead (1 process × 2 threads): the defaults against
--no-channels-last, --precision bf16, --precision fp16 and --compile.

OLD in the recorded command is a checkout of the commit before the loop (ec905d8:
`git archive ec905d8 | tar -x -C OLD`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import machine, report

# Settings of each trainer's run: a batch and size like the shipped models', a few steps.
TRAINERS = {
    "manifold": (64, ["--resolution", "64"]),
    "style-manifold": (32, ["--resolution", "64"]),
    "segmenter": (16, ["--resolution", "64", "--width", "24", "--eval-n", "8"]),
    "features": (8, ["--resolution", "64", "--eval-n", "8"]),
    "encoder": (64, ["--manifold", "models/landscape64", "--features", "models/vgg16-world",
                     "--feature-batch", "8"]),
    "spade": (8, ["--resolution", "64", "--vgg-weight", "0"]),
    "pix2pix": (8, ["--resolution", "64"]),
}


# The speed switches --variants compares with the defaults.
VARIANTS = {"default": [], "no-channels-last": ["--no-channels-last"],
            "bf16": ["--precision", "bf16"], "fp16": ["--precision", "fp16"],
            "compile": ["--compile"]}


def run(tree: Path, trainer: str, processes: int, steps: int, warmup: int, scenes: int,
        folder: Path, flags: list[str] | None = None) -> float:
    """Images per second of `steps` steps (after `warmup`) of `trainer` run from `tree`."""
    batch, extra = TRAINERS[trainer]
    threads = 2 // processes
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(tree)}
    launcher = [sys.executable, "-m", "igan_app"]
    if processes > 1:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                    "--nproc_per_node", str(processes), "-m", "igan_app", "--"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if trainer == "encoder":  # it writes the encoder into the manifold's folder: a copy
        shutil.copytree(ROOT / "models" / "landscape64", folder / "manifold")
        extra = ["--manifold", str(folder / "manifold"), *extra[2:]]
        out = []
    else:
        out = ["--out", str(folder / "model")]
    common = ["--device", "cpu", "train", trainer, *extra, "--batch", str(batch),
              "--scenes", str(scenes), "--seed", "0", "--run", str(folder / "run"), *out,
              "--sample-every", "100000", *(flags or [])]
    seconds = []
    for total, resume in ((warmup, []), (warmup + steps, ["--resume"])):
        done = subprocess.run([*launcher, *common, "--steps", str(total), *resume], cwd=tree,
                              env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{trainer} ({processes} processes) failed:\n{done.stderr[-2000:]}")
        state = torch.load(folder / "run" / "state.pt", map_location="cpu", weights_only=True)
        seconds.append(state["seconds"])
    return steps * batch / (seconds[1] - seconds[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainers", default=",".join(TRAINERS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each setting; the fastest counts")
    parser.add_argument("--compare", type=Path, default=None,
                        help="an older checkout to run the same commands from (1 × 2 only)")
    parser.add_argument("--variants", action="store_true",
                        help="compare the speed switches instead (1 process × 2 threads)")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()
    if args.variants:
        return measure_variants(args)
    trainers = [t for t in args.trainers.split(",") if t]
    command = "python bench/training.py" + (f" --trainers {args.trainers}"
                                            if trainers != list(TRAINERS) else "") + (
        " --compare OLD" if args.compare else "") + (
        f" --repeats {args.repeats}" if args.repeats != 2 else "")
    trees = {"1": (ROOT, 1, []), "2": (ROOT, 2, [])}
    if args.compare is not None:
        trees["old"] = (args.compare.resolve(), 1, [])

    def describe(trainer: str, best: dict[str, float]) -> tuple[str, str]:
        line = (f"1 process × 2 threads {best['1']:.1f} img/s; 2 processes × 1 thread "
                f"{best['2']:.1f} img/s")
        if "old" in best:
            line += f"; before the loop (1 × 2) {best['old']:.1f} img/s"
        what = (f"train {trainer}, batch {TRAINERS[trainer][0]}, {args.steps} steps on world "
                f"scenes (best of {args.repeats})")
        return what, line

    return measure(args, trainers, command, trees, describe)


def measure(args: argparse.Namespace, trainers: list[str], command: str,
            settings: dict[str, tuple[Path, int, list[str]]],
            describe: Callable[[str, dict[str, float]], tuple[str, str]]) -> int:
    """Each trainer's best rates under each setting, one row each (`describe`: what, result)."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for trainer in trainers:
            what, line = describe(trainer, fastest(args, trainer, settings, Path(scratch)))
            print(f"{trainer}: {line}", flush=True)
            rows.append((what, line))
    variants = "bench/training.py --variants"
    if "--trainers" in command:  # a few trainers: only the rows of the same command are replaced
        report(rows, command, machine(), f"`{command}`", args.write)
    elif variants in command:
        report(rows, command, machine(), variants, args.write, spare=("--trainers",))
    else:  # every trainer's plain rows; the speed switches' and the subsets' rows stay
        report(rows, command, machine(), "bench/training.py", args.write,
               spare=("--trainers", "--variants"))
    return 0


def fastest(args: argparse.Namespace, trainer: str,
            settings: dict[str, tuple[Path, int, list[str]]], scratch: Path) -> dict[str, float]:
    """The best images per second of each setting (tree, processes, flags) over the repeats,
    run interleaved so that a slow spell of the machine hits them alike."""
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        for key, (tree, processes, flags) in settings.items():
            rate = run(tree, trainer, processes, args.steps, args.warmup, args.scenes,
                       scratch / f"{trainer}-{key}", flags)
            best[key] = max(best.get(key, 0.0), rate)
            print(f"  {trainer} {key}: {rate:.1f} img/s", flush=True)
    return best


def measure_variants(args: argparse.Namespace) -> int:
    trainers = [t for t in args.trainers.split(",") if t]
    command = "python bench/training.py --variants" + (
        f" --trainers {args.trainers}" if trainers != list(TRAINERS) else "") + (
        f" --repeats {args.repeats}" if args.repeats != 2 else "")
    settings = {name: (ROOT, 1, flags) for name, flags in VARIANTS.items()}

    def describe(trainer: str, best: dict[str, float]) -> tuple[str, str]:
        line = "; ".join(f"{name} {rate:.1f} img/s ({rate / best['default']:.2f}×)"
                         for name, rate in best.items())
        what = (f"train {trainer} speed switches, batch {TRAINERS[trainer][0]}, 1 process × 2 "
                f"threads, {args.steps} steps after {args.warmup} (best of {args.repeats})")
        return what, line

    return measure(args, trainers, command, settings, describe)


if __name__ == "__main__":
    raise SystemExit(main())
