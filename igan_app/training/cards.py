"""Model cards, rendered from what a checkpoint's config.json records (meta.training, meta.metrics).

A card is never edited by hand: training and `igan eval --write` store facts in the checkpoint's
metadata and the card is rendered again from them, so the two cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from igan_app.zoo.checkpoint import load_checkpoint, save_checkpoint

TITLES = {"manifold": "Generator and discriminator", "encoder": "Encoder",
          "features": "Feature network", "segmenter": "Segmenter"}


def _training_section(what: str, run: Mapping[str, Any]) -> list[str]:
    minutes = run.get("wall_time_s", 0) / 60
    lines = [f"## {TITLES.get(what, what)}: training", "",
             f"- command: `{run.get('command', '?')}`",
             f"- seed: {run.get('seed', '?')}",
             f"- data: {run.get('data', '?')}",
             f"- hardware: {run.get('hardware', '?')}",
             (f"- steps: {run.get('steps', '?')} × batch {run.get('batch', '?')}, "
             f"wall time {minutes:.1f} min (training steps only)")]
    if "settings" in run:
        lines.append(f"- settings: `{json.dumps(run['settings'], sort_keys=True)}`")
    for key, value in run.get("notes", {}).items():
        lines.append(f"- {key}: {value}")
    return lines + [""]


def _metrics_section(metrics: Mapping[str, Any]) -> list[str]:
    if not metrics:
        return ["## Measured quality", "", "Not measured yet: run `igan eval … --write`.", ""]
    lines = ["## Measured quality", ""]
    for name, entry in metrics.items():
        lines.append(f"### {name}")
        lines.append("")
        lines.append(f"command: `{entry.get('command', '?')}`")
        lines.append("")
        lines.extend(entry.get("table", "").splitlines())
        if entry.get("note"):
            lines += ["", entry["note"]]
        lines.append("")
    return lines


def render_card(name: str, kind: str, summary: str, args: Mapping[str, Any],
                meta: Mapping[str, Any]) -> str:
    lines = [f"# {name}", "", summary, "",
             f"- kind: `{kind}`", f"- arguments: `{json.dumps(dict(args), sort_keys=True)}`", ""]
    for what, run in meta.get("training", {}).items():
        lines += _training_section(what, run)
    lines += _metrics_section(meta.get("metrics", {}))
    return "\n".join(lines).rstrip() + "\n"


def manifold_card(name: str, args: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    encoder = ("The encoder is trained (`igan train encoder`)." if meta.get("encoder_trained")
               else "The encoder is untrained: run `igan train encoder` before projecting photos.")
    summary = (f"A DCGAN manifold at {args.get('resolution')}×{args.get('resolution')}: generator "
               f"(latent of {args.get('latent_dim')} numbers, uniform in [-1, 1]; the shipped "
               f"weights are an exponential moving average), discriminator and encoder. {encoder}")
    return render_card(name, "dcgan-manifold", summary, args, meta)


def card_for(name: str, kind: str, args: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    if kind == "dcgan-manifold":
        return manifold_card(name, args, meta)
    return render_card(name, kind, meta.get("summary", ""), args, meta)


def record_metrics(folder, entries: Mapping[str, Any]) -> None:
    """Store measured entries in a checkpoint's metadata and render its card again."""
    loaded = load_checkpoint(folder)
    config = loaded.config
    meta = dict(config.meta)
    meta["metrics"] = {**meta.get("metrics", {}), **entries}
    save_checkpoint(folder, loaded.model, kind=config.kind, args=config.args,
                    resolution=config.resolution, data=config.data,
                    card=card_for(Path(folder).name, config.kind, config.args, meta),
                    meta=meta, value_range=config.value_range, dtype=config.dtype)
