"""PNG layers: the layer rules, files of the wrong kind, and layers through rasterization."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from igan_app.engine.frame import Frame
from igan_app.engine.layers import from_layers, read_layer
from igan_app.engine.rasterize import rasterize, sketch_margin
from igan_app.engine.strokes import Layer, Stroke, StrokesError, StrokeSet

PHOTO = (480, 640)  # (height, width)
RED = (255, 0, 0)
# 640×480 → the 480×480 square from x = 80, so 64 px gives 2/15 model px per photo px.
FRAME = Frame.centre(PHOTO, 64)


def _draw_layer(path, *, mode="RGBA", background=(0, 0, 0, 0), fill=(*RED, 255), width=30,
                size=(640, 480)):
    image = Image.new(mode, size, background)
    ImageDraw.Draw(image).line([(100, 240), (540, 240)], fill=fill, width=width)
    image.save(path)
    return path


def test_color_layer_gives_the_mask_of_the_equivalent_stroke(tmp_path):
    layered = rasterize(from_layers(_draw_layer(tmp_path / "color.png"), None, PHOTO), FRAME)
    stroked = rasterize(StrokeSet(PHOTO, (Stroke("color", ((100, 240), (540, 240)), 30, RED),)),
                        FRAME)
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

    targets = rasterize(from_layers(None, plain, PHOTO), FRAME)
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


def test_a_layer_in_a_strokes_file_must_be_a_readable_png():
    text = StrokeSet(PHOTO, (Layer("sketch", np.eye(*PHOTO, dtype=bool)),)).to_json()
    png = json.loads(text)["items"][0]["png"]
    data = base64.b64decode(png)
    for bad, problem in ((b"GIF89a" + data[6:], '"png" holds no PNG image'),
                         (data[: len(data) // 2], '"png" is not a readable PNG: truncated')):
        with pytest.raises(StrokesError, match=rf"item 0 \(sketch_layer\): {problem}"):
            StrokeSet.from_json(text.replace(png, base64.b64encode(bad).decode("ascii")))
