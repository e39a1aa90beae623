"""photo_crops on small synthetic photos: each crop is the named square of its photo, resized;
crops are deterministic by seed, spread over the scale range and shared out between photos."""

import re

import cv2
import numpy as np
import pytest
from PIL import Image

from igan_app.training.photo_crops import photo_crops

NAME = re.compile(r"^(?P<file>[^@]+)@(?P<x>\d+),(?P<y>\d+),(?P<side>\d+)$")


def _photo(width: int, height: int, seed: int) -> np.ndarray:
    # Smooth gradients plus a little texture: every square has its own content, so a crop taken
    # from the wrong place does not match the one its name gives.
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 255 / width, yy * 255 / height, (xx + yy) * 127 / (width + height)], -1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


@pytest.fixture
def folder(tmp_path):
    photos = {"a.png": _photo(240, 160, 1), "b.png": _photo(150, 210, 2)}
    for name, pixels in photos.items():
        Image.fromarray(pixels).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path, photos


def test_each_crop_is_its_named_square_resized(folder):
    root, photos = folder
    data = photo_crops(root, 24, 32, seed=5)
    assert data.images.shape == (24, 32, 32, 3) and data.images.dtype == np.uint8
    assert data.labels is None and len(data.names) == 24
    for image, name in zip(data.images, data.names):
        m = NAME.match(name)
        assert m, name
        photo = photos[m["file"]]
        x, y, side = int(m["x"]), int(m["y"]), int(m["side"])
        assert 0 <= x and x + side <= photo.shape[1] and 0 <= y and y + side <= photo.shape[0]
        filter_ = cv2.INTER_AREA if side >= 32 else cv2.INTER_CUBIC
        expected = cv2.resize(photo[y:y + side, x:x + side], (32, 32), interpolation=filter_)
        np.testing.assert_array_equal(image, expected)


def test_same_seed_same_crops_other_seed_other_crops(folder):
    root, _ = folder
    first, again = photo_crops(root, 12, 16, seed=3), photo_crops(root, 12, 16, seed=3)
    other = photo_crops(root, 12, 16, seed=4)
    np.testing.assert_array_equal(first.images, again.images)
    assert first.names == again.names
    assert first.names != other.names


def test_scales_span_the_range_and_photos_share_the_crops(folder):
    root, photos = folder
    data = photo_crops(root, 400, 8, seed=0, scales=(0.25, 1.0))
    fractions, owners = [], []
    for name in data.names:
        m = NAME.match(name)
        owners.append(m["file"])
        fractions.append(int(m["side"]) / min(photos[m["file"]].shape[:2]))
    fractions = np.array(fractions)
    assert fractions.min() >= 0.25 - 0.01 and fractions.max() <= 1.0
    assert fractions.min() < 0.3 and fractions.max() > 0.9  # both ends are reached
    # log-uniform: as many crops zoomed in past the geometric middle (0.5) as not
    assert 0.4 < np.mean(fractions < 0.5) < 0.6
    assert owners.count("a.png") == owners.count("b.png") == 200


def test_fixed_scale_gives_one_side(folder):
    root, _ = folder
    data = photo_crops(root, 10, 8, seed=1, scales=(1.0, 1.0))
    sides = {n.split("@")[0]: int(NAME.match(n)["side"]) for n in data.names}
    assert sides == {"a.png": 160, "b.png": 150}


def test_description_says_what_it_is(folder):
    root, _ = folder
    data = photo_crops(root, 6, 64, seed=0)
    assert data.description == f"photos: 6 crops of 2 photos in {root} at 64px"


def test_a_folder_without_images_is_a_clear_error(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(ValueError, match="no images"):
        photo_crops(tmp_path, 4, 16, seed=0)
    with pytest.raises(FileNotFoundError):
        photo_crops(tmp_path / "missing", 4, 16, seed=0)


@pytest.mark.parametrize("scales", [(0.0, 1.0), (0.5, 0.25), (0.5, 1.5)])
def test_bad_scales_are_refused(folder, scales):
    with pytest.raises(ValueError, match="scales"):
        photo_crops(folder[0], 4, 16, seed=0, scales=scales)
