"""The photo canvas, driven as a user would (mouse, wheel, keys), and its view arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from gui_input import LEFT, NO_BUTTON, drag, mouse, wheel
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtTest import QTest

from igan_app.engine.strokes import Layer, Stroke, StrokeSet, Warp
from igan_app.gui.editor.canvas import OVERLAY_SETTLE_MS, TOOLS, PhotoCanvas
from igan_app.gui.geometry import (
    arrow_head,
    fit_view,
    pixel_at,
    pyramid_level,
    to_photo,
    to_widget,
    visible_box,
    zoom_about,
)
from igan_app.gui.images import from_qimage

HEIGHT, WIDTH = 600, 800  # the test photo


def photo(height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """Pixel (i, j) is (j % 256, i % 256, 77): every pixel's color says where it is."""
    rows, columns = np.mgrid[0:height, 0:width]
    return np.stack([columns % 256, rows % 256, np.full_like(rows, 77)], -1).astype(np.uint8)


@pytest.fixture
def canvas(qtbot) -> PhotoCanvas:
    widget = PhotoCanvas()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_image(photo())
    return widget


def record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args[0] if args else None))
    return seen


def shown(widget) -> np.ndarray:
    """What the widget draws, as RGB (H, W, 3)."""
    return from_qimage(widget.grab().toImage())


def pixel(screen: np.ndarray, at) -> np.ndarray:
    return screen[int(at.y()), int(at.x())].astype(int)


def is_red(rgb: np.ndarray) -> bool:
    return rgb[0] > 200 and rgb[1] < 60 and rgb[2] < 60


# ---- view arithmetic ----------------------------------------------------------------------------


def test_fit_view_centres_the_photo_inside_the_margin():
    scale, x, y = fit_view((600, 800), (300, 400), 8)
    assert scale == pytest.approx(284 / 600)  # the height is the tighter side
    assert (x, y) == pytest.approx(((400 - 800 * scale) / 2, 8))
    assert fit_view((1, 1), (300, 400), 8)[0] == 32  # clamped to the zoom limits


def test_zoom_about_keeps_the_anchor_and_clamps():
    scale, offset = zoom_about(0.5, (10, 20), (150, 120), 3)
    assert scale == 1.5
    assert to_photo((150, 120), scale, offset) == pytest.approx(to_photo((150, 120), 0.5, (10, 20)))
    assert zoom_about(16, (0, 0), (0, 0), 10)[0] == 32
    assert zoom_about(0.02, (0, 0), (0, 0), 0.1)[0] == 0.01
    assert to_widget(to_photo((7, 9), 2.5, (3, -4)), 2.5, (3, -4)) == pytest.approx((7, 9))


def test_pixels_levels_and_visible_box():
    assert pixel_at((3.99, 0.0), (10, 5)) == (0, 3)
    assert pixel_at((5.0, 0.0), (10, 5)) is None and pixel_at((-0.01, 2), (10, 5)) is None
    assert [pyramid_level(s) for s in (4, 1, 0.99, 0.5, 0.49, 0.25, 0.1)] == [0, 0, 0, 1, 1, 2, 3]
    assert visible_box((600, 800), (300, 400), 2.0, (-100.5, 0)) == (50, 0, 251, 150)
    assert visible_box((600, 800), (300, 400), 1.0, (500, 0)) is None
    left, right = arrow_head((0, 0), (10, 0), 2)
    assert left[0] < 10 and right[0] < 10 and left[1] == pytest.approx(-right[1])


# ---- view ---------------------------------------------------------------------------------------


def test_a_new_photo_is_fitted_and_a_same_sized_one_keeps_the_view(canvas):
    scale, x, y = fit_view((HEIGHT, WIDTH), (300, 400), 8)
    assert canvas.image_size() == (HEIGHT, WIDTH)
    assert canvas.zoom() == pytest.approx(scale)
    assert canvas.widget_point((0, 0)).toTuple() == pytest.approx((x, y))
    canvas.set_zoom(2.0, QPointF(100, 100))
    before = canvas.widget_point((10, 10))
    canvas.set_image(photo()[::-1].copy())
    assert canvas.zoom() == 2.0 and canvas.widget_point((10, 10)) == before
    canvas.set_image(photo(300, 200))
    assert canvas.image_size() == (300, 200)
    assert canvas.zoom() == pytest.approx(fit_view((300, 200), (300, 400), 8)[0])


