"""The label palette: ids, names, display colors, and label maps on disk."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from PIL import Image

from igan_app import imaging
from igan_app.world import palette
from igan_app.world.palette import (
    COLORS,
    LABELS,
    MAX_COLOR_DISTANCE,
    NUM_LABELS,
    LabelMapError,
    colorize,
    colors_to_labels,
    label_id,
    load_labels,
    save_labels,
)

REQUIRED = ("sky", "cloud", "mountain", "snow", "rock", "water", "sand", "grass", "tree")


def _every_label_map(height: int = 24, width: int = 30, seed: int = 0) -> np.ndarray:
    """A random map that holds every label, in blocks so that it looks like a painting."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, NUM_LABELS, (height // 3, width // 3), dtype=np.uint8)
    blocks.flat[:NUM_LABELS] = np.arange(NUM_LABELS)
    return np.kron(blocks, np.ones((3, 3), np.uint8))


def _save_gray(path, ids: np.ndarray) -> None:
    im = Image.fromarray(ids)
    assert im.mode == "L"
    im.save(path)


def test_the_landscape_labels_exist_with_ids_zero_to_n_minus_one():
    names = [lab.name for lab in LABELS]
    assert set(REQUIRED) <= set(names)
    assert len(set(names)) == len(names) == NUM_LABELS
    assert [lab.id for lab in LABELS] == list(range(NUM_LABELS))
    for lab in LABELS:
        assert label_id(lab.name) == lab.id
        assert palette.BY_NAME[lab.name] is lab


def test_display_colors_are_far_apart():
    assert COLORS.shape == (NUM_LABELS, 3) and COLORS.dtype == np.uint8
    for a, b in itertools.combinations(LABELS, 2):
        assert a.color == tuple(int(c) for c in COLORS[a.id])
        distance = float(np.linalg.norm(np.subtract(a.color, b.color, dtype=np.float64)))
        # Nearest-color snapping is unambiguous only if the snap radii do not overlap.
        assert distance > 2 * MAX_COLOR_DISTANCE, (a.name, b.name, distance)


def test_unknown_label_name_lists_the_known_ones():
    with pytest.raises(KeyError) as info:
        label_id("lava")
    message = str(info.value)
    assert "lava" in message
    for name in REQUIRED:
        assert name in message


def test_colorize_and_colors_to_labels_are_inverse():
    labels = _every_label_map()
    rgb = colorize(labels)
    assert rgb.shape == (*labels.shape, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(colors_to_labels(rgb), labels)


def test_save_and_load_round_trip_exactly(tmp_path):
    labels = _every_label_map(37, 53)
    path = tmp_path / "labels.png"
    save_labels(path, labels)
    loaded = load_labels(path)
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, labels)
    # It is a palette image in the display colors, so any viewer shows the labels' colors.
    with Image.open(path) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), colorize(labels))
    assert [p.name for p in tmp_path.iterdir()] == ["labels.png"]  # written atomically


def test_noisy_colors_still_snap_to_the_right_labels(tmp_path):
    labels = _every_label_map(40, 40, seed=1)
    rng = np.random.default_rng(2)
    noise = rng.integers(-10, 11, (*labels.shape, 3))
    noisy = np.clip(colorize(labels).astype(np.int32) + noise, 0, 255).astype(np.uint8)
    assert (noisy != colorize(labels)).any()
    path = tmp_path / "repainted.png"
    imaging.write_image(path, noisy)  # an RGB file, as an image editor would save it
    np.testing.assert_array_equal(load_labels(path), labels)


def test_color_far_from_every_label_names_file_color_and_position(tmp_path):
    labels = _every_label_map()
    rgb = colorize(labels)
    rgb[5, 7] = (255, 0, 255)  # magenta is no label color
    path = tmp_path / "painted.png"
    imaging.write_image(path, rgb)
    with pytest.raises(LabelMapError) as info:
        load_labels(path)
    message = str(info.value)
    assert str(path) in message
    assert "(255, 0, 255)" in message
    assert re.search(r"x\s*=\s*7\b", message) and re.search(r"y\s*=\s*5\b", message), message


def test_gray_png_of_ids_is_accepted(tmp_path):
    labels = _every_label_map()
    path = tmp_path / "ids.png"
    _save_gray(path, labels)
    loaded = load_labels(path)
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, labels)


def test_gray_png_with_an_unknown_id_names_the_file(tmp_path):
    labels = _every_label_map()
    labels[3, 4] = NUM_LABELS
    path = tmp_path / "ids.png"
    _save_gray(path, labels)
    with pytest.raises(LabelMapError) as info:
        load_labels(path)
    assert str(path) in str(info.value)
    assert str(NUM_LABELS) in str(info.value)


def test_save_refuses_ids_that_are_no_label(tmp_path):
    labels = _every_label_map()
    labels[0, 0] = 200
    path = tmp_path / "bad.png"
    with pytest.raises(LabelMapError, match="200"):
        save_labels(path, labels)
    assert list(tmp_path.iterdir()) == []


def test_colors_far_from_every_label_are_one_line_with_the_first_the_count_and_what_to_do(tmp_path):
    labels = _every_label_map()
    rgb = colorize(labels)
    rgb[2, 9] = (255, 0, 255)  # the first in reading order
    rgb[5, 7] = (0, 0, 0)
    rgb[6, 1] = (255, 0, 255)
    path = tmp_path / "painted.png"
    imaging.write_image(path, rgb)
    with pytest.raises(LabelMapError) as info:
        load_labels(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 200 + len(str(path)), message
    assert message.startswith(f"{path}: ")
    assert "(255, 0, 255)" in message and "x=9, y=2" in message, message
    assert re.search(r"\b3 pixels\b", message), message
    # no list of every label's color: the first bad color is the only triple in the line
    assert re.findall(r"\(\d+, \d+, \d+\)", message) == ["(255, 0, 255)"], message
    assert "not a label color" in message and "PNG" in message  # and what to do about it
