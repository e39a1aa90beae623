"""The broad world's skies and light (world/broad_sky.py, world/clouds.py) and its photographic
grade (world/grading.py): what a style promises, checked on rendered pictures."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from igan_app.world import broad_sky, camera, clouds, grading, kinds
from igan_app.world.broad import paint_broad, sample_broad
from igan_app.world.canvas import Canvas
from igan_app.world.palette import BY_NAME
from igan_app.world.scene import TIMES, WEATHERS, sample_scene

SKY, CLOUD = BY_NAME["sky"].id, BY_NAME["cloud"].id
LUMA = np.array([0.299, 0.587, 0.114])


def render_style(seed: int, style: str, size: int = 48, *, framed: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A broad-world scene forced to one sky style; unframed (classic horizon, no roll, zoom or
    blur) unless asked, so that the land's share of the picture does not vary."""
    rng = np.random.default_rng(seed)
    scene = broad_sky.sample_sky(rng, sample_scene(rng), style)
    scene = camera.sample_camera(rng, scene) if framed else scene
    scene = kinds.sample_kind(rng, grading.sample_grade(rng, scene))
    return paint_broad(scene, rng, size, size)


def luma(image: np.ndarray) -> float:
    return float((image.astype(np.float64) / 255.0 @ LUMA).mean())


@pytest.mark.parametrize("style", list(broad_sky.STYLES))
def test_every_style_keeps_the_classic_time_and_weather_names_the_kinds_read(style):
    rng = np.random.default_rng(3)
    scene = broad_sky.sample_sky(rng, sample_scene(rng), style)
    assert scene.sky == style
    assert scene.time in TIMES and scene.weather in WEATHERS
    assert (scene.sky_look is None) == (style == "classic")


def test_an_unknown_style_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="sunset, night"):
        broad_sky.sample_sky(np.random.default_rng(0), sample_scene(np.random.default_rng(0)), "aurora")


def test_night_is_far_darker_than_day_on_the_land_as_in_the_sky():
    night = [render_style(seed, "night") for seed in range(6)]
    day = [render_style(seed, "day") for seed in range(6)]
    assert np.mean([luma(im) for im, _ in night]) < 0.35 * np.mean([luma(im) for im, _ in day])
    # The land too, not just the sky: night light is what every kind is lit by.
    land_night = np.mean([luma(im[lab > CLOUD][None]) for im, lab in night if (lab > CLOUD).any()])
    land_day = np.mean([luma(im[lab > CLOUD][None]) for im, lab in day if (lab > CLOUD).any()])
    assert land_night < 0.4 * land_day


def test_sunset_skies_are_warmer_and_more_saturated_than_day_skies():
    def sky_pixels(style):
        pixels = [im[lab <= CLOUD] for im, lab in (render_style(s, style) for s in range(8))]
        return np.concatenate(pixels).astype(np.float64) / 255.0

    sunset, day = sky_pixels("sunset"), sky_pixels("day")
    warmth = lambda p: float((p[:, 0] - p[:, 2]).mean())
    saturation = lambda p: float(((p.max(1) - p.min(1)) / np.maximum(p.max(1), 1e-3)).mean())
    assert warmth(sunset) > warmth(day) + 0.2
    assert saturation(sunset) > saturation(day)


def test_night_skies_have_stars_brighter_than_the_sky_around_them():
    image, labels = render_style(1, "night", 96)
    sky = image.astype(np.float32).mean(axis=2)
    background = cv2.medianBlur(sky.astype(np.uint8), 5).astype(np.float32)
    points = (sky - background > 25) & (labels == SKY)
    assert points.sum() >= 5


def _sky_canvas(layer: clouds.Layer, size: int) -> Canvas:
    rng = np.random.default_rng(5)
    scene = replace(broad_sky.sample_sky(rng, sample_scene(rng), "day"), horizon=0.7)
    cv = Canvas.new(scene, broad_sky.sky_light(scene), size, size)
    cv.labels[:] = SKY
    look = scene.sky_look
    clouds.paint_layer(cv, np.random.default_rng(9), layer, lit=np.ones((3, 1, 1), np.float32),
                       shade=np.zeros((3, 1, 1), np.float32), under=look.under)
    return cv


def test_cloud_cover_decides_how_much_of_the_sky_is_labelled_cloud():
    rng = np.random.default_rng(0)
    thin = replace(clouds.sample_layer(rng, "cumulus"), cover=0.1)
    deck = replace(clouds.sample_layer(rng, "deck"), cover=1.0)
    rows = slice(0, int(0.6 * 64))  # well above the horizon, out of the haze
    share = lambda cv: float((cv.labels[rows] == CLOUD).mean())
    assert share(_sky_canvas(deck, 64)) > 0.9
    assert share(_sky_canvas(thin, 64)) < 0.3


def test_a_cloud_layer_is_the_same_clouds_at_every_size():
    layer = replace(clouds.sample_layer(np.random.default_rng(1), "cumulus"), cover=0.5)
    small = _sky_canvas(layer, 64).rgb[0]
    large = cv2.resize(_sky_canvas(layer, 128).rgb[0], (64, 64), interpolation=cv2.INTER_AREA)
    rows = slice(0, 40)
    assert np.corrcoef(small[rows].ravel(), large[rows].ravel())[0, 1] > 0.9


def test_grading_changes_colours_and_never_labels():
    changed = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        scene = sample_broad(rng)
        state = rng.bit_generator.state
        graded, labels = paint_broad(scene, rng, 40, 56)
        rng.bit_generator.state = state
        plain, plain_labels = paint_broad(replace(scene, grade=None), rng, 40, 56)
        assert np.array_equal(labels, plain_labels)
        changed += int(np.abs(graded.astype(int) - plain.astype(int)).mean() > 1.0)
    assert changed >= 4


def test_contrast_pivots_on_the_picture_so_a_dark_picture_stays_dark_but_not_black():
    rng = np.random.default_rng(0)
    dark = np.full((3, 16, 16), 0.04, np.float32)
    dark[:, :8] = 0.08
    grade = grading.Grade(warmth=0.0, tint=0.0, exposure=0.0, contrast=1.5, saturation=1.0,
                          vignette=0.0, noise=0.0)
    out = grading.apply_grade(dark, grade, rng)
    assert 0.03 < out.mean() < 0.07  # about as bright as before: not crushed to black
    assert out[:, :8].mean() - out[:, 8:].mean() > 0.04  # the two halves spread apart


def test_vignetting_darkens_the_corners_and_not_the_centre():
    flat = np.full((3, 32, 48), 0.5, np.float32)
    grade = grading.Grade(0.0, 0.0, 0.0, 1.0, 1.0, vignette=0.4, noise=0.0)
    out = grading.apply_grade(flat, grade, np.random.default_rng(0))
    assert out[:, 0, 0].mean() < 0.5 * 0.75
    assert abs(out[:, 16, 24].mean() - 0.5) < 0.01
