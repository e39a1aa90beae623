"""Measure what comes back on real photos, edited through the manifold (issue 15's targets).

    python bench/fidelity.py [--tune-steps N] [--mode M] [--transfer guided|field] [--limit N]
                             [--write] [--grid PATH] [--json PATH]

For every photo of the evaluation set (scripts/photo_set.py): the hybrid projection of its model
frame (`ProjectionConfig` defaults), the generator tuned on it (`TuningConfig` defaults,
`--tune-steps` steps; 0: no tuning), then the strokes of bench/fidelity_strokes.py (a sky
recolour, a ground recolour, a sketch line, a warp), each edited (`EditConfig` defaults, best
candidate) and carried onto the photo (`journeys.edit.apply_edit`). Measured
(bench/fidelity_measures.py): projection PSNR at model resolution and VGG feature distance,
after the projection and after tuning; displacement of textured pixels (p95 of the flow, px at
640 px width); chroma mottling in the painted area (result / photo); reach towards the stroke
colour; spill (PSNR of the lower 40% with the sky painted, of the upper 40% with the ground
painted); seconds of tuning, editing and transfer.

The pipeline: `--tune-steps`, and `--mode`, `--transfer` as `apply_edit` takes them (unset:
its defaults; strokes= is passed where it takes them). The "before" of issue 15 is
`--tune-steps 0 --mode both --transfer field`. `--grid PATH` draws a before/after figure: each
photo with its strokes, the "before" result and the current defaults' (tuning and apply_edit
defaults), one stroke kind per row in turn. `--write` records medians and worst cases in
bench/RESULTS.md, labelled with the pipeline; `--json` keeps every per-photo figure.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from fidelity_measures import (
    chroma_spread,
    displacement,
    mottling,
    reach,
    scaled,
    spill,
    uniform_recolour,
)
from fidelity_strokes import (
    COLOR_KINDS,
    KINDS,
    PHOTO_SET,
    draw,
    painted,
    photo_paths,
    photo_strokes,
)
from results import machine, report

from igan_app.engine.choices import TRANSFER_METHODS, TRANSFER_MODES
from igan_app.journeys.models import DEFAULT_MANIFOLD, ModelCache

MARKER = "bench/fidelity.py"
MOTTLED = 1.25  # issue 15's worst-case bound on mottling
SPILL_ROWS = {"sky": (0.6, 1.0), "ground": (0.0, 0.4)}  # far from each colour stroke
GRID_HEIGHT = 300  # px of each picture in the grid
STROKE_NAMES = {"sky": "sky recolour", "ground": "ground recolour", "sketch": "sketch line",
                "warp": "warp"}


@dataclass(frozen=True)
class Pipeline:
    """What is measured: tuning steps (0: none) and the transfer's mode and method, resolved to
    what apply_edit does with them (its defaults where unset)."""

    tune_steps: int
    mode: str
    transfer: str

    @property
    def label(self) -> str:
        tuned = f"tuned {self.tune_steps} steps" if self.tune_steps else "no tuning"
        return f"{tuned}, mode {self.mode}, {self.transfer} transfer"

    @property
    def words(self) -> str:
        return f"--tune-steps {self.tune_steps} --mode {self.mode} --transfer {self.transfer}"


def resolve(tune_steps: int | None, mode: str | None, transfer: str | None) -> Pipeline:
    """The pipeline the options ask for on the installed apply_edit. Before the guided transfer
    lands, apply_edit has no `transfer`: its one transfer is the field, so asking for "field"
    is asking for what it does, and asking for "guided" is an error."""
    from igan_app.engine.tuning import TuningConfig
    from igan_app.journeys.edit import apply_edit

    params = inspect.signature(apply_edit).parameters
    if transfer is None:
        transfer = params["transfer"].default if "transfer" in params else "field"
    elif "transfer" not in params and transfer != "field":
        raise SystemExit(f"--transfer {transfer}: this apply_edit has only the field transfer")
    return Pipeline(TuningConfig().steps if tune_steps is None else tune_steps,
                    params["mode"].default if mode is None else mode, transfer)


def edit_options(pipeline: Pipeline, strokes) -> dict:
    """The keyword arguments of apply_edit for `pipeline`, only those it accepts."""
    from igan_app.journeys.edit import apply_edit

    params = inspect.signature(apply_edit).parameters
    options = {"mode": pipeline.mode}
    if "transfer" in params:
        options["transfer"] = pipeline.transfer
    if "strokes" in params:
        options["strokes"] = strokes
    return options


BEFORE = (0, "both", "field")  # issue 15's "now": no tuning, the per-pixel field, colour + flow


@dataclass
class PhotoRun:
    """Every figure of one photo: `figures` of the projection; per pipeline label, the tuning's
    and each edit's (by kind); `results`, (label, kind) → the edited photo (for the grid)."""

    name: str
    figures: dict = field(default_factory=dict)
    pipelines: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)


