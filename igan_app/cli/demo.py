"""`igan demo`: every editing journey run on the shipped assets, with a page showing the results.

The steps are the jobs of `igan project`, `igan edit` and `igan morph`, run directly on one model
cache; the page shows each beside its equivalent `igan` command.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from pathlib import Path

from igan_app.cli.edit import EditJob, ProjectJob, run_edit, run_project
from igan_app.cli.morph import MorphJob, run_morph
from igan_app.journeys.models import ModelCache

Job = ProjectJob | EditJob | MorphJob
RUNNERS = {ProjectJob: run_project, EditJob: run_edit, MorphJob: run_morph}


def add_commands(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="run every editing journey on the shipped assets")
    demo.add_argument("--out", type=Path, required=True, help="folder for the results")
    demo.add_argument("--quick", action="store_true",
                      help="few optimizer steps: checks that everything runs, in less time")
    demo.set_defaults(handler=_demo)


def assets_dir() -> Path:
    """The repository's `assets/` folder (sample photos, demo strokes)."""
    import igan_app

    return Path(igan_app.__file__).resolve().parent.parent / "assets"


@dataclass(frozen=True)
class DemoStep:
    """A step of the demo: its title, the job, and what its result shows."""

    title: str
    job: Job
    shows: str


def demo_steps(assets: Path, out: Path) -> list[DemoStep]:
    """The demo's steps on the files of `assets`, writing into `out`."""
    from igan_app.engine.editing import EditConfig
    from igan_app.engine.projection import ProjectionConfig

    projection, config = ProjectionConfig(), EditConfig()
    demo, photos = assets / "demo", assets / "photos"

    def project(photo: Path, name: str) -> ProjectJob:
        return ProjectJob(photo, out / f"{name}_recon.png", projection,
                          compare=out / f"{name}_compare.png")

    def edit(photo: Path, name: str, suffix: str, **options) -> EditJob:
        return EditJob(photo, out / f"{name}{suffix}", projection, config,
                       strokes=demo / f"{name}.json", candidates=out / f"{name}_candidates.png",
                       **options)

    valley, dune, storm = demo / "valley.png", photos / "dune.jpg", photos / "storm.jpg"
    return [
        DemoStep("Project a world scene", project(valley, "valley"),
                 "the scene's centre square and its reconstruction by the manifold"),
        DemoStep("Sunset: color strokes on the sky", edit(valley, "valley_sunset", ".png"),
                 "the reconstruction, then the candidates; the edit carried onto the 640×480 "
                 "scene"),
        DemoStep("A taller ridge: a sketch stroke",
                 edit(valley, "valley_ridge", ".png", mode="motion"),
                 "shape asked by a line, carried onto the scene by motion only"),
        DemoStep("Project a real photo", project(dune, "dune"),
                 "a photo the model never saw, and its nearest picture on the landscape "
                 "manifold"),
        DemoStep("Overcast: color strokes on a real photo",
                 edit(dune, "dune_overcast", ".jpg", mode="color"),
                 "the color change of the chosen candidate on the full-resolution photo"),
        DemoStep("Clearing sky on a real photo", edit(storm, "storm_clearing", ".jpg"),
                 "motion and color carried onto the photo"),
        DemoStep("Morph one photo into another",
                 MorphJob(dune, storm, out / "morph.gif", projection, frames=16, size=384),
                 "both photos projected, the latent path rendered and carried onto each photo"),
    ]


def quick(job: Job) -> Job:
    """`job` with few optimizer steps: 3 projection steps; edits of 5 iterations of 4 starts;
    a morph of 4 frames."""
    job = replace(job, projection=replace(job.projection, steps=3))
    if isinstance(job, EditJob):
        job = replace(job, edit=replace(job.edit, iterations=5, starts=4, keep=4))
    if isinstance(job, MorphJob):
        job = replace(job, frames=4)
    return job


def _demo(args: argparse.Namespace) -> int:

    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    steps = demo_steps(assets_dir(), args.out)
    cache = ModelCache()  # the manifold loads once for every step
    for i, step in enumerate(steps, 1):
        job = quick(step.job) if args.quick else step.job
        print(f"[{i}/{len(steps)}] {step.title}: {job.command()}")
        RUNNERS[type(job)](job, args.device, cache)
    index = _demo_index(steps, args.out)
    print(f"demo finished in {time.perf_counter() - started:.0f} s: open {index}")
    return 0


def _demo_index(steps: list[DemoStep], out: Path) -> Path:
    """An HTML page showing every result beside the command that made it."""
    import html
    import shlex

    parts = ["<!doctype html><meta charset=utf-8><title>iGAN Studio demo</title>",
             ("<style>body{font-family:sans-serif;max-width:72em;margin:auto}"
             "img{max-width:100%;image-rendering:pixelated}code{font-size:85%}</style>"),
             "<h1>iGAN Studio demo</h1>"]
    for step in steps:
        command = step.job.command()
        images = [w for w in shlex.split(command) if w.startswith(str(out))
                  and w.lower().endswith((".png", ".jpg", ".gif"))]
        parts.append(f"<h2>{html.escape(step.title)}</h2><p>{html.escape(step.shows)}</p>"
                     f"<p><code>{html.escape(command)}</code></p>")
        parts += [f'<p><img src="{Path(w).name}" alt="{Path(w).name}"></p>' for w in images
                  if not w.endswith("_recon.png")]
    index = out / "index.html"
    index.write_text("\n".join(parts) + "\n")
    return index


__all__ = ["DemoStep", "add_commands", "assets_dir", "demo_steps", "quick"]
