"""Label maps (and the same pictures read as photos), random and damaged: each one loads as
(H, W) label ids or fails with one line (ImageError or LabelMapError) naming the file."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from property.fuzzing import fuzz, loads_or_one_line, mutated

from igan_app.imaging import ImageError, read_image, read_rgba
from igan_app.world.palette import COLORS, NUM_LABELS, LabelMapError, load_labels, save_labels

ERRORS = (ImageError, LabelMapError)


def valid_labels() -> np.ndarray:
    return np.random.default_rng(3).integers(0, NUM_LABELS, (10, 14)).astype(np.uint8)


def read(path) -> np.ndarray | None:
    labels = loads_or_one_line(load_labels, path, ERRORS)
    if labels is not None:
        assert labels.ndim == 2 and labels.dtype == np.uint8
        assert int(labels.max(initial=0)) < NUM_LABELS
    return labels


@pytest.fixture(scope="module")
def valid_png(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("maps") / "map.png"
    save_labels(path, valid_labels())
    return path.read_bytes()


def test_the_valid_map_loads(tmp_path, valid_png):
    path = tmp_path / "map.png"
    path.write_bytes(valid_png)
    assert np.array_equal(read(path), valid_labels())


@fuzz(80)
@given(data=st.data())
def test_damaged_label_maps(tmp_path, valid_png, data):
    path = tmp_path / "map.png"
    path.write_bytes(data.draw(mutated(valid_png)))
    read(path)


MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK", "YCbCr", "LAB", "HSV")
FORMATS = {"PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I"),
           "TIFF": MODES, "BMP": ("1", "L", "P", "RGB"), "JPEG": ("L", "RGB", "CMYK"),
           "WEBP": ("RGB", "RGBA")}


@st.composite
def pictures(draw) -> tuple[bytes, str]:
    """Any small picture in any mode a format can store; its pixels often label colours."""
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    mode = draw(st.sampled_from(FORMATS[fmt]))
    width, height = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    if draw(st.booleans()):
        ids = draw(st.lists(st.integers(0, NUM_LABELS - 1), min_size=width * height,
                            max_size=width * height))
        image = Image.fromarray(COLORS[np.array(ids).reshape(height, width)]).convert(mode)
    else:
        values = draw(st.lists(st.integers(-70000, 70000), min_size=width * height,
                               max_size=width * height))
        array = np.array(values).reshape(height, width)
        if mode in ("I", "F"):
            image = Image.fromarray(array.astype(np.int32 if mode == "I" else np.float32))
        elif mode == "I;16":
            image = Image.fromarray(np.clip(array, 0, 65535).astype(np.uint16))
        else:
            image = Image.fromarray((array % 256).astype(np.uint8)).convert(mode)
    buffer = io.BytesIO()
    try:
        image.save(buffer, fmt)
    except (OSError, ValueError, KeyError):  # Pillow cannot write that mode in that format
        image.convert("RGB").save(buffer, fmt)
    return buffer.getvalue(), fmt.lower()


@fuzz(80)
@given(picture=pictures())
def test_pictures_of_every_mode(tmp_path, picture):
    data, suffix = picture
    path = tmp_path / f"map.{suffix}"
    path.write_bytes(data)
    labels = read(path)
    # The same files as photos and layers: the readers under the label maps.
    rgb = loads_or_one_line(read_image, path, ImageError)
    assert rgb is None or (rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3)
    rgba = loads_or_one_line(read_rgba, path, ImageError)
    assert rgba is None or rgba[0].shape == (*rgba[0].shape[:2], 4)
    if labels is not None:
        assert rgb is not None and labels.shape == rgb.shape[:2]


@fuzz(30)
@given(data=st.binary(max_size=2048))
def test_random_bytes(tmp_path, data):
    path = tmp_path / "map.png"
    path.write_bytes(data)
    read(path)