def _last(steps):
    last = None
    for last in steps:
        pass
    return last


def _feature_distance(models, a: np.ndarray, b: np.ndarray) -> float | None:
    if models.features is None:
        return None
    import torch

    from igan_app import imaging
    from igan_app.engine.losses import feature_distance

    with torch.no_grad():
        return float(feature_distance(models.features.model, imaging.to_tensor(a, models.device),
                                      imaging.to_tensor(b, models.device))[0])


def measure_edit(photo: np.ndarray, result: np.ndarray, kind: str, strokes) -> dict:
    """The measures of one edit: displacement for every kind; mottling, reach and spill for the
    colour strokes."""
    figures = {"displacement": displacement(photo, result)}
    if kind in COLOR_KINDS:
        mask, colors = painted(strokes)
        chroma = chroma_spread(photo, result, mask)
        uniform = uniform_recolour(photo, result, mask)
        figures.update(mottling=mottling(photo, result, mask), chroma_photo=chroma[0],
                       chroma_result=chroma[1], mottling_uniform=mottling(photo, uniform, mask),
                       reach=reach(photo, result, mask, colors),
                       spill=spill(photo, result, SPILL_ROWS[kind]))
    return figures


def run_photo(cache: ModelCache, args, path: Path, plan: list[tuple[Pipeline, tuple[str, ...]]],
              ) -> PhotoRun:
    """Project `path` once, then for each (pipeline, kinds) of `plan`: tune, edit, carry,
    measure."""
    from igan_app import imaging
    from igan_app.engine.editing import EditConfig
    from igan_app.engine.frame import Frame
    from igan_app.engine.projection import ProjectionConfig
    from igan_app.engine.tuning import TuningConfig
    from igan_app.journeys.edit import Applied, apply_edit, editing, projection, tuning

    run = PhotoRun(path.name)
    photo = imaging.read_image(path)
    models = cache.manifold(args.model, args.device)
    frame = Frame.centre(photo.shape[:2], models.resolution)
    crop = frame.crop(photo)
    started = time.perf_counter()
    projected = _last(projection(cache, args.model, args.device, photo, frame,
                                 ProjectionConfig()))
    run.figures = {"projection_psnr": projected.psnr,
                   "projection_features": _feature_distance(models, projected.image, crop),
                   "projection_seconds": time.perf_counter() - started}
    all_strokes = photo_strokes(photo, models.resolution)
    for pipeline, kinds in plan:
        figures: dict = {}
        model, current = args.model, projected.image
        if pipeline.tune_steps:
            started = time.perf_counter()
            tuned = _last(tuning(cache, args.model, args.device, photo, frame, projected.latent,
                                 TuningConfig(steps=pipeline.tune_steps)))
            figures.update(tuning_seconds=time.perf_counter() - started, tuned_psnr=tuned.psnr,
                           tuned_features=_feature_distance(models, tuned.image, crop))
            model, current = tuned.model, tuned.image
        edits = figures.setdefault("edits", {})
        for kind in kinds:
            strokes = all_strokes[kind]
            started = time.perf_counter()
            step = _last(editing(cache, model, args.device, strokes, frame, projected.latent,
                                 current, EditConfig()))
            edit_seconds = time.perf_counter() - started
            applied = _last(apply_edit(cache, model, args.device, photo, frame,
                                       projected.latent, step.latents[0],
                                       **edit_options(pipeline, strokes)))
            assert isinstance(applied, Applied)
            edits[kind] = {**measure_edit(photo, applied.photo, kind, strokes),
                           "edit_seconds": edit_seconds, "transfer_seconds": applied.seconds}
            run.results[(pipeline.label, kind)] = applied.photo
        run.pipelines[pipeline.label] = figures
    return run