def test_ctrl_wheel_zooms_about_the_cursor(canvas):
    zooms = record(canvas.zoomChanged)
    start = canvas.zoom()
    under = canvas.photo_point(QPointF(150, 120))
    wheel(canvas, (150, 120), 1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() == pytest.approx(start * 1.25)
    assert canvas.photo_point(QPointF(150, 120)) == pytest.approx(under)
    assert zooms == [pytest.approx(start * 1.25)]
    canvas.set_zoom(1000)
    assert canvas.zoom() == 32
    canvas.zoom_by(1e-9)
    assert canvas.zoom() == 0.01


def test_resizing_refits_until_the_user_zooms(canvas):
    canvas.resize(800, 600)
    assert canvas.zoom() == pytest.approx(fit_view((HEIGHT, WIDTH), (600, 800), 8)[0])
    canvas.zoom_by(1.5)
    zoom = canvas.zoom()
    canvas.resize(400, 300)
    assert canvas.zoom() == zoom
    canvas.fit()
    assert canvas.zoom() == pytest.approx(fit_view((HEIGHT, WIDTH), (300, 400), 8)[0])


@pytest.mark.parametrize("how", ["middle", "pan tool", "space"])
def test_panning_moves_the_view_and_draws_nothing(canvas, qtbot, how):
    finished = record(canvas.strokeFinished)
    before = canvas.widget_point((100, 100))
    if how == "pan tool":
        canvas.set_tool("pan")
    if how == "space":
        QTest.keyPress(canvas, Qt.Key.Key_Space)
    button = Qt.MouseButton.MiddleButton if how == "middle" else LEFT
    drag(canvas, [(200, 150), (220, 160), (230, 190)], button)
    if how == "space":
        QTest.keyRelease(canvas, Qt.Key.Key_Space)
    after = canvas.widget_point((100, 100))
    assert (after.x() - before.x(), after.y() - before.y()) == pytest.approx((30, 40))
    assert finished == []


# ---- drawing ------------------------------------------------------------------------------------


def expected_photo_point(at: tuple[float, float]) -> tuple[float, float]:
    scale, x, y = fit_view((HEIGHT, WIDTH), (300, 400), 8)
    return (at[0] - x) / scale, (at[1] - y) / scale


def test_a_color_drag_emits_the_stroke_in_photo_coordinates(canvas):
    changed, finished = record(canvas.strokeChanged), record(canvas.strokeFinished)
    canvas.set_brush(20, (255, 0, 0))
    drag(canvas, [(100, 100), (150, 120), (250, 200)])
    assert len(changed) == 2 and all(isinstance(s, Stroke) for s in changed)
    assert len(changed[-1].points) == 3
    [stroke] = finished
    assert (stroke.kind, stroke.width, stroke.color) == ("color", 20, (255, 0, 0))
    assert stroke.points[0] == pytest.approx(expected_photo_point((100, 100)), abs=1)
    assert stroke.points[-1] == pytest.approx(expected_photo_point((250, 200)), abs=1)


@pytest.mark.parametrize("tool", ["sketch", "eraser"])
def test_sketch_and_eraser_strokes_have_no_color(canvas, tool):
    finished = record(canvas.strokeFinished)
    canvas.set_tool(tool)
    drag(canvas, [(100, 100), (200, 100)])
    assert [(s.kind, s.color, len(s.points)) for s in finished] == [(tool, None, 2)]


def test_a_click_is_a_dot_and_tiny_moves_add_no_points(canvas):
    changed, finished = record(canvas.strokeChanged), record(canvas.strokeFinished)
    drag(canvas, [(100, 100), (100.2, 100), (100.3, 100.3)])
    assert changed == [] and len(finished[0].points) == 1


def test_a_press_outside_the_photo_draws_nothing(canvas):
    changed, finished = record(canvas.strokeChanged), record(canvas.strokeFinished)
    drag(canvas, [(3, 3), (100, 100), (200, 150)])  # the photo starts at x ≈ 10.7, y = 8
    assert changed == [] and finished == []


def test_a_warp_drag_emits_a_warp(canvas):
    changed, finished = record(canvas.strokeChanged), record(canvas.strokeFinished)
    canvas.set_tool("warp")
    canvas.set_brush(32, (0, 0, 0))
    drag(canvas, [(100, 100), (130, 110), (180, 150)])
    assert len(changed) == 2 and isinstance(changed[0], Warp)
    [warp] = finished
    assert isinstance(warp, Warp) and warp.size == 32
    assert warp.source == pytest.approx(expected_photo_point((100, 100)), abs=1)
    assert warp.destination == pytest.approx(expected_photo_point((180, 150)), abs=1)


def test_escape_cancels_the_drag(canvas):
    cancelled, finished = record(canvas.strokeCancelled), record(canvas.strokeFinished)
    mouse(canvas, QEvent.Type.MouseButtonPress, (100, 100))
    mouse(canvas, QEvent.Type.MouseMove, (150, 150), NO_BUTTON, LEFT)
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    mouse(canvas, QEvent.Type.MouseButtonRelease, (160, 160), LEFT, NO_BUTTON)
    assert cancelled == [None] and finished == []


def test_the_wheel_sizes_the_brush(canvas):
    widths = record(canvas.brushWidthChanged)
    canvas.set_brush(10, (1, 2, 3))
    wheel(canvas, (200, 150), 1)
    assert canvas.brush_width() == pytest.approx(11.5) and widths == [pytest.approx(11.5)]
    wheel(canvas, (200, 150), -40)
    assert canvas.brush_width() == 1 and widths[-1] == 1
    assert canvas.zoom() == pytest.approx(fit_view((HEIGHT, WIDTH), (300, 400), 8)[0])


def test_the_eyedropper_picks_the_shown_pixel(canvas):
    picked = record(canvas.colorPicked)
    canvas.set_tool("eyedropper")
    at = canvas.widget_point((100.5, 50.5))
    mouse(canvas, QEvent.Type.MouseButtonPress, at.toTuple())
    mouse(canvas, QEvent.Type.MouseButtonPress, (2, 2))  # outside: nothing
    assert picked == [(100, 50, 77)]


def test_unknown_tool_lists_the_tools(canvas):
    with pytest.raises(ValueError, match="eyedropper"):
        canvas.set_tool("lasso")
    for tool in TOOLS:
        canvas.set_tool(tool)


# ---- what is drawn ------------------------------------------------------------------------------


def test_the_overlay_draws_strokes_and_erasers_remove_them(canvas):
    red = Stroke("color", ((100, 300), (700, 300)), 40, (255, 0, 0))
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), (red,)))
    middle, side = canvas.widget_point((400, 300)), canvas.widget_point((200, 300))
    screen = shown(canvas)
    assert is_red(pixel(screen, middle)) and is_red(pixel(screen, side))
    assert not is_red(pixel(screen, canvas.widget_point((400, 360))))  # beyond the brush
    canvas.set_overlay_visible(False)
    assert not canvas.overlay_visible() and not is_red(pixel(shown(canvas), middle))
    canvas.set_overlay_visible(True)
    eraser = Stroke("eraser", ((400, 250), (400, 350)), 60)
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), (red, eraser)))
    screen = shown(canvas)
    assert not is_red(pixel(screen, middle)) and is_red(pixel(screen, side))
    assert pixel(screen, middle) == pytest.approx([144, 44, 77], abs=3)  # the photo shows


