"""The paint tab's state: the label map and its history, the tool, the style, the panes.

A QObject without widgets: the view and the canvas call its methods and redraw from its
signals. The map is a `Drawing` (the drag's edits, Qt-free); every finished edit is one undo
step in `history`. The panes' models and their last renders, and when to render, are the
`Renders` this model owns (`renders`); every change of the map or of the options asks it for a
render. The choices the user makes (brush, seed, "deterministic", the panes' models) are kept
in the settings.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from igan_app import imaging
from igan_app.engine.session import PaintPart
from igan_app.gui.history import History
from igan_app.gui.paint import label_map
from igan_app.gui.paint.drawing import Drawing, Edit
from igan_app.gui.paint.renders import Renders, Source
from igan_app.gui.settings import PAINT_SEED_RANGE, Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys.models import ModelCache
from igan_app.messages import one_line
from igan_app.world.palette import LabelMapError, load_labels, save_labels

MAX_MAP_SIDE = 1024  # an opened label map larger than this is refused


class PaintModel(QObject):
    """The paint tab's state. worker: the model worker shared with the other tabs; settings:
    where the models, the brush, the seed and "deterministic" are kept."""

    mapChanged = Signal()  # the map changed (while a drag goes on too)
    historyChanged = Signal()  # an edit ended, or undo or redo
    choicesChanged = Signal()  # the label, the tool or the brush
    styleChanged = Signal()  # the seed, the style picture or "deterministic"
    errorOccurred = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, worker: ModelWorker, settings: Settings, cache: ModelCache | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.drawing = Drawing(brush=settings.paint_brush)
        self.history: History[np.ndarray] = History(self.drawing.labels())
        self._seed = settings.paint_seed
        self._deterministic = settings.paint_deterministic
        self._style: np.ndarray | None = None  # the reference picture
        self.style_path = ""  # where the reference picture came from
        self.renders = Renders(worker, settings, cache or ModelCache(), self.render_source, self)
        self.renders.errorOccurred.connect(self.errorOccurred)
        self.renders.statusMessage.connect(self.statusMessage)

    def render_source(self) -> Source:
        """What a render draws from now."""
        return Source(self.drawing.labels(), self._seed, self._style, self._deterministic)

    # --- the tool ----------------------------------------------------------------------------

    def set_label(self, label: int) -> None:
        """The label the brush, the line and the fill paint with (a world label id)."""
        self.drawing.set_label(label)
        self.choicesChanged.emit()

    def set_tool(self, tool: str) -> None:
        """One of drawing.TOOLS: "brush", "fill", "line", "eraser"."""
        self.drawing.set_tool(tool)
        self.choicesChanged.emit()

    def set_brush(self, diameter: int) -> None:
        """The brush and line width in map pixels, clamped to BRUSH_LIMITS (and kept)."""
        self.drawing.set_brush(diameter)
        self.settings.paint_brush = self.drawing.brush
        self.choicesChanged.emit()

    # --- the style ---------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        """The style seed (SPADE without a style picture) and pix2pix's variation seed."""
        return self._seed

    def set_seed(self, seed: int) -> None:
        """A new seed, clamped to PAINT_SEED_RANGE (and kept); renders again if it changed."""
        low, high = PAINT_SEED_RANGE
        seed = min(max(int(seed), low), high)
        if seed != self._seed:
            self._seed = self.settings.paint_seed = seed
            self.styleChanged.emit()
            self.renders.schedule()

    @property
    def deterministic(self) -> bool:
        """Whether pix2pix renders without its seeded variation (dropout)."""
        return self._deterministic

    def set_deterministic(self, on: bool) -> None:
        self._deterministic = self.settings.paint_deterministic = bool(on)
        self.styleChanged.emit()
        self.renders.schedule()

    @property
    def style_picture(self) -> np.ndarray | None:
        """The reference picture SPADE models take their style from, or None (the seed's)."""
        return self._style

    def set_style_picture(self, path: str | Path) -> bool:
        """SPADE models take their style from the picture in `path` from now on."""
        try:
            picture = imaging.read_image(path)
        except (imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        self._style, self.style_path = picture, str(path)
        self.styleChanged.emit()
        self.renders.schedule()
        return True

    def clear_style_picture(self) -> None:
        self._style, self.style_path = None, ""
        self.styleChanged.emit()
        self.renders.schedule()

    # --- the map and its history -------------------------------------------------------------

    def labels(self) -> np.ndarray:
        """A copy of the painted map."""
        return self.drawing.labels()

    def _map_changed(self) -> None:
        self.mapChanged.emit()
        self.renders.schedule()

    def _edited(self, step: str) -> None:
        self.history.push(self.drawing.labels(), step)
        self.historyChanged.emit()

    def _apply(self, edit: Edit) -> None:
        if edit.changed:
            self._map_changed()
        if edit.step:
            self._edited(edit.step)

    def press(self, point: tuple[float, float]) -> None:
        """The left button went down on map point (x, y): see `Drawing.press`."""
        self._apply(self.drawing.press(point))

    def move(self, point: tuple[float, float]) -> None:
        self._apply(self.drawing.move(point))

    def release(self) -> None:
        self._apply(self.drawing.release())

    def cancel_drawing(self) -> None:
        """Drop the drag in progress: the map goes back to how it was at the press."""
        self._apply(self.drawing.cancel())

    def replace_map(self, labels: np.ndarray, step: str) -> None:
        """Paint on `labels` from now on, as one undo step named `step`."""
        self.drawing.set_labels(labels)
        self._map_changed()
        self._edited(step)

    def new_map(self) -> None:
        """An all-sky map."""
        self.replace_map(label_map.new_map(), "new map")

    def random_scene(self, seed: int | None = None) -> None:
        """The label map of a world scene (a random one when seed is None)."""
        seed = random.randrange(2**31) if seed is None else seed
        self.replace_map(label_map.random_scene(seed), "random scene")

    def undo(self) -> None:
        if self.history.can_undo:
            self.drawing.set_labels(self.history.undo())
            self._map_changed()
            self.historyChanged.emit()

    def redo(self) -> None:
        if self.history.can_redo:
            self.drawing.set_labels(self.history.redo())
            self._map_changed()
            self.historyChanged.emit()

    # --- files -------------------------------------------------------------------------------

    def open_labels(self, path: str | Path) -> bool:
        """Paint on the label map in `path`; False, with errorOccurred, when it cannot be read
        (the painting is kept)."""
        try:
            labels = load_labels(path)
        except (LabelMapError, imaging.ImageError, OSError) as err:
            self.errorOccurred.emit(one_line(str(err)))
            return False
        if max(labels.shape) > MAX_MAP_SIDE or min(labels.shape) < 1:
            height, width = labels.shape
            self.errorOccurred.emit(f"{path}: the label map is {width}×{height}; paint maps are "
                                    f"at most {MAX_MAP_SIDE} px on a side")
            return False
        self.replace_map(labels, "open map")
        self.statusMessage.emit(f"label map {Path(path).name}, {labels.shape[1]}×{labels.shape[0]}")
        return True

    def save_labels(self, path: str | Path) -> bool:
        """Write the map as a palette PNG; False, with errorOccurred, on failure."""
        try:
            save_labels(path, self.drawing.labels())
        except (LabelMapError, ValueError, OSError) as err:
            self.errorOccurred.emit(f"could not save the label map: {one_line(str(err))}")
            return False
        self.statusMessage.emit(f"saved the label map → {path}")
        return True

    def session_part(self) -> PaintPart | None:
        """The map (as its last edit left it), the seed, "deterministic" and the panes' models,
        for a session file; None while the map has never been changed (a new map is not worth
        keeping)."""
        if not (self.history.can_undo or self.history.can_redo):
            return None
        return PaintPart(self.history.current, self._seed, self._deterministic,
                         self.renders.pane_models())

    def restore(self, part: PaintPart) -> bool:
        """Paint on a session's map (one undo step, "open session") with its seed and
        "deterministic"; False, with errorOccurred, for a map this tab cannot paint on."""
        height, width = part.labels.shape
        if max(height, width) > MAX_MAP_SIDE:
            self.errorOccurred.emit(f"the session's label map is {width}×{height}; paint maps "
                                    f"are at most {MAX_MAP_SIDE} px on a side")
            return False
        if not np.array_equal(part.labels, self.history.current):
            self.replace_map(part.labels, "open session")
        self.set_seed(part.seed)
        if part.deterministic != self._deterministic:
            self.set_deterministic(part.deterministic)
        return True

    def rendered_pane(self, pane: int | None) -> int | None:
        """`pane`, or the first pane with a render; None (with errorOccurred) if it has none."""
        index = self.renders.first_rendered(pane)
        if index is None:
            self.errorOccurred.emit("nothing rendered yet: choose a model and paint")
        return index

    def export(self, path: str | Path, pane: int | None = None) -> bool:
        """Write `pane`'s render (None: the first one shown) as PNG or JPEG, by suffix."""
        pane = self.rendered_pane(pane)
        if pane is None:
            return False
        try:
            imaging.write_image(path, self.renders.image(pane))
        except (ValueError, OSError) as err:  # ImageError is a ValueError
            self.errorOccurred.emit(f"export: {one_line(str(err))}")
            return False
        self.statusMessage.emit(f"exported the render → {path}")
        return True


__all__ = ["MAX_MAP_SIDE", "PaintModel"]