# --- summaries ------------------------------------------------------------------------------

def _values(runs: list[PhotoRun], label: str, kinds, key: str) -> list[float]:
    values = []
    for run in runs:
        for kind in kinds:
            value = run.pipelines[label]["edits"].get(kind, {}).get(key)
            if value is not None and not math.isnan(value):
                values.append(value)
    return values


def _spread(values: list[float], unit: str, worst=max, digits: int = 1) -> str:
    if not values:
        return "—"
    return (f"median {statistics.median(values):.{digits}f}{unit}, "
            f"worst {worst(values):.{digits}f}{unit}")


def summary(runs: list[PhotoRun], pipeline: Pipeline,
            kinds: tuple[str, ...] = KINDS) -> list[tuple[str, str]]:
    """(what, result) rows: medians and worst cases of each measure over the photos, from the
    edits of `kinds` (the grid's extra edits are left out)."""
    label, n = pipeline.label, len(runs)

    def vals(among, key: str) -> list[float]:
        return _values(runs, label, [k for k in among if k in kinds], key)

    what = f"fidelity, {n} real photos ({label})"
    projected = [r.figures["projection_psnr"] for r in runs]
    features = [r.figures["projection_features"] for r in runs
                if r.figures["projection_features"] is not None]
    line = f"after projection {_spread(projected, ' dB', min)}"
    if features:
        line += f" (VGG feature distance {_spread(features, '', max, 2)})"
    if pipeline.tune_steps:
        tuned = [r.pipelines[label]["tuned_psnr"] for r in runs]
        tuned_features = [r.pipelines[label]["tuned_features"] for r in runs
                          if r.pipelines[label]["tuned_features"] is not None]
        line += f"; after tuning {_spread(tuned, ' dB', min)}"
        if tuned_features:
            line += f" (VGG feature distance {_spread(tuned_features, '', max, 2)})"
    rows = [(f"{what}: projection PSNR at model resolution", line)]
    shape = "; ".join(f"{kind} {_spread(vals((kind,), 'displacement'), ' px')}"
                      for kind in ("sketch", "warp") if vals((kind,), "displacement"))
    rows.append((f"{what}: displacement of textured pixels, p95 at 640 px",
                 f"colour strokes (sky, ground) "
                 f"{_spread(vals(COLOR_KINDS, 'displacement'), ' px')}"
                 + (f"; {shape}" if shape else "")))
    mottled = "chroma mottling in the painted area (1 = as the photo)"
    for key, title, worst in (("mottling", mottled, max),
                              ("reach", "reach towards the stroke colour", min)):
        each = "; ".join(f"{kind} {_spread(vals((kind,), key), '', worst, 2)}"
                         for kind in COLOR_KINDS)
        rows.append((f"{what}: {title}",
                     f"{_spread(vals(COLOR_KINDS, key), '', worst, 2)} ({each})"))
    mottled_edits = [edit for r in runs for kind, edit in
                     r.pipelines[label]["edits"].items()
                     if kind in COLOR_KINDS and kind in kinds and edit["mottling"] > MOTTLED]
    if mottled_edits:
        rise = max(e["chroma_result"] - e["chroma_photo"] for e in mottled_edits)
        photo_std = statistics.median(e["chroma_photo"] for e in mottled_edits)
        result_std = statistics.median(e["chroma_result"] for e in mottled_edits)
        uniform = ", ".join(f"{e['mottling']:.2f} against {e['mottling_uniform']:.2f}"
                            for e in mottled_edits)
        rows.append((f"{what}: local chroma variation where mottling > {MOTTLED}",
                     (f"{len(mottled_edits)} colour edits: photo {photo_std:.2f}, result "
                      f"{result_std:.2f} Lab units (medians); largest rise {rise:.2f}; "
                      f"mottling against that of the photo recoloured by one uniform chroma "
                      f"shift with the result's lightness: {uniform}")))
    sky = _spread(vals(("sky",), "spill"), " dB", min)
    ground = _spread(vals(("ground",), "spill"), " dB", min)
    spilled = f"lower 40% with the sky painted {sky}; upper 40% with the ground painted {ground}"
    rows.append((f"{what}: spill, PSNR far from the strokes", spilled))
    edit = _spread(vals(KINDS, "edit_seconds"), " s")
    carry = _spread(vals(KINDS, "transfer_seconds"), " s", max, 2)
    timing = f"edit {edit}; transfer {carry}"
    if pipeline.tune_steps:
        tuning = [r.pipelines[label]["tuning_seconds"] for r in runs]
        timing = f"tuning {_spread(tuning, ' s')} per photo; " + timing
    rows.append((f"{what}: time", timing))
    return rows