def test_sketches_warps_and_layers_are_drawn(canvas):
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[100:200, 600:700] = True
    colors = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    colors[mask] = (0, 255, 0)
    items = (Stroke("sketch", ((100, 100), (500, 100)), 12), Layer("color", mask, colors),
             Warp((300, 450), 60, (500, 450)))
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), items))
    screen = shown(canvas)
    assert pixel(screen, canvas.widget_point((300, 100))).max() < 40
    green = pixel(screen, canvas.widget_point((650, 150)))
    assert green[1] > 180 and green[0] < 120
    top = canvas.widget_point((500, 420))  # the warp destination's top edge
    column = screen[int(top.y()) - 2:int(top.y()) + 3, int(top.x())].astype(int)
    assert any(r > 220 and g > 170 and b < 40 for r, g, b in column)


def test_the_overlay_follows_the_view_at_once_and_is_redrawn_when_it_settles(canvas, qtbot):
    red = Stroke("color", ((100, 300), (780, 300)), 40, (255, 0, 0))
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), (red,)))
    shown(canvas)
    canvas.set_zoom(1.0, canvas.widget_point((0, 300)))
    assert is_red(pixel(shown(canvas), canvas.widget_point((200, 300))))  # the old one, scaled
    qtbot.wait(3 * OVERLAY_SETTLE_MS)
    shown(canvas)  # drawn for this view, where the stroke's end is off screen
    drag(canvas, [(390, 150), (5, 150)], Qt.MouseButton.MiddleButton)
    screen, end = shown(canvas), canvas.widget_point((700, 300))
    assert is_red(pixel(screen, canvas.widget_point((380, 300))))  # on screen before and after
    assert 300 < end.x() < 400 and not is_red(pixel(screen, end))  # not drawn again yet
    qtbot.waitUntil(lambda: is_red(pixel(shown(canvas), end)), timeout=1000)


