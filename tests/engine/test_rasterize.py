"""Rasterization of strokes into the model's frame: where, how wide, in which order."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from igan_app.engine.frame import Frame
from igan_app.engine.rasterize import rasterize, sketch_margin
from igan_app.engine.strokes import Stroke, StrokeSet, Warp

PHOTO = (480, 640)  # (height, width)
RED = (255, 0, 0)


def _centre(resolution: int = 64) -> Frame:
    # 640×480 → the 480×480 square from x = 80, so 64 px gives 2/15 model px per photo px.
    return Frame.centre(PHOTO, resolution)


def _one(*items, resolution: int = 64, current=None):
    return rasterize(StrokeSet(PHOTO, items), _centre(resolution), current)


def test_horizontal_color_stroke_lands_on_the_right_rows():
    # y = 240 is model y 32; 30 photo px wide is 4 model px: rows 30-33 exactly.
    targets = _one(Stroke("color", ((0, 240), (640, 240)), 30, RED))
    assert targets.color.shape == (3, 64, 64) and targets.color_mask.shape == (1, 64, 64)
    for array in (targets.color, targets.color_mask, targets.sketch, targets.sketch_mask):
        assert array.dtype == np.float32
    rows = targets.color_mask[0].mean(1)
    np.testing.assert_array_equal(np.nonzero(rows)[0], [30, 31, 32, 33])
    np.testing.assert_allclose(rows[30:34], 1.0)  # across the whole frame: clipped to it
    np.testing.assert_allclose(targets.color[:, 30:34], np.broadcast_to(
        np.array([1, -1, -1], np.float32)[:, None, None], (3, 4, 64)))
    assert not targets.color[:, :30].any() and not targets.has_sketch


def test_width_scales_with_the_frame():
    stroke = Stroke("color", ((80, 241.7), (560, 241.7)), 30, RED)
    for resolution in (32, 64, 128):
        mask = _one(stroke, resolution=resolution).color_mask[0]
        # The coverage down a column is the brush width in model pixels, at any sub-pixel place.
        assert mask[:, resolution // 2].sum() == pytest.approx(30 * resolution / 480, abs=0.1)
    # Half the box, twice the scale: the same photo stroke is twice as wide in the model.
    zoomed = Frame(PHOTO, (200, 120, 440, 360), 64)
    mask = rasterize(StrokeSet(PHOTO, (stroke,)), zoomed).color_mask[0]
    assert mask[:, 32].sum() == pytest.approx(8.0, abs=0.1)


def test_thin_strokes_are_at_least_one_model_pixel_wide():
    mask = _one(Stroke("sketch", ((80, 244), (560, 244)), 1)).sketch[0]
    assert mask[:, 32].sum() == pytest.approx(1.0, abs=0.07)


def test_eraser_removes_exactly_its_part():
    color = Stroke("color", ((0, 240), (640, 240)), 30, RED)
    sketch = Stroke("sketch", ((0, 250), (640, 250)), 4)
    before = _one(color, sketch)
    # x = 320 is model x 32; 60 photo px wide is 8 model px: columns 28-35 are erased.
    eraser = Stroke("eraser", ((320, -50), (320, 600)), 60)
    after = _one(color, sketch, eraser)
    for name in ("color_mask", "sketch", "sketch_mask"):
        b, a = getattr(before, name)[0], getattr(after, name)[0]
        assert not a[:, 28:36].any(), name
        np.testing.assert_array_equal(a[:, :28], b[:, :28])
        np.testing.assert_array_equal(a[:, 36:], b[:, 36:])
    # Strokes after the eraser are kept whole.
    redrawn = _one(color, sketch, eraser, color)
    np.testing.assert_array_equal(redrawn.color_mask, before.color_mask)
    # Erasing everything leaves nothing to ask.
    assert _one(color, Stroke("eraser", ((320, 240),), 2000)).is_empty


def test_stroke_partly_outside_is_clipped():
    # From photo x -100 to 100, 30 wide: in the model a band 4 px high from x -24 to 2.67 with a
    # round end of radius 2; what lies left of the frame is cut off.
    mask = _one(Stroke("color", ((-100, 240), (100, 240)), 30, RED)).color_mask[0]
    np.testing.assert_allclose(mask[30:34, :3], 1.0)
    assert not mask[:, 5:].any() and not mask[:30].any() and not mask[34:].any()
    assert mask.sum() == pytest.approx(4 * 32 / 12 + np.pi * 2**2 / 2, abs=0.2)


def test_later_color_strokes_paint_over_earlier_ones():
    blue = Stroke("color", ((0, 240), (640, 240)), 30, (0, 0, 255))
    targets = _one(Stroke("color", ((0, 240), (640, 240)), 30, RED), blue)
    np.testing.assert_allclose(targets.color[:, 31, 10], [-1, -1, 1])


def test_sketch_mask_reaches_beyond_the_line():
    targets = _one(Stroke("sketch", ((320, 0), (320, 480)), 8))  # model x 32, ~1 px wide
    line = np.nonzero(targets.sketch[0, 20] > 0)[0]
    region = np.nonzero(targets.sketch_mask[0, 20] > 0)[0]
    margin = sketch_margin(64)
    assert region.min() <= line.min() - margin and region.max() >= line.max() + margin
    assert region.max() - region.min() <= line.max() - line.min() + 2 * margin + 2


def test_crossing_sketch_lines_both_stay():
    vertical = Stroke("sketch", ((320, 0), (320, 480)), 8)
    horizontal = Stroke("sketch", ((80, 240), (560, 240)), 8)
    alone = _one(vertical).sketch[0]
    crossed = _one(vertical, horizontal).sketch[0]
    # The second line's margin asks for "no other edge" near it, but keeps the first line.
    assert (crossed >= alone).all() and crossed[28:31, 31:33].any()


def test_warp_asks_for_the_source_patch_at_the_destination():
    rng = np.random.default_rng(1)
    current = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    current[16:24, :] = 255  # an edge for the warp to carry
    # Photo (140, 120) is model (8, 16); 120 photo px is 16 model px; the destination is
    # model (40, 32): an exact shift of 32 by 16 pixels.
    warp = Warp((140, 120), 120, (380, 240))
    targets = _one(warp, current=current)
    patch = current[8:24, 0:16].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(targets.color[:, 24:40, 32:48], patch.transpose(2, 0, 1),
                               atol=1e-5)
    np.testing.assert_allclose(targets.color_mask[0, 24:40, 32:48], 1.0)
    assert targets.color_mask[0].sum() == pytest.approx(16 * 16)
    # Its edges come along: Canny lines of the source patch, compared over the whole patch.
    np.testing.assert_allclose(targets.sketch_mask[0, 24:40, 32:48], 1.0)
    edges = cv2.Canny(cv2.cvtColor(current, cv2.COLOR_RGB2GRAY), 40, 100) > 0
    np.testing.assert_allclose(targets.sketch[0, 24:40, 32:48], edges[8:24, 0:16], atol=1e-5)
    assert targets.sketch[0, 24:40, 32:48].any()

    with pytest.raises(ValueError, match="current"):
        _one(warp)


def test_rasterize_refuses_strokes_of_another_photo():
    strokes = StrokeSet((100, 100), (Stroke("sketch", ((1, 1),), 2),))
    with pytest.raises(ValueError, match="100×100 photo"):
        rasterize(strokes, _centre())
    with pytest.raises(ValueError, match="uint8"):
        _one(Warp((140, 120), 120, (380, 240)), current=np.zeros((32, 32, 3), np.uint8))
