"""`igan demo`: every editing journey run on the shipped assets, with a page showing the results."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from igan_app.cli import edit as cli_edit


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


# (title, command words with {assets} and {out}, what the result shows)
DEMO = (
    ("Project a world scene", ("project {assets}/demo/valley.png --out {out}/valley_recon.png "
     "--compare {out}/valley_compare.png"),
     "the scene's centre square and its reconstruction by the manifold"),
    ("Sunset: color strokes on the sky", ("edit {assets}/demo/valley.png --strokes "
     "{assets}/demo/valley_sunset.json --out {out}/valley_sunset.png --candidates "
     "{out}/valley_sunset_candidates.png"),
     "the reconstruction, then the candidates; the edit carried onto the 640×480 scene"),
    ("A taller ridge: a sketch stroke", ("edit {assets}/demo/valley.png --strokes "
     "{assets}/demo/valley_ridge.json --out {out}/valley_ridge.png --candidates "
     "{out}/valley_ridge_candidates.png --mode motion"),
     "shape asked by a line, carried onto the scene by motion only"),
    ("Project a real photo", ("project {assets}/photos/dune.jpg --out {out}/dune_recon.png "
     "--compare {out}/dune_compare.png"),
     "a photo the model never saw, and its nearest picture on the landscape manifold"),
    ("Overcast: color strokes on a real photo", ("edit {assets}/photos/dune.jpg --strokes "
     "{assets}/demo/dune_overcast.json --out {out}/dune_overcast.jpg --candidates "
     "{out}/dune_overcast_candidates.png --mode color"),
     "the color change of the chosen candidate on the full-resolution photo"),
    ("Clearing sky on a real photo", ("edit {assets}/photos/storm.jpg --strokes "
     "{assets}/demo/storm_clearing.json --out {out}/storm_clearing.jpg --candidates "
     "{out}/storm_clearing_candidates.png"),
     "motion and color carried onto the photo"),
    ("Morph one photo into another", ("morph {assets}/photos/dune.jpg {assets}/photos/storm.jpg "
     "--frames 16 --size 384 --out {out}/morph.gif"),
     "both photos projected, the latent path rendered and carried onto each photo"),
)


def _demo(args: argparse.Namespace) -> int:
    import shlex

    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    parser = argparse.ArgumentParser(prog="igan")
    cli_edit.add_commands(parser.add_subparsers())
    assets = assets_dir()
    rows = []
    for i, (title, words, shows) in enumerate(DEMO, 1):
        command = words.format(assets=assets, out=args.out)
        extra = ["--steps", "3"] if args.quick else []
        if args.quick and command.startswith("edit"):
            extra += ["--iterations", "5", "--edit-starts", "4", "--keep", "4"]
        if args.quick and command.startswith("morph"):
            extra += ["--frames", "4"]
        print(f"[{i}/{len(DEMO)}] {title}: igan {command} {' '.join(extra)}".rstrip())
        step = parser.parse_args(shlex.split(command) + extra)
        step.device = args.device
        step.handler(step)
        rows.append((title, command, shows))
    index = _demo_index(rows, args.out)
    print(f"demo finished in {time.perf_counter() - started:.0f} s: open {index}")
    return 0


def _demo_index(rows, out: Path) -> Path:
    """An HTML page showing every result beside the command that made it."""
    import html

    parts = ["<!doctype html><meta charset=utf-8><title>iGAN Studio demo</title>",
             ("<style>body{font-family:sans-serif;max-width:72em;margin:auto}"
             "img{max-width:100%;image-rendering:pixelated}code{font-size:85%}</style>"),
             "<h1>iGAN Studio demo</h1>"]
    for title, command, shows in rows:
        images = [w for w in command.split() if w.startswith(str(out))
                  and w.lower().endswith((".png", ".jpg", ".gif"))]
        parts.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(shows)}</p>"
                     f"<p><code>igan {html.escape(command)}</code></p>")
        parts += [f'<p><img src="{Path(w).name}" alt="{Path(w).name}"></p>' for w in images
                  if not w.endswith("_recon.png")]
    index = out / "index.html"
    index.write_text("\n".join(parts) + "\n")
    return index


__all__ = ["add_commands", "assets_dir"]
