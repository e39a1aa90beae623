"""The broad world's camera (world/camera.py): labels stay aligned with the image through roll
and crop, sky-dominated framings show mostly sky, depth of field blurs by distance."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from igan_app.world import camera
from igan_app.world.broad import paint_broad, sample_broad
from igan_app.world.palette import BY_NAME, NUM_LABELS

SKY, CLOUD = BY_NAME["sky"].id, BY_NAME["cloud"].id


def _coded_canvas(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A canvas of label blobs whose colour encodes the label (id / 10 in every channel)."""
    rng = np.random.default_rng(0)
    small = rng.integers(0, NUM_LABELS, (h // 6 + 1, w // 6 + 1))
    labels = np.repeat(np.repeat(small, 6, axis=0), 6, axis=1)[:h, :w].astype(np.uint8)
    rgb = np.broadcast_to(labels.astype(np.float32) / 10.0, (3, h, w)).copy()
    depth = labels.astype(np.float32) + 1.0
    return rgb, labels, depth


@pytest.mark.parametrize("roll", [0.0, 3.5, -6.0])
def test_the_frame_takes_labels_and_colours_through_the_same_geometry(roll):
    frame = camera.Frame(canvas=(90, 80), center=(40.3, 47.0), roll=roll)
    rgb, labels, depth = _coded_canvas(90, 80)
    out_rgb, out_labels, out_depth = camera.take_frame(frame, rgb, labels, depth, 48, 56)
    assert out_rgb.shape == (3, 48, 56) and out_labels.shape == out_depth.shape == (48, 56)
    # Inside each blob (away from its edges, where colours blend) the colour names the label.
    code = np.rint(out_rgb[0] * 10.0).astype(int)
    inside = (cv2.erode(out_labels, np.ones((3, 3), np.uint8)) == cv2.dilate(out_labels, np.ones((3, 3), np.uint8)))
    inside[[0, -1]] = inside[:, [0, -1]] = False  # the filters see past the edge
    assert inside.mean() > 0.4
    assert np.array_equal(code[inside], out_labels[inside])
    assert np.array_equal(out_depth, out_labels.astype(np.float32) + 1.0)


def test_a_rolled_frame_is_the_nearest_sampled_transform_of_the_canvas():
    frame = camera.Frame(canvas=(90, 80), center=(39.5, 44.5), roll=4.0)
    rgb, labels, depth = _coded_canvas(90, 80)
    out_labels = camera.take_frame(frame, rgb, labels, depth, 40, 50)[1]
    m = camera.frame_matrix(frame, 40, 50)
    ys, xs = np.mgrid[0:40, 0:50]
    sx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    sy = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    expected = labels[np.rint(sy).astype(int), np.rint(sx).astype(int)]
    assert (out_labels == expected).mean() > 0.99  # ties at exactly half a pixel may round apart
    # And it really is turned: the top rows do not hold the untilted frame's top rows.
    untilted = camera.take_frame(replace(frame, roll=0.0), rgb, labels, depth, 40, 50)[1]
    assert (out_labels != untilted).mean() > 0.05


def test_without_roll_the_frame_is_a_plain_slice_of_the_canvas():
    scene = replace(sample_broad(np.random.default_rng(4)), camera=camera.Camera(0.9, 1.6, 0.0, 0.0, 0.0))
    frame = camera.frame_for(scene, 40, 60)
    assert frame.canvas == (64, 60)
    rgb, labels, depth = _coded_canvas(64, 60)
    out_rgb, out_labels, _ = camera.take_frame(frame, rgb, labels, depth, 40, 60)
    top = round(frame.center[1] - 19.5)
    assert np.array_equal(out_labels, labels[top:top + 40])
    assert np.array_equal(out_rgb, rgb[:, top:top + 40])


def _scenes_where(condition, count: int, limit: int = 400):
    found = []
    for seed in range(limit):
        rng = np.random.default_rng(seed)
        scene = sample_broad(rng)
        if condition(scene):
            found.append((scene, rng))
            if len(found) == count:
                break
    assert len(found) == count
    return found


def test_sky_dominated_framings_show_mostly_sky():
    shares = []
    for scene, rng in _scenes_where(lambda s: s.camera.horizon >= 1.0 and s.kind != "forest_interior", 5):
        labels = paint_broad(scene, rng, 48, 48)[1]
        shares.append(np.isin(labels, (SKY, CLOUD)).mean())
    assert min(shares) > 0.5 and np.mean(shares) > 0.7


def test_the_horizon_lands_where_the_camera_puts_it():
    for scene, rng in _scenes_where(lambda s: s.kind == "valley" and not s.camera.roll
                                    and 0.3 < s.camera.horizon < 0.8 and not s.ranges
                                    and not s.hills and not s.side_forest, 3, limit=2000):
        labels = paint_broad(scene, rng, 64, 64)[1]
        sky_rows = np.isin(labels, (SKY, CLOUD)).mean(axis=1) > 0.5
        # The last mostly-sky row, give or take the trees on the horizon.
        assert abs((np.flatnonzero(sky_rows).max() + 1) / 64 - scene.camera.horizon) < 0.1


def test_depth_of_field_blurs_what_is_far_from_the_focus_and_keeps_the_focus_sharp():
    rng = np.random.default_rng(0)
    rgb = rng.random((3, 64, 64), dtype=np.float32)
    depth = np.where(np.arange(64)[:, None] < 32, 50.0, 2.0).astype(np.float32) * np.ones((1, 64), np.float32)
    out = camera.depth_of_field(rgb, depth, camera.Camera(0.5, 1.0, 0.0, focus=2.0, blur=0.03))
    near, far = slice(44, 64), slice(0, 20)
    assert np.abs(out[:, near] - rgb[:, near]).max() < 0.02
    assert out[:, far].std() < 0.5 * rgb[:, far].std()
    unchanged = camera.depth_of_field(rgb, depth, camera.Camera(0.5, 1.0, 0.0, focus=0.0, blur=0.0))
    assert unchanged is rgb


def test_the_same_broad_scene_at_two_sizes_is_the_same_picture():
    small = paint_broad(*_scenes_where(lambda s: True, 1)[0], 48, 48)[1]
    scene, rng = _scenes_where(lambda s: True, 1)[0]
    large = paint_broad(scene, rng, 96, 96)[1][::2, ::2]
    assert (small == large).mean() > 0.8
