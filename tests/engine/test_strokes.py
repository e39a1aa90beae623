"""Strokes as data: the JSON file format, PNG layers, and rasterization into the model's frame."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from igan_app.engine.frame import Frame
from igan_app.engine.strokes import (
    FORMAT,
    Layer,
    Stroke,
    StrokesError,
    StrokeSet,
    Warp,
    from_layers,
    rasterize,
    read_layer,
    sketch_margin,
)

PHOTO = (480, 640)  # (height, width)
RED = (255, 0, 0)


def _centre(resolution: int = 64) -> Frame:
    # 640×480 → the 480×480 square from x = 80, so 64 px gives 2/15 model px per photo px.
    return Frame.centre(PHOTO, resolution)


def _file(items: list, photo: dict | None = None, **extra) -> str:
    data = {"format": FORMAT, "photo_size": photo or {"width": 640, "height": 480},
            "items": items, **extra}
    return json.dumps(data)


def _layers() -> tuple[Layer, Layer]:
    rng = np.random.default_rng(0)
    mask = np.zeros(PHOTO, bool)
    mask[100:150, 200:400] = True
    colors = rng.integers(0, 256, (*PHOTO, 3), dtype=np.uint8)
    lines = np.zeros(PHOTO, bool)
    lines[300, 50:600] = True
    return Layer("color", mask, colors), Layer("sketch", lines)


# --- data and the file format ------------------------------------------------------------------


def test_json_round_trip_keeps_every_field(tmp_path):
    color_layer, sketch_layer = _layers()
    strokes = StrokeSet(PHOTO, (
        Stroke("color", ((0.1 + 0.2, 10.0), (600.25, 470.5)), 12.5, (255, 128, 0)),
        Stroke("sketch", ((320, 0), (320, 480), (1e-3, 7)), 3),
        Stroke("eraser", ((100, 100),), 40),
        Warp((200.5, 150.0), 64, (300.0, 250.75)),
        color_layer,
        sketch_layer,
    ))
    again = StrokeSet.from_json(strokes.to_json())
    assert again == strokes
    assert again.items[0].points[0][0] == 0.1 + 0.2  # floats survive exactly
    assert again.items[4].colors is not None and again.items[5].colors is None

    path = tmp_path / "edit" / "strokes.json"
    strokes.save(path)
    assert StrokeSet.from_json(path) == strokes
    assert StrokeSet.from_json(str(path)) == strokes
    strokes.add(Stroke("sketch", ((1, 1), (2, 2)), 1)).save(path)  # overwrites in place
    assert len(StrokeSet.from_json(path).items) == 7
    assert sorted(os.listdir(path.parent)) == ["strokes.json"]  # no temporary file left


def test_file_format_as_documented():
    data = json.loads(StrokeSet(PHOTO, (Stroke("color", ((1, 2),), 3, RED),)).to_json())
    assert data == {"format": "igan-strokes/1", "photo_size": {"width": 640, "height": 480},
                    "items": [{"kind": "color", "width": 3.0, "points": [[1.0, 2.0]],
                               "color": [255, 0, 0]}]}


def test_empty_set_is_valid_and_reports_empty():
    empty = StrokeSet.from_json(_file([]))
    assert empty.is_empty and empty.photo_size == PHOTO
    assert not empty.add(Stroke("eraser", ((5, 5),), 3)).is_empty


STROKE = {"kind": "color", "points": [[10, 10], [50, 60]], "width": 8, "color": [1, 2, 3]}


@pytest.mark.parametrize("text, expected", [
    ('{"format": "igan-strokes/1", "items": [', ["not valid JSON", "line 1, column"]),
    ('{\n "format": "igan-strokes/1",\n "items": [}', ["not valid JSON", "line 3, column 12"]),
    ("[1, 2]", ["expected a JSON object"]),
    (_file([], format="igan-strokes/2"), ["format 'igan-strokes/2'", "igan-strokes/1"]),
    (json.dumps({"photo_size": {"width": 2, "height": 2}, "items": []}), ['no "format"']),
    (_file([], photo={"width": 640}), ["photo_size"]),
    (_file([], photo={"width": 640, "height": -1}), ["photo_size", "positive integers"]),
    (_file([dict(STROKE, kind="spray")]), ["item 0", "unknown kind 'spray'", "sketch"]),
    (_file([{"points": [[1, 1]], "width": 2}]), ["item 0", 'no "kind"']),
    (_file([STROKE, {"kind": "sketch", "points": [[1, 1]]}]), ["item 1 (sketch)", '"width"']),
    (_file([dict(STROKE, width=-3)]), ["item 0 (color)", "width must be a positive", "-3"]),
    (_file([dict(STROKE, width=0)]), ["width must be a positive"]),
    (_file([dict(STROKE, width="8")]), ["width must be a positive"]),
    (_file([{k: v for k, v in STROKE.items() if k != "color"}]), ['no "color"']),
    (_file([dict(STROKE, color=[255, 0])]), ["color must be three integers 0-255"]),
    (_file([dict(STROKE, color=[256, 0, 0])]), ["color must be three integers 0-255"]),
    (_file([dict(STROKE, color=[1.5, 0, 0])]), ["color must be three integers 0-255"]),
    (_file([dict(STROKE, color=[True, 0, 0])]), ["color must be three integers 0-255"]),
    (_file([dict(STROKE, color="red")]), ["color must be three integers 0-255"]),
    (_file([dict(STROKE, kind="sketch")]), ["item 0 (sketch)", "has no color"]),
    (_file([dict(STROKE, points=[[1, 2, 3]])]), ["point 0", "[x, y] pair"]),
    (_file([dict(STROKE, points=[[1, 2], [3, "a"]])]), ["point 1", "[x, y] pair"]),
    (_file([dict(STROKE, points=[5, 6])]), ["point 0", "[x, y] pair"]),
    (_file([dict(STROKE, points="10,10")]), ["points must be a list"]),
    (_file([dict(STROKE, points=[])]), ["item 0 (color)", "at least one point"]),
    (_file([dict(STROKE, widht=3)]), ['unknown field "widht"']),
    (_file([STROKE, dict(STROKE, points=[[700, 10], [900, 400]])]),
     ["item 1 (color)", "entirely outside the 640×480 photo"]),
    (_file([dict(STROKE, points=[[-20, -20]])]), ["item 0", "entirely outside"]),
    (_file([dict(STROKE, kind="sketch", color=None, points=[[1, 1]])]).replace("1]]", "NaN]]"),
     ["NaN"]),
    (_file([{"kind": "warp", "source": [10, 10], "size": 20}]), ["item 0 (warp)",
                                                                  '"destination"']),
    (_file([{"kind": "warp", "source": [10, 10], "size": 20, "destination": [2000, 10]}]),
     ["destination patch", "entirely outside"]),
    (_file([{"kind": "color_layer", "png": "not base64!"}]), ["item 0 (color_layer)", "base64"]),
    (_file(["stroke"]), ["item 0 must be a JSON object"]),
])
def test_malformed_files_raise_one_clear_error(tmp_path, text, expected):
    with pytest.raises(StrokesError) as info:
        StrokeSet.from_json(text)
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message
    # The same text in a file: the message names the file first.
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StrokesError, match=rf"^{path}: "):
        StrokeSet.from_json(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(StrokesError, match="missing.json: file not found"):
        StrokeSet.from_json(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StrokesError, match="binary.json: not a UTF-8 text file"):
        StrokeSet.from_json(binary)


def test_layer_of_the_wrong_size_in_a_file_is_refused():
    small = StrokeSet((240, 320), (Layer("sketch", np.ones((240, 320), bool)),)).to_json()
    with pytest.raises(StrokesError, match=r"item 0 \(sketch_layer\).*320×240"):
        StrokeSet.from_json(small.replace('"width": 320, "height": 240',
                                          '"width": 640, "height": 480'))


def test_stroke_partly_outside_the_photo_is_accepted():
    strokes = StrokeSet.from_json(_file([dict(STROKE, points=[[-100, 240], [100, 240]])]))
    assert strokes.items[0].points == ((-100.0, 240.0), (100.0, 240.0))
    # Just outside, but the brush reaches in.
    StrokeSet(PHOTO, (Stroke("sketch", ((-3, 10),), 8),))
    with pytest.raises(StrokesError):
        StrokeSet(PHOTO, (Stroke("sketch", ((-5, 10),), 8),))


def test_objects_validate_themselves():
    with pytest.raises(StrokesError, match="unknown stroke kind"):
        Stroke("spray", ((1, 1),), 2)
    with pytest.raises(StrokesError, match="color must be"):
        Stroke("color", ((1, 1),), 2)
    with pytest.raises(StrokesError, match="size must be a positive"):
        Warp((1, 1), 0, (2, 2))
    assert Stroke("sketch", np.array([[1, 2], [3, 4]]), 2).points == ((1.0, 2.0), (3.0, 4.0))


# --- PNG layers -------------------------------------------------------------------------------


def _draw_layer(path, *, mode="RGBA", background=(0, 0, 0, 0), fill=(*RED, 255), width=30,
                size=(640, 480)):
    image = Image.new(mode, size, background)
    ImageDraw.Draw(image).line([(100, 240), (540, 240)], fill=fill, width=width)
    image.save(path)
    return path


def test_color_layer_gives_the_mask_of_the_equivalent_stroke(tmp_path):
    frame = _centre()
    layered = rasterize(from_layers(_draw_layer(tmp_path / "color.png"), None, PHOTO), frame)
    stroked = rasterize(StrokeSet(PHOTO, (Stroke("color", ((100, 240), (540, 240)), 30, RED),)),
                        frame)
    a, b = layered.color_mask[0] > 0.5, stroked.color_mask[0] > 0.5
    assert (a & b).sum() / (a | b).sum() > 0.8
    covered = layered.color_mask[0] > 0.99
    red = np.array([[1], [-1], [-1]], np.float32)
    np.testing.assert_allclose(layered.color[:, covered], np.broadcast_to(red, (3, covered.sum())),
                               atol=1e-5)


def test_sketch_layer_rules(tmp_path):
    # No alpha: every dark pixel is a line; light pixels are not.
    plain = _draw_layer(tmp_path / "plain.png", mode="RGB", background=(255, 255, 255),
                        fill=(20, 20, 20), width=3)
    layer = read_layer(plain, "sketch", PHOTO)
    assert layer.mask.sum() == 3 * 441 and layer.mask[240, 100] and not layer.mask[240, 99]
    # With alpha: dark but transparent pixels are not lines.
    faded = _draw_layer(tmp_path / "faded.png", fill=(0, 0, 0, 0), width=3)
    assert not read_layer(faded, "sketch", PHOTO).mask.any()
    # Light opaque pixels are not lines either (luma 128 is not dark).
    gray = _draw_layer(tmp_path / "gray.png", fill=(128, 128, 128, 255), width=3)
    assert not read_layer(gray, "sketch", PHOTO).mask.any()
    # An empty layer is left out of the set, so the caller can say "no strokes".
    assert from_layers(None, faded, PHOTO).is_empty

    targets = rasterize(from_layers(None, plain, PHOTO), _centre())
    line_rows = np.nonzero(targets.sketch[0, :, 32] > 0.5)[0]
    assert set(line_rows) <= {31, 32} and len(line_rows) >= 1  # photo y 240 → model y 32
    assert targets.sketch_mask[0, 32 - sketch_margin(64), 32] > 0 and not targets.has_color


def test_layer_errors_name_the_file(tmp_path):
    small = _draw_layer(tmp_path / "small.png", size=(320, 240))
    with pytest.raises(StrokesError, match=r"small\.png: color layer: .*320×240.*640×480"):
        from_layers(small, None, PHOTO)
    opaque = _draw_layer(tmp_path / "opaque.png", mode="RGB", background=(255, 255, 255),
                         fill=RED)
    with pytest.raises(StrokesError, match=r"opaque\.png: color layer: .*transparency"):
        from_layers(opaque, None, PHOTO)


# --- rasterization ----------------------------------------------------------------------------


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
