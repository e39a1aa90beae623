"""The paint tab's map edits and the drag that makes them, without Qt."""

from __future__ import annotations

import numpy as np
import pytest

from igan_app.gui.paint.drawing import BRUSH_LIMITS, Drawing, Edit
from igan_app.gui.paint.label_map import flood_fill, stamp_segment

SKY, WATER, GRASS, TREE = 0, 5, 7, 8


def near_segment(a, b, side: int = 256) -> np.ndarray:
    """Each map pixel centre's distance to the segment from a to b, (side, side)."""
    ys, xs = np.mgrid[0:side, 0:side] + 0.5
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1)
    return np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))


# --- the edits --------------------------------------------------------------------------------

def test_a_stamp_covers_the_disc_and_a_one_pixel_brush_its_pixel():
    labels = np.zeros((32, 32), np.uint8)
    assert stamp_segment(labels, (10.9, 10.9), (10.9, 10.9), 1, GRASS)
    assert np.argwhere(labels).tolist() == [[10, 10]]
    assert not stamp_segment(labels, (10.2, 10.2), (10.2, 10.2), 1, GRASS)  # already grass
    assert not stamp_segment(labels, (-20.0, 5.0), (-10.0, 5.0), 4, GRASS)  # off the map
    labels[:] = 0
    stamp_segment(labels, (16, 16), (16, 16), 8, TREE)
    ys, xs = np.mgrid[0:32, 0:32] + 0.5
    assert np.array_equal(labels == TREE, np.hypot(xs - 16, ys - 16) <= 4)


def test_flood_fill_is_four_connected():
    labels = np.zeros((5, 5), np.uint8)
    labels[0:2, 0:2] = GRASS
    labels[2, 2] = GRASS  # touches the block only at a corner
    assert flood_fill(labels, (0.5, 0.5), WATER)
    assert (labels[0:2, 0:2] == WATER).all() and labels[2, 2] == GRASS
    assert not flood_fill(labels, (0.5, 0.5), WATER) and not flood_fill(labels, (7, 1), SKY)


# --- the drag ---------------------------------------------------------------------------------

def test_a_brush_drag_paints_along_the_path_and_ends_as_one_step():
    drawing = Drawing(brush=10, label=TREE)
    assert drawing.press((20.0, 20.0)) == Edit(True) and drawing.is_drawing()
    assert drawing.move((120.0, 20.0)) == Edit(True)
    assert drawing.move((120.0, 20.0)) == Edit(False)  # nothing new under the brush
    assert drawing.release() == Edit(False, "brush stroke") and not drawing.is_drawing()
    labels = drawing.labels()
    near = near_segment((20.0, 20.0), (120.0, 20.0))
    assert (labels[near <= 4.5] == TREE).all() and (labels[near > 5.5] == SKY).all()


def test_the_line_is_drawn_again_from_the_press_and_the_eraser_paints_sky():
    drawing = Drawing(brush=4, label=GRASS)
    drawing.set_tool("line")
    drawing.press((10.0, 10.0))
    drawing.move((200.0, 30.0))
    drawing.move((100.0, 200.0))  # the line follows the pointer: the first one is gone
    assert drawing.release().step == "line"
    expected = near_segment((10.0, 10.0), (100.0, 200.0)) <= 2
    assert np.array_equal(drawing.labels() == GRASS, expected)
    drawing.set_tool("eraser")
    drawing.set_brush(400)  # clamped
    assert drawing.brush == BRUSH_LIMITS[1]
    drawing.press((55.0, 105.0))  # the line's middle
    assert drawing.release().step == "eraser stroke"
    labels, near = drawing.labels(), near_segment((55.0, 105.0), (55.0, 105.0))
    assert (labels[near <= 63.5] == SKY).all() and labels[10, 10] == GRASS  # its start is kept


def test_fill_is_one_step_on_the_press_and_a_drag_that_changes_nothing_is_no_step():
    drawing = Drawing(label=WATER)
    drawing.set_tool("fill")
    assert drawing.press((5.0, 5.0)) == Edit(True, "fill") and not drawing.is_drawing()
    assert drawing.press((5.0, 5.0)) == Edit(False)  # water already
    drawing.set_tool("brush")
    drawing.set_label(WATER)
    drawing.press((5.0, 5.0))
    assert drawing.release() == Edit(False)


def test_cancel_puts_back_the_map_of_the_press_and_a_new_map_drops_the_drag():
    drawing = Drawing(brush=8, label=TREE)
    before = drawing.labels()
    drawing.press((50.0, 50.0))
    drawing.move((90.0, 90.0))
    assert drawing.cancel() == Edit(True) and np.array_equal(drawing.labels(), before)
    assert drawing.release() == Edit(False) and drawing.cancel() == Edit(False)
    drawing.press((50.0, 50.0))
    small = np.full((4, 6), GRASS, np.uint8)
    drawing.set_labels(small)
    small[0, 0] = TREE  # the drawing paints on its own copy
    assert not drawing.is_drawing() and drawing.shape == (4, 6)
    assert (drawing.labels() == GRASS).all()


def test_bad_maps_tools_and_labels_are_refused():
    drawing = Drawing()
    with pytest.raises(ValueError, match="uint8"):
        drawing.set_labels(np.zeros((4, 4), np.int32))
    with pytest.raises(ValueError, match="label ids run from 0 to 8, got 9"):
        drawing.set_labels(np.full((4, 4), 9, np.uint8))
    with pytest.raises(ValueError, match="unknown tool 'spray'"):
        drawing.set_tool("spray")
    with pytest.raises(ValueError, match="got 12"):
        drawing.set_label(12)
