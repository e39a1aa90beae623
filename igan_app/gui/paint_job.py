"""The paint tab's Qt-free half: edits of a label map (brush, line, fill) and the render job.

A label map is an (H, W) uint8 array of world label ids (`igan_app.world.palette`). The edits
change it in place and say whether anything changed; coordinates are map pixels, x right and
y down, pixel (i, j) covering x in [j, j+1), y in [i, i+1). The widget converts mouse positions
into these; nothing else here knows about widgets.

`painting` is the job the model worker runs: it renders one label map with the models of the
panes, one pane after the other, and yields `Rendered` after each, holding every pane rendered so
far (the worker may drop an older step, so each step carries the whole picture). A pane whose
model fails carries the error as data, so the other pane still renders. Nothing here imports Qt,
and torch only inside the job.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from igan_app.engine.paint import Painter

PAINT_KINDS = ("spade", "unet-generator", "resnet-generator")  # as engine.paint.PAINT_KINDS
MAP_SIDE = 256  # the painted map is MAP_SIDE × MAP_SIDE
BACKGROUND = 0  # sky: what New fills with and what the eraser paints
NO_MODEL = "none"  # the model of a pane that shows nothing
MIN_RADIUS = math.sqrt(0.5)  # a 1 px brush still covers the pixel under the pointer

Point = tuple[float, float]


# --- edits of the label map -----------------------------------------------------------------

def new_map(side: int = MAP_SIDE) -> np.ndarray:
    """A side × side map of sky."""
    return np.full((side, side), BACKGROUND, np.uint8)


def stamp_segment(labels: np.ndarray, start: Point, end: Point, diameter: float,
                  label: int) -> bool:
    """Paint `label` under a round brush of `diameter` map pixels moved from `start` to `end`
    (a dot when they are equal): every pixel whose centre is within diameter/2 of the segment.
    Returns whether a pixel changed."""
    height, width = labels.shape
    radius = max(diameter / 2.0, MIN_RADIUS)
    (x0, y0), (x1, y1) = start, end
    left = max(0, math.floor(min(x0, x1) - radius))
    right = min(width, math.ceil(max(x0, x1) + radius) + 1)
    top = max(0, math.floor(min(y0, y1) - radius))
    bottom = min(height, math.ceil(max(y0, y1) + radius) + 1)
    if left >= right or top >= bottom:
        return False
    ys, xs = np.mgrid[top:bottom, left:right].astype(np.float32) + np.float32(0.5)
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    # The closest point of the segment to each pixel centre, as a fraction t along it.
    t = (np.zeros_like(xs) if length2 == 0.0
         else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0))
    inside = (xs - (x0 + t * dx)) ** 2 + (ys - (y0 + t * dy)) ** 2 <= radius * radius
    window = labels[top:bottom, left:right]
    changed = inside & (window != label)
    window[changed] = label
    return bool(changed.any())


def flood_fill(labels: np.ndarray, point: Point, label: int) -> bool:
    """Give the 4-connected region of equal labels under `point` the label `label`. Returns
    whether a pixel changed (False outside the map or on a region that has it already)."""
    import cv2  # not paid for by the GUI's first paint

    height, width = labels.shape
    x, y = math.floor(point[0]), math.floor(point[1])
    if not (0 <= x < width and 0 <= y < height) or labels[y, x] == label:
        return False
    mask = np.zeros((height + 2, width + 2), np.uint8)
    region = np.ascontiguousarray(labels)
    cv2.floodFill(region, mask, (x, y), int(label), 0, 0, 4)
    if region is not labels:
        labels[...] = region
    return True


def random_scene(seed: int, side: int = MAP_SIDE) -> np.ndarray:
    """The label map of world scene `seed`, side × side."""
    from igan_app.world.render import render

    return render(seed, side)[1]


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
class PaintModel:
    """An installed paint model: its registry name and what it draws from, "labels" or "image"
    (an edges model; the paint tab gives it the outlines of the painted map)."""

    name: str
    input: str

    @property
    def from_labels(self) -> bool:
        return self.input == "labels"


def paint_models() -> list[PaintModel]:
    """The installed models that paint, sorted by name; reads only config.json files."""
    from igan_app.zoo.checkpoint import CheckpointConfig, CheckpointError, read_config
    from igan_app.zoo.registry import ModelRegistry

    found = []
    for entry in ModelRegistry().entries():
        if entry.kind not in PAINT_KINDS:
            continue
        try:
            meta = CheckpointConfig.from_dict(read_config(entry.path)).meta
        except CheckpointError:
            continue
        source = "labels" if entry.kind == "spade" else meta.get("input", "image")
        found.append(PaintModel(entry.name, "labels" if source == "labels" else "image"))
    return found


def default_models(models: list[PaintModel]) -> tuple[str, str]:
    """The panes' models when none was chosen: landscape-spade (else the first label model) on
    the left, landscape-pix2pix (else another label model) on the right; NO_MODEL if none."""
    names = [m.name for m in models if m.from_labels]
    left = "landscape-spade" if "landscape-spade" in names else (names[0] if names else NO_MODEL)
    right = ("landscape-pix2pix" if "landscape-pix2pix" in names
             else next((n for n in names if n != left), NO_MODEL))
    return left, right


class PainterCache:
    """Loaded painters by (name, device). Loading happens inside jobs, on the worker thread; the
    lock only guards against a second caller (a test)."""

    def __init__(self) -> None:
        self._painters: dict[tuple[str, str], Painter] = {}
        self._lock = threading.Lock()

    def get(self, name: str, device: str | None = None) -> Painter:
        """The painter of model `name` (registry name or folder) on `device` (None: auto).
        Raises the registry's, the checkpoint's or the device's error."""
        from igan_app.device import pick_device
        from igan_app.engine.paint import Painter
        from igan_app.zoo.registry import load_model

        torch_device = pick_device(device)
        key = (str(name), str(torch_device))
        with self._lock:
            if key not in self._painters:
                loaded = load_model(name, expected_kind=PAINT_KINDS, device=torch_device)
                self._painters[key] = Painter.from_checkpoint(loaded, str(name))
            return self._painters[key]


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