def _plain(value):
    """JSON-safe: NaN and ±inf (a band the edit left exactly as it was) as null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- the before/after grid ------------------------------------------------------------------

def _labelled(image: np.ndarray, title: str, detail: str,
              height: int = GRID_HEIGHT) -> np.ndarray:
    """`image` scaled to `height` px tall under a dark band with `title` and, below it in
    grey, `detail`, each shrunk where needed to fit the width."""
    picture = scaled(image, round(image.shape[1] * height / image.shape[0]))
    band = np.full((48, picture.shape[1], 3), 32, np.uint8)
    for text, baseline, scale, color in ((title, 20, 0.6, (255, 255, 255)),
                                         (detail, 41, 0.5, (200, 200, 200))):
        width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0]
        scale *= min(1.0, (picture.shape[1] - 12) / width)
        cv2.putText(band, text, (6, baseline), cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1,
                    cv2.LINE_AA)
    return np.concatenate([band, picture], 0)


def write_grid(path: Path, rows: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]],
               before: Pipeline, after: Pipeline) -> None:
    """One row per (photo name, kind, photo with strokes, before, after), the three side by
    side at one height, rows left-aligned on white; JPEG or PNG by the suffix."""
    from igan_app import imaging

    pad = 6
    lines = []
    for name, kind, drawn, old, new in rows:
        tiles = [_labelled(drawn, Path(name).stem, f"{STROKE_NAMES[kind]} (strokes drawn)"),
                 _labelled(old, "before", before.label), _labelled(new, "now", after.label)]
        gap = np.full((tiles[0].shape[0], pad, 3), 255, np.uint8)
        lines.append(np.concatenate([tiles[0], gap, tiles[1], gap, tiles[2]], 1))
    width = max(line.shape[1] for line in lines)
    out = np.full((sum(line.shape[0] + pad for line in lines) - pad, width, 3), 255, np.uint8)
    top = 0
    for line in lines:
        out[top:top + line.shape[0], :line.shape[1]] = line
        top += line.shape[0] + pad
    imaging.write_image(path, out, quality=85)


# --- main -----------------------------------------------------------------------------------

def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune-steps", type=int, default=None,
                        help="tuning steps (default: TuningConfig's; 0: no tuning)")
    parser.add_argument("--mode", choices=TRANSFER_MODES, default=None,
                        help="apply_edit's mode (default: its own)")
    parser.add_argument("--transfer", choices=TRANSFER_METHODS, default=None,
                        help="apply_edit's transfer (default: its own)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"stroke kinds to edit with (default {','.join(KINDS)})")
    parser.add_argument("--photos", type=Path, default=PHOTO_SET, help="the photo set's folder")
    parser.add_argument("--model", default=DEFAULT_MANIFOLD)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--grid", type=Path, default=None,
                        help="write the before/after figure (.jpg or .png) of the first photos")
    parser.add_argument("--grid-photos", type=int, default=8, help="photos in the grid")
    parser.add_argument("--json", type=Path, default=None, help="write every per-photo figure")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    return parser.parse_args()


def main() -> int:
    import torch

    from igan_app import imaging

    args = _parse()
    if args.threads:
        torch.set_num_threads(args.threads)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if unknown := set(kinds) - set(KINDS):
        raise SystemExit(f"--kinds: unknown {', '.join(sorted(unknown))}; known: {KINDS}")
    pipeline = resolve(args.tune_steps, args.mode, args.transfer)
    before, now = resolve(*BEFORE), resolve(None, None, None)
    paths = photo_paths(args.photos)[:args.limit]
    if not paths:
        raise SystemExit(f"no photos in {args.photos}: run scripts/photo_set.py")
    grid_count = min(args.grid_photos, len(paths)) if args.grid else 0
    cache = ModelCache()
    runs, grid_rows, started = [], [], time.perf_counter()
    print(f"{len(paths)} photos, {pipeline.label}, edits: {', '.join(kinds)}", flush=True)
    for index, path in enumerate(paths):
        plan = {pipeline: kinds}
        grid_kind = KINDS[index % len(KINDS)]
        if index < grid_count:
            for p in (before, now):  # one entry per pipeline: its figures are kept by label
                plan[p] = tuple(dict.fromkeys((*plan.get(p, ()), grid_kind)))
        run = run_photo(cache, args, path, list(plan.items()))
        runs.append(run)
        if index < grid_count:
            photo = imaging.read_image(path)
            strokes = photo_strokes(photo, cache.manifold(args.model, args.device).resolution)
            grid_rows.append((path.name, grid_kind, draw(photo, strokes[grid_kind]),
                              run.results[(before.label, grid_kind)],
                              run.results[(now.label, grid_kind)]))
        run.results.clear()  # photos are big; only the grid's are kept
        print(_progress(index, len(paths), run, pipeline, started), flush=True)

    command = f"python bench/fidelity.py {pipeline.words}" + (
        f" --limit {args.limit}" if args.limit else "") + (
        f" --kinds {args.kinds}" if kinds != KINDS else "") + (
        f" --model {args.model}" if args.model != DEFAULT_MANIFOLD else "")
    # Rows of one pipeline replace that pipeline's rows only, so "before" and "after" both stay.
    report(summary(runs, pipeline, kinds), command, machine(), f"{MARKER} {pipeline.words}",
           args.write)
    if args.json:
        args.json.write_text(json.dumps(
            {"command": command, "pipeline": asdict(pipeline), "machine": machine(),
             "photos": [_plain({"name": r.name, **r.figures, "pipelines": r.pipelines})
                        for r in runs]}, indent=1))
        print(f"→ {args.json}")
    if args.grid:
        write_grid(args.grid, grid_rows, before, now)
        print(f"→ {args.grid} ({args.grid.stat().st_size / 1e6:.2f} MB)")
    return 0


def _progress(index: int, total: int, run: PhotoRun, pipeline: Pipeline, started: float) -> str:
    figures = run.pipelines[pipeline.label]
    parts = [f"projection {run.figures['projection_psnr']:.1f} dB"]
    if "tuned_psnr" in figures:
        parts.append(f"tuned {figures['tuned_psnr']:.1f} dB in {figures['tuning_seconds']:.1f} s")
    for kind, edit in figures["edits"].items():
        parts.append(f"{kind}: " + " ".join(f"{key[:5]} {value:.2f}" for key, value in edit.items()
                                            if not key.endswith("seconds")
                                            and not key.startswith("chroma_")))
    return (f"[{index + 1}/{total} {time.perf_counter() - started:.0f} s] {run.name}: "
            + "; ".join(parts))


if __name__ == "__main__":
    raise SystemExit(main())
