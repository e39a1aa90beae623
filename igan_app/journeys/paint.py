"""The paint journey: a label map (or an edge sketch, or a picture) into pictures.

`paint_picture` renders one source with one model: `igan paint` and every pane of the paint view
go through it. `painting` is what the paint view runs on its model worker: it renders one label
map with the models of the panes, one pane after the other, and yields `Rendered` after each,
holding every pane rendered so far (the worker may drop an older step, so each step carries the
whole picture). A pane whose model fails carries the error as data, so the other pane still
renders. torch is imported only inside the steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from igan_app.journeys.models import ModelCache
from igan_app.messages import one_line

if TYPE_CHECKING:
    from igan_app.engine.paint import Painter

NO_MODEL = "none"  # the model of a pane that shows nothing


def resized_labels(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a label map (labels are never blended)."""
    rows = (np.arange(height) * labels.shape[0] // height).clip(0, labels.shape[0] - 1)
    cols = (np.arange(width) * labels.shape[1] // width).clip(0, labels.shape[1] - 1)
    return labels[np.ix_(rows, cols)]


def outline_sketch(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """What an edges model draws from: the sketch (`engine.edges.edge_map`) of the map's display
    colors at height × width, so the lines are as thick as in the model's training sketches."""
    from igan_app.engine.edges import edge_map
    from igan_app.world.palette import colorize

    return edge_map(colorize(resized_labels(labels, height, width)))


# --- the models -----------------------------------------------------------------------------

@dataclass(frozen=True)
class InstalledPainter:
    """An installed paint model: its registry name and what it draws from, "labels" or "image"
    (an edges model; the paint tab gives it the outlines of the painted map)."""

    name: str
    input: str

    @property
    def from_labels(self) -> bool:
        return self.input == "labels"


def paint_models() -> list[InstalledPainter]:
    """The installed models that paint, sorted by name; reads only config.json files."""
    from igan_app.zoo.checkpoint import CheckpointConfig, CheckpointError, read_config
    from igan_app.zoo.registry import PAINT_KINDS, ModelRegistry

    found = []
    for entry in ModelRegistry().entries():
        if entry.kind not in PAINT_KINDS:
            continue
        try:
            meta = CheckpointConfig.from_dict(read_config(entry.path)).meta
        except CheckpointError:
            continue
        source = "labels" if entry.kind == "spade" else meta.get("input", "image")
        found.append(InstalledPainter(entry.name, "labels" if source == "labels" else "image"))
    return found


def default_models(models: list[InstalledPainter]) -> tuple[str, str]:
    """The panes' models when none was chosen: landscape-spade (else the first label model) on
    the left, landscape-pix2pix (else another label model) on the right; NO_MODEL if none."""
    names = [m.name for m in models if m.from_labels]
    left = "landscape-spade" if "landscape-spade" in names else (names[0] if names else NO_MODEL)
    right = ("landscape-pix2pix" if "landscape-pix2pix" in names
             else next((n for n in names if n != left), NO_MODEL))
    return left, right


# --- the render job -------------------------------------------------------------------------

@dataclass(frozen=True)
class PaneRender:
    """One pane's render: `image` (h, w, 3) uint8 at the painted map's size, or None with
    `error` (one line); `ms` the render took (model loading excluded); what the model can vary."""

    model: str
    image: np.ndarray | None
    ms: float
    error: str = ""
    has_style: bool = False
    has_variation: bool = False
    from_outlines: bool = False


@dataclass(frozen=True)
class Rendered:
    """The panes rendered so far for one request, in pane order; None where a pane has no model
    or is not rendered yet. `done` on the job's last step."""

    panes: tuple[PaneRender | None, ...]
    done: bool


@dataclass(frozen=True)
class Painted:
    """One render: `image` (h, w, 3) uint8 and the milliseconds it took."""

    image: np.ndarray
    ms: float


def paint_picture(painter: Painter, source: np.ndarray, *, seed: int = 0,
                  style: np.ndarray | None = None, deterministic: bool = False,
                  size: int | None = None, ids_given: bool = False) -> Painted:
    """Render `source` (a label map, or a picture for image models) with `painter`: see
    `Painter.render` for the options; timed here so every caller reports the same figure."""
    started = time.perf_counter()
    image = painter.render(source, seed=seed, style=style, deterministic=deterministic,
                           size=size, ids_given=ids_given)
    return Painted(image, (time.perf_counter() - started) * 1000)


def render_pane(cache: ModelCache, model: str, device: str | None, labels: np.ndarray, *,
                seed: int = 0, style: np.ndarray | None = None,
                deterministic: bool = False) -> PaneRender:
    """Render `labels` with `model` at the map's size (256² in the paint view: the networks are
    convolutional, so a model trained at 128² draws the same scene with finer detail, and every
    pane shows the same size). style: a reference picture, used
    by models with a style encoder (others ignore it); seed: the style of those without a
    picture, and pix2pix's variation unless deterministic. Errors come back in the result."""
    try:
        painter = cache.painter(model, device)
        side = max(labels.shape)
        outlines = painter.input != "labels"
        source = labels
        if outlines:
            height, width = painter.output_size(*labels.shape, side)
            source = outline_sketch(labels, height, width)
        painted = paint_picture(painter, source, seed=seed,
                                style=style if painter.has_style else None,
                                deterministic=deterministic, size=side)
    except Exception as err:  # noqa: BLE001 - a pane's failure is data; the other pane renders
        return PaneRender(model, None, 0.0, f"{model}: {one_line(err)}")
    return PaneRender(model, painted.image, painted.ms, has_style=painter.has_style,
                      has_variation=painter.has_variation, from_outlines=outlines)


def painting(cache: ModelCache, models: Sequence[str | None], device: str | None,
             labels: np.ndarray, *, seed: int = 0, style: np.ndarray | None = None,
             deterministic: bool = False) -> Iterator[Rendered]:
    """Render `labels` with each pane's model (None: an empty pane), yielding after each pane."""
    panes: list[PaneRender | None] = [None] * len(models)
    todo = [i for i, model in enumerate(models) if model]
    for count, index in enumerate(todo, 1):
        panes[index] = render_pane(cache, str(models[index]), device, labels, seed=seed,
                                   style=style, deterministic=deterministic)
        yield Rendered(tuple(panes), count == len(todo))


__all__ = [
    "NO_MODEL",
    "InstalledPainter",
    "Painted",
    "PaneRender",
    "Rendered",
    "default_models",
    "outline_sketch",
    "paint_models",
    "paint_picture",
    "painting",
    "render_pane",
    "resized_labels",
]
