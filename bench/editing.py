"""Measure one editing step (G forward + constraints + backward + Adam) against the number of starts.

    python bench/editing.py [--device cpu] [--model models/landscape64] [--write]

A held-out world scene is projected (encoder), then a color stroke across its sky and a sketch
stroke across its middle are given to the editing journey (`journeys.edit.editing`, what the GUI
and `igan edit` run); the median milliseconds per iteration over 30 iterations (after 5 warm-up
ones) is reported for 1, 16 and 64 starts.
--write records the rows in bench/RESULTS.md (replacing earlier rows of this script).
"""

from __future__ import annotations

import argparse
import statistics
from itertools import islice

from results import machine, report

from igan_app.device import describe
from igan_app.engine.editing import EditConfig
from igan_app.engine.frame import Frame
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.strokes import Stroke, StrokeSet
from igan_app.journeys.edit import editing, projection
from igan_app.journeys.models import ModelCache
from igan_app.training.data import world_scenes
from igan_app.training.metrics import HELD_OUT_SEED

MARKER = "bench/editing.py"
WARM_UP, MEASURED = 5, 30


def strokes(side: int) -> StrokeSet:
    sky = Stroke("color", ((0.1 * side, 0.15 * side), (0.9 * side, 0.15 * side)), 0.1 * side,
                 (240, 150, 90))
    ridge = Stroke("sketch", ((0.1 * side, 0.5 * side), (0.5 * side, 0.35 * side),
                              (0.9 * side, 0.5 * side)), 0.02 * side)
    return StrokeSet((side, side), (sky, ridge))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/landscape64")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--starts", default="1,16,64")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()

    cache = ModelCache()
    models = cache.manifold(args.model, args.device)
    r = models.resolution
    scene = world_scenes(1, r, first_seed=HELD_OUT_SEED).images[0]
    frame = Frame((r, r), (0, 0, r, r), r)
    *_, start = projection(cache, args.model, args.device, scene, frame,
                           ProjectionConfig(method="encoder"))

    command = f"python bench/editing.py --device {args.device}" + (
        f" --model {args.model}" if args.model != "models/landscape64" else "")
    where = f"{machine()}; {describe(models.device)}"
    rows = []
    for starts in (int(s) for s in args.starts.split(",")):
        config = EditConfig(starts=starts, keep=min(8, starts), iterations=WARM_UP + MEASURED)
        # The journey copies each step's candidates to the CPU, which waits for the device; the
        # wait falls into the next step's ms, so no synchronization of our own is needed.
        steps = islice(editing(cache, args.model, args.device, strokes(r), frame, start.latent,
                               start.image, config), WARM_UP, None)
        ms = statistics.median(step.ms for step in steps)
        result = f"{ms:.1f} ms per step ({1000 / ms:.0f} steps/s)"
        what = f"edit step at {r}², {starts} starts (color + sketch strokes)"
        rows.append((what, result))
    report(rows, command, where, MARKER, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
