"""Canvas bookkeeping: a layer that cannot be seen gives its pixels back to what it covers."""

from __future__ import annotations

import numpy as np

from igan_app.world.canvas import VISIBLE, Canvas, settle_hidden_labels
from igan_app.world.light import scene_light
from igan_app.world.scene import sample_scene


def _canvas() -> Canvas:
    scene = sample_scene(np.random.default_rng(0))
    cv = Canvas.new(scene, scene_light(scene), 8, 8)
    band = cv.band(0.0, 1.0)
    cv.put(band, np.ones((8, 8)), np.full((3, 1, 1), 0.5, np.float32), 0, 50.0)  # a grey base
    return cv


def test_a_layer_of_the_same_color_is_hidden_and_a_contrasting_one_is_not():
    cv = _canvas()
    band = cv.band(0.0, 1.0)
    left = np.zeros((8, 8), bool)
    left[:, :4] = True
    color = np.full((3, 8, 8), 0.5, np.float32)
    color[:, :, 2:4] += VISIBLE / 2  # too faint to show
    color[:, :, :2] += 0.3  # clearly different
    cv.put(band, left, color, 3, 5.0)
    settle_hidden_labels(cv, np.zeros((8, 8), np.float32))
    assert (cv.labels[:, :2] == 3).all()
    assert (cv.labels[:, 2:4] == 0).all()  # back to the base's label
    assert (cv.labels[:, 4:] == 0).all()


def test_fog_hides_a_layer_and_another_pass_of_a_layer_keeps_what_it_covered():
    cv = _canvas()
    band = cv.band(0.0, 1.0)
    cv.put(band, np.ones((8, 8)), np.full((3, 1, 1), 0.9, np.float32), 2, 30.0)
    cv.put(band, np.ones((8, 8)), np.full((3, 1, 1), 0.95, np.float32), 2, 30.0)  # same label
    fog = np.zeros((8, 8), np.float32)
    fog[:4] = 0.95  # contrast 0.4 fades to 0.02 under this fog
    settle_hidden_labels(cv, fog)
    assert (cv.labels[:4] == 0).all()
    assert (cv.labels[4:] == 2).all()