def test_the_stroke_being_drawn_shows_even_with_the_overlay_off(canvas):
    canvas.set_overlay_visible(False)
    canvas.set_brush(40, (255, 0, 0))
    mouse(canvas, QEvent.Type.MouseButtonPress, (100, 150))
    mouse(canvas, QEvent.Type.MouseMove, (300, 150), NO_BUTTON, LEFT)
    assert is_red(shown(canvas)[150, 200])
    mouse(canvas, QEvent.Type.MouseButtonRelease, (300, 150), LEFT, NO_BUTTON)
    assert not is_red(shown(canvas)[150, 200])  # committed strokes come back through set_strokes


def test_an_eraser_being_drawn_shows_its_effect(canvas):
    red = Stroke("color", ((100, 300), (700, 300)), 40, (255, 0, 0))
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), (red,)))
    canvas.set_tool("eraser")
    canvas.set_brush(60, (0, 0, 0))
    middle = canvas.widget_point((400, 300))
    mouse(canvas, QEvent.Type.MouseButtonPress, canvas.widget_point((400, 250)).toTuple())
    mouse(canvas, QEvent.Type.MouseMove, canvas.widget_point((400, 350)).toTuple(), NO_BUTTON,
          LEFT)
    screen = shown(canvas)
    assert not is_red(pixel(screen, middle))
    assert is_red(pixel(screen, canvas.widget_point((200, 300))))


def test_a_sketch_has_a_light_halo_on_a_dark_photo(canvas):
    canvas.set_image(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    sketch = Stroke("sketch", ((100, 100), (500, 100)), 12)
    canvas.set_strokes(StrokeSet((HEIGHT, WIDTH), (sketch,)))
    at = canvas.widget_point((300, 100))
    column = shown(canvas)[int(at.y()) - 8:int(at.y()) + 9, int(at.x())]
    assert column[8].max() < 40 and (column.min(-1) > 150).sum() >= 2  # ink, halo on both sides


def test_the_region_outline_shows_on_a_gray_photo(canvas):
    canvas.set_image(np.full((HEIGHT, WIDTH, 3), 128, np.uint8))
    canvas.set_region((100, 100, 500, 400))
    top = canvas.widget_point((300, 100))
    edge = shown(canvas)[int(top.y()) - 2:int(top.y()) + 3, int(top.x()) - 20:int(top.x()) + 20]
    assert (edge.min(-1) > 240).any() and (edge.max(-1) < 15).any()  # white and black dashes


def test_zoomed_in_pixels_are_squares_and_zoomed_out_photos_do_not_alias(canvas):
    checker = (np.indices((HEIGHT, WIDTH)).sum(0) % 2 * 255).astype(np.uint8)
    canvas.set_image(np.repeat(checker[..., None], 3, -1))
    screen = shown(canvas)[40:260, 40:360]  # fitted at ≈ 0.47: averaged, a flat gray
    assert abs(screen.mean() - 127.5) < 3 and screen.std() < 6
    canvas.set_zoom(8, canvas.widget_point((100, 100)))
    corner = canvas.widget_point((100, 100))
    block = shown(canvas)[int(corner.y()) + 1:int(corner.y()) + 7,
                          int(corner.x()) + 1:int(corner.x()) + 7]
    assert block.min() == block.max()  # nearest neighbour, one flat photo pixel