def render_pane(cache: PainterCache, model: str, device: str | None, labels: np.ndarray, *,
                seed: int = 0, style: np.ndarray | None = None,
                deterministic: bool = False) -> PaneRender:
    """Render `labels` with `model` at the map's size (256² in the paint view: the networks are
    convolutional, so a model trained at 128² draws the same scene with finer detail, and every
    pane shows the same size). style: a reference picture, used
    by models with a style encoder (others ignore it); seed: the style of those without a
    picture, and pix2pix's variation unless deterministic. Errors come back in the result."""
    try:
        painter = cache.get(model, device)
        side = max(labels.shape)
        outlines = painter.input != "labels"
        source = labels
        if outlines:
            height, width = painter.output_size(*labels.shape, side)
            source = outline_sketch(labels, height, width)
        started = time.perf_counter()
        image = painter.render(source, seed=seed, style=style if painter.has_style else None,
                               deterministic=deterministic, size=side)
        ms = (time.perf_counter() - started) * 1000
    except Exception as err:  # noqa: BLE001 - a pane's failure is data; the other pane renders
        lines = str(err).strip().splitlines()
        return PaneRender(model, None, 0.0, f"{model}: {lines[0] if lines else type(err).__name__}")
    return PaneRender(model, image, ms, has_style=painter.has_style,
                      has_variation=painter.has_variation, from_outlines=outlines)


def painting(cache: PainterCache, models: Sequence[str | None], device: str | None,
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
    "BACKGROUND",
    "MAP_SIDE",
    "NO_MODEL",
    "PAINT_KINDS",
    "PaintModel",
    "PainterCache",
    "PaneRender",
    "Rendered",
    "default_models",
    "flood_fill",
    "new_map",
    "outline_sketch",
    "paint_models",
    "painting",
    "random_scene",
    "render_pane",
    "resized_labels",
    "stamp_segment",
]
