"""The label map being painted, the tool, label and brush it is painted with, and the drag.

A left drag paints with the current tool: the brush and the eraser (which paints sky) along the
pointer's path, the line from the press to the pointer (drawn again from the map as it was at
the press, so it follows the pointer rather than smearing), the fill bucket on the press. Points
are map coordinates (x, y) in map pixels; the edits are `label_map`'s functions. No Qt here:
the canvas turns mouse positions into map points, the tab's model turns edits into undo steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.gui.paint.label_map import BACKGROUND, Point, flood_fill, new_map, stamp_segment
from igan_app.world.palette import NUM_LABELS

TOOLS = ("brush", "fill", "line", "eraser")
TOOL_STEPS = {"brush": "brush stroke", "fill": "fill", "line": "line", "eraser": "eraser stroke"}
BRUSH_LIMITS = (1, 128)  # brush diameter, map pixels
DEFAULT_LABEL = 7  # grass


@dataclass(frozen=True)
class Edit:
    """What a press, a move, a release or a cancel did: `changed`, whether the map changed
    now; `step`, the undo step the edit ended with ("" while a drag goes on, or when the edit
    left the map as it was)."""

    changed: bool
    step: str = ""


class Drawing:
    """A label map, (side, side) uint8 world label ids, and the drag painting it.

    brush: the brush (and line) diameter in map pixels, clamped to BRUSH_LIMITS (the default is
    gui.settings.DEFAULT_PAINT_BRUSH's, which the tab passes).
    """

    def __init__(self, brush: int = 24, label: int = DEFAULT_LABEL) -> None:
        self._labels = new_map()
        self._tool = "brush"
        self._label = self._brush = 0
        self.set_label(label)
        self.set_brush(brush)
        self._before: np.ndarray | None = None  # the map when the drag began
        self._start: Point | None = None  # the drag's first map point
        self._last: Point | None = None  # the drag's previous map point

    # --- state -----------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """The map's (height, width)."""
        return self._labels.shape

    def labels(self) -> np.ndarray:
        """A copy of the map."""
        return self._labels.copy()

    def set_labels(self, labels: np.ndarray) -> None:
        """Paint on a copy of `labels` from now on (a drag in progress is dropped)."""
        labels = np.asarray(labels)
        if labels.ndim != 2 or labels.dtype != np.uint8 or labels.size == 0:
            raise ValueError(f"a label map is (H, W) uint8, got {labels.dtype} {labels.shape}")
        if int(labels.max()) >= NUM_LABELS:
            raise ValueError(f"label ids run from 0 to {NUM_LABELS - 1}, got {int(labels.max())}")
        self._before = self._start = self._last = None
        self._labels = labels.copy()

    @property
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        """One of TOOLS."""
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; tools are {', '.join(TOOLS)}")
        self._tool = tool

    @property
    def label(self) -> int:
        """The label the brush, the line and the fill paint with."""
        return self._label

    def set_label(self, label: int) -> None:
        if not 0 <= int(label) < NUM_LABELS:
            raise ValueError(f"label ids run from 0 to {NUM_LABELS - 1}, got {label}")
        self._label = int(label)

    @property
    def brush(self) -> int:
        """The brush (and line) diameter in map pixels."""
        return self._brush

    def set_brush(self, diameter: int) -> None:
        low, high = BRUSH_LIMITS
        self._brush = int(min(max(int(diameter), low), high))

    def is_drawing(self) -> bool:
        return self._before is not None

    # --- the drag --------------------------------------------------------------------------

    def _paint_label(self) -> int:
        return BACKGROUND if self._tool == "eraser" else self._label

    def press(self, point: Point) -> Edit:
        """The button went down at `point`: the fill fills (and ends its step), the other
        tools begin a drag. Ignored while a drag goes on."""
        if self._before is not None:
            return Edit(False)
        if self._tool == "fill":
            filled = flood_fill(self._labels, point, self._label)
            return Edit(filled, TOOL_STEPS["fill"] if filled else "")
        self._before, self._start, self._last = self._labels.copy(), point, point
        return Edit(stamp_segment(self._labels, point, point, self._brush, self._paint_label()))

    def move(self, point: Point) -> Edit:
        """The pointer moved to `point` during a drag (nothing happens outside one)."""
        if self._before is None or self._start is None or self._last is None:
            return Edit(False)
        if self._tool == "line":
            self._labels[...] = self._before
            stamp_segment(self._labels, self._start, point, self._brush, self._label)
            changed = True
        else:
            changed = stamp_segment(self._labels, self._last, point, self._brush,
                                    self._paint_label())
        self._last = point
        return Edit(changed)

    def release(self) -> Edit:
        """The button went up: the drag ends, as an undo step if it changed the map."""
        if self._before is None:
            return Edit(False)
        before, self._before, self._start, self._last = self._before, None, None, None
        return Edit(False, "" if np.array_equal(before, self._labels) else TOOL_STEPS[self._tool])

    def cancel(self) -> Edit:
        """Drop the drag in progress: the map goes back to how it was at the press."""
        if self._before is None:
            return Edit(False)
        before, self._before, self._start, self._last = self._before, None, None, None
        if np.array_equal(before, self._labels):
            return Edit(False)
        self._labels = before
        return Edit(True)


__all__ = ["BRUSH_LIMITS", "DEFAULT_LABEL", "TOOLS", "TOOL_STEPS", "Drawing", "Edit"]
