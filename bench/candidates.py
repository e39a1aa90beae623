"""Measure how different the editor's candidates are, and what they cost, on the shipped photos.

    python bench/candidates.py [--device cpu] [--model models/landscape64] [--write]

As the editor does: the centre square of each photo in assets/photos is projected (hybrid, 30
steps), then an orange stroke across its sky is edited with 16 starts, 8 kept, 40 iterations —
once fresh ("first edit"), and once drawn live: the stroke grows over 20 mouse moves, each move's
edit continuing from the previous one's latents after one step (what the editor's pacing lets
through when moves come faster than steps), then the released stroke's full edit continues from
there. Reported: the mean pairwise distance of the kept candidates in the feature network's space
(`engine.editing.diversity`; two different world scenes are about 7 apart), the best cost and
the worst kept one. --write records the rows in bench/RESULTS.md (replacing earlier rows).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from results import machine, report

from igan_app import imaging
from igan_app.device import describe
from igan_app.engine.editing import EditConfig, diversity
from igan_app.engine.frame import Frame
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.strokes import Stroke, StrokeSet
from igan_app.imaging.reading import read_image
from igan_app.journeys.edit import editing, projection
from igan_app.journeys.models import ModelCache

MARKER = "bench/candidates.py"
PHOTOS = Path(__file__).resolve().parent.parent / "assets" / "photos"
MOVES = 20
ORANGE = (240, 150, 90)
EDIT = EditConfig(starts=16, keep=8, iterations=40)  # the editor's defaults


def sky_stroke(frame: Frame, shape: tuple[int, int], moves: int) -> StrokeSet:
    """The stroke after `moves` mouse moves: across the top sixth of the region, left to right."""
    x0, y0, x1, _ = frame.box
    side = x1 - x0
    points = tuple((x0 + side * (0.1 + 0.8 * i / MOVES), y0 + 0.15 * side)
                   for i in range(moves + 1))
    return StrokeSet(shape, (Stroke("color", points, 0.08 * side, ORANGE),))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/landscape64")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()

    cache = ModelCache()
    models = cache.manifold(args.model, args.device)
    rows = []
    for path in sorted(PHOTOS.glob("*.jpg")):
        photo = read_image(path)
        frame = Frame.centre(photo.shape[:2], models.resolution)
        *_, start = projection(cache, args.model, args.device, photo, frame,
                               ProjectionConfig("hybrid", steps=30))

        def edit(strokes, resume=None, steps=EDIT.iterations, frame=frame, start=start):
            run = editing(cache, args.model, args.device, strokes, frame, start.latent,
                          start.image, EDIT, resume=resume)
            # range first: zip would otherwise compute one step more than it hands out.
            return [step for _, step in zip(range(steps), run)][-1]

        first = edit(sky_stroke(frame, photo.shape[:2], MOVES))
        live = None
        for moves in range(1, MOVES + 1):
            live = edit(sky_stroke(frame, photo.shape[:2], moves), live and live.resume, 1)
        released = edit(sky_stroke(frame, photo.shape[:2], MOVES), live.resume)
        for what, step in (("first edit", first), ("stroke drawn live", released)):
            spread = diversity(models.features.model,
                               imaging.to_tensor(step.images, models.device))
            result = (f"diversity {spread:.3f} over {len(step.costs)} candidates; cost best "
                      f"{step.costs[0]:.3f}, worst kept {step.costs[-1]:.3f}")
            rows.append((f"candidates on {path.name}, {what} (16 starts, keep 8, 40 iterations)",
                         result))
    command = f"python bench/candidates.py --device {args.device}"
    report(rows, command, f"{machine()}; {describe(models.device)}", MARKER, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
