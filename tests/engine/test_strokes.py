"""Strokes as data and their file format: validation, and JSON read back to the same strokes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from igan_app.engine.strokes import Layer, Stroke, StrokesError, StrokeSet, Warp
from igan_app.engine.strokes_file import FORMAT

PHOTO = (480, 640)  # (height, width)
RED = (255, 0, 0)


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

