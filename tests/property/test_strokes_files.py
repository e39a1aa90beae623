"""Strokes files, random and damaged: each one loads (and then saves and reads back the same) or
fails with one StrokesError line naming the file."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from property.fuzzing import fuzz, loads_or_one_line, mutated, wrong_values

from igan_app.engine.strokes import Layer, Stroke, StrokesError, StrokeSet, Warp
from igan_app.imaging import encode_png

H, W = 24, 32


def valid_set() -> StrokeSet:
    mask = np.zeros((H, W), bool)
    mask[3:9, 4:12] = True
    colors = np.zeros((H, W, 3), np.uint8)
    colors[mask] = (200, 40, 10)
    return StrokeSet((H, W), (
        Stroke("color", ((1.5, 2.25), (20.0, 11.0)), 4.0, (255, 140, 40)),
        Stroke("sketch", ((3.0, 3.0), (9.0, 4.5)), 2.0),
        Stroke("eraser", ((5.0, 5.0),), 3.0),
        Warp((10.0, 10.0), 8.0, (14.5, 12.0)),
        Layer("sketch", mask),
        Layer("color", mask, colors),
    ))


VALID_TEXT = valid_set().to_json()


def read(path: str) -> StrokeSet | None:
    return loads_or_one_line(StrokeSet.from_json, path, StrokesError)


def check(tmp_path, data: bytes) -> StrokeSet | None:
    path = tmp_path / "edit.strokes.json"
    path.write_bytes(data)
    strokes = read(path)
    if strokes is not None:  # what loads, saves and reads back the same
        path.write_text(strokes.to_json(), encoding="utf-8")
        assert StrokeSet.from_json(path) == strokes
    return strokes


@fuzz(60)
@given(data=mutated(VALID_TEXT.encode("utf-8")))
def test_damaged_strokes_files(tmp_path, data):
    check(tmp_path, data)


@fuzz(40)
@given(text=st.text(max_size=200))
def test_random_text(tmp_path, text):
    check(tmp_path, text.encode("utf-8"))


@fuzz(120)
@given(changed=wrong_values(json.loads(VALID_TEXT)))
def test_valid_json_with_wrong_values(tmp_path, changed):
    check(tmp_path, json.dumps(changed).encode("utf-8"))


def png_of(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def huge_png_header() -> str:
    """A valid PNG's signature and IHDR claiming 30000×30000 pixels, and no pixel data."""
    data = bytearray(encode_png(np.zeros((1, 1), np.uint8)))
    data[16:24] = (30000).to_bytes(4, "big") * 2  # IHDR width, height (the CRC is now wrong)
    return base64.b64encode(bytes(data)).decode("ascii")


LAYER_PNGS = [
    png_of(np.zeros((H + 1, W, 4), np.uint8)),  # one row too many
    png_of(np.zeros((H, W, 3), np.uint8)),  # a color layer without transparency
    png_of(np.zeros((H, W), np.uint16) + 300),  # 16-bit grey
    png_of(np.zeros((1, 1, 4), np.uint8)),
    huge_png_header(),
    base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode("ascii"),
    "not base64!", "", "AAAA",
]


@pytest.mark.parametrize("kind", ["color_layer", "sketch_layer"])
@pytest.mark.parametrize("index", range(len(LAYER_PNGS)))
def test_bad_layer_pngs(tmp_path, kind, index):
    text = json.dumps({"format": "igan-strokes/1", "photo_size": {"width": W, "height": H},
                       "items": [{"kind": kind, "png": LAYER_PNGS[index]}]})
    strokes = check(tmp_path, text.encode("utf-8"))
    # Only the opaque pictures of the photo's size are layers, and only sketch layers (a
    # color layer needs transparency); the rest fail.
    assert (strokes is not None) == (kind == "sketch_layer" and index in (1, 2))


def test_a_huge_layer_is_refused_from_its_header(tmp_path):
    # 900 megapixels in a few bytes: refused by its size before anything is decoded.
    text = json.dumps({"format": "igan-strokes/1", "photo_size": {"width": W, "height": H},
                       "items": [{"kind": "sketch_layer", "png": LAYER_PNGS[4]}]})
    path = tmp_path / "huge.strokes.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StrokesError, match="the layer is 30000×30000 pixels, the photo is 32×24"):
        StrokeSet.from_json(path)


@fuzz(40)
@given(st.data())
def test_damaged_layer_pngs(tmp_path, data):
    parsed = json.loads(VALID_TEXT)
    index = data.draw(st.sampled_from((4, 5)), label="layer")
    png = base64.b64decode(parsed["items"][index]["png"])
    parsed["items"][index]["png"] = base64.b64encode(data.draw(mutated(png))).decode("ascii")
    check(tmp_path, json.dumps(parsed).encode("utf-8"))


EXTREME_JSON = [
    "[" * 100_000 + "]" * 100_000,  # deeper than Python's recursion limit
    '{"format": "igan-strokes/1", "items": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"format": "igan-strokes/1", "photo_size": {"width": ' + "9" * 5000 + ', "height": 2}, '
    '"items": []}',  # more digits than Python converts to an int
    '{"format": "igan-strokes/1", "photo_size": {"width": 1e999, "height": 2}, "items": []}',
    '{"format": "igan-strokes/1", "photo_size": {"width": 99999999999, "height": 99999999999},'
    ' "items": [{"kind": "sketch_layer", "png": "' + png_of(np.zeros((2, 2), np.uint8)) + '"}]}',
    ('{"format": "igan-strokes/1", "photo_size": {"width": 4, "height": 4}, "items": '
     '[{"kind": "color", "points": [[1e308, 1e308], [-1e308, -1e308]], "width": 1e308, '
     '"color": [1, 2, 3]}]}'),
    ('{"format": "igan-strokes/1", "photo_size": {"width": 4, "height": 4}, "items": '
     '[{"kind": [], "points": [[1, 1]], "width": 1}]}'),  # an unhashable kind
    '{"format": ["igan-strokes/1"], "photo_size": {"width": 4, "height": 4}, "items": []}',
]


@pytest.mark.parametrize("index", range(len(EXTREME_JSON)))
def test_extreme_json(tmp_path, index):
    strokes = check(tmp_path, EXTREME_JSON[index].encode("utf-8"))
    assert strokes is None or strokes.photo_size == (4, 4)


def test_a_valid_file_loads(tmp_path):
    assert check(tmp_path, VALID_TEXT.encode("utf-8")) == valid_set()
