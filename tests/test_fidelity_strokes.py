"""bench/fidelity_strokes.py: the four edits made from a photo stay inside the model's frame, ask
for a colour far from the photo's own, rasterize to what their kind asks, and survive the
strokes file; the painted area and the drawing cover what the strokes cover."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import fidelity_strokes as fs

from igan_app.engine.frame import Frame
from igan_app.engine.rasterize import rasterize
from igan_app.engine.strokes import Stroke, StrokeSet, Warp

R = 64


def landscape(sky, ground, height: int = 300, width: int = 480) -> np.ndarray:
    """A photo with a `sky` colour above a `ground` colour, a textured stripe on the horizon."""
    photo = np.empty((height, width, 3), np.uint8)
    photo[: height // 2] = sky
    photo[height // 2:] = ground
    rng = np.random.default_rng(0)
    photo[height // 2 - 20: height // 2 + 20, width // 2 + 40:width // 2 + 100] = rng.integers(
        0, 255, (40, 60, 3))
    return photo


@pytest.fixture(scope="module")
def blue_sky():
    photo = landscape((90, 140, 220), (70, 130, 50))
    return photo, fs.photo_strokes(photo, R)


def test_every_kind_is_made_of_the_projects_own_items(blue_sky):
    photo, strokes = blue_sky
    assert tuple(strokes) == fs.KINDS
    for items in strokes.values():
        assert items.photo_size == photo.shape[:2]
        assert len(items.items) == 1
    assert isinstance(strokes["warp"].items[0], Warp)
    assert {strokes[k].items[0].kind for k in ("sky", "ground", "sketch")} == {"color", "sketch"}


def test_strokes_lie_inside_the_models_frame(blue_sky):
    photo, strokes = blue_sky
    left, top, right, bottom = Frame.centre(photo.shape[:2], R).box
    for kind, items in strokes.items():
        item = items.items[0]
        if isinstance(item, Stroke):
            points, reach = np.array(item.points), item.width / 2
        else:
            points, reach = np.array([item.source, item.destination]), item.size / 2
        assert (points[:, 0] - reach >= left - 1e-6).all(), kind
        assert (points[:, 0] + reach <= right + 1e-6).all(), kind
        assert (points[:, 1] - reach >= top - 1e-6).all(), kind
        assert (points[:, 1] + reach <= bottom + 1e-6).all(), kind


def test_the_colour_asked_for_is_far_from_the_photos_own():
    blue = landscape((90, 140, 220), (70, 130, 50))
    orange = landscape((230, 140, 60), (150, 90, 40))
    assert fs.photo_strokes(blue, R)["sky"].items[0].color == fs.SKY_COLORS[0]
    assert fs.photo_strokes(orange, R)["sky"].items[0].color == fs.SKY_COLORS[1]
    assert fs.photo_strokes(blue, R)["ground"].items[0].color == fs.GROUND_COLORS[1]
    assert fs.photo_strokes(orange, R)["ground"].items[0].color == fs.GROUND_COLORS[0]


def test_the_warp_moves_the_textured_patch(blue_sky):
    photo, strokes = blue_sky
    warp = strokes["warp"].items[0]
    # The noise stripe sits right of the middle, on the horizon: that patch is the one moved,
    # towards the middle.
    assert warp.source[0] > photo.shape[1] / 2 and warp.destination[0] < warp.source[0]
    assert warp.source[1] == pytest.approx(photo.shape[0] / 2, abs=photo.shape[0] * 0.11)


def test_each_kind_rasterizes_to_what_it_asks(blue_sky):
    photo, strokes = blue_sky
    frame = Frame.centre(photo.shape[:2], R)
    current = frame.crop(photo)
    for kind in fs.COLOR_KINDS:
        targets = rasterize(strokes[kind], frame)
        rows = targets.color_mask[0].sum(1)
        assert targets.has_color and not targets.has_sketch
        painted_rows = np.nonzero(rows)[0]
        if kind == "sky":
            assert painted_rows.max() < R * 0.3
        else:
            assert painted_rows.min() > R * 0.7
    for kind in ("sketch", "warp"):
        assert rasterize(strokes[kind], frame, current=current).has_sketch


def test_strokes_survive_the_strokes_file(blue_sky, tmp_path):
    _, strokes = blue_sky
    for kind, items in strokes.items():
        items.save(tmp_path / f"{kind}.json")
        assert StrokeSet.from_json(tmp_path / f"{kind}.json") == items


def test_painted_area_and_drawing_cover_the_colour_stroke(blue_sky):
    photo, strokes = blue_sky
    stroke = strokes["sky"].items[0]
    mask, colors = fs.painted(strokes["sky"])
    x0, y = (round(v) for v in stroke.points[0])
    x1 = round(stroke.points[-1][0])
    half = stroke.width / 2
    assert mask[y, x0:x1].all() and mask[round(y - half * 0.9), (x0 + x1) // 2]
    assert not mask[round(y + half * 1.2):].any()
    assert (colors[mask] == stroke.color).all()
    drawn = fs.draw(photo, strokes["sky"])
    changed = (drawn != photo).any(-1)
    assert changed[mask].all() and not changed[~mask].any()
    assert not fs.painted(strokes["sketch"])[0].any()


def test_the_set_is_read_in_its_tables_order_skipping_missing_files(tmp_path):
    for name in ("01-a.jpg", "02-b.jpg", "03-c.jpg"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in fs.photo_paths(tmp_path)] == ["01-a.jpg", "02-b.jpg", "03-c.jpg"]
    (tmp_path / "photos.csv").write_text("file,package\n03-c.jpg,x\n01-a.jpg,y\n09-gone.jpg,z\n")
    assert [p.name for p in fs.photo_paths(tmp_path)] == ["03-c.jpg", "01-a.jpg"]
