"""The broad world's kinds of land (world/kinds.py): each renders deterministically at any size,
its label map says what the picture shows, and it holds up under every time of day and weather.

Scenes are painted through a minimal pipeline (sky, clouds, the kind's land, fog) so that these
tests see the kinds themselves, not the broad world's framing and grading.
"""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from igan_app.world import kinds
from igan_app.world.canvas import Canvas, settle_hidden_labels
from igan_app.world.foreground import Foreground
from igan_app.world.light import scene_light
from igan_app.world.palette import NUM_LABELS, label_id
from igan_app.world.scene import TIMES, WEATHERS, Scene, sample_scene
from igan_app.world.sky import paint_clouds, paint_sky

SKY, WATER, SAND, ROCK = (label_id(n) for n in ("sky", "water", "sand", "rock"))
GRASS, TREE, SNOW = (label_id(n) for n in ("grass", "tree", "snow"))
NEW_KINDS = ("coast", "forest_interior", "river", "path", "fields")


def kind_scene(name: str, seed: int, **changes) -> tuple[Scene, np.random.Generator]:
    rng = np.random.default_rng(seed)
    scene = kinds.KINDS[name].sample(rng, replace(sample_scene(rng), **changes))
    return scene, rng


def paint(scene: Scene, rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """(3, h, w) float colors and (h, w) labels of a scene."""
    cv = Canvas.new(scene, scene_light(scene), h, w)
    paint_sky(cv, rng)
    paint_clouds(cv, rng)
    kinds.paint_land(cv, rng)
    fog = 1.0 - np.exp(-cv.depth * np.float32(cv.light.fog_density))
    cv.rgb += (cv.light.fog - cv.rgb) * fog
    settle_hidden_labels(cv, fog)
    return cv.rgb, cv.labels


def render_kind(name: str, seed: int, h: int, w: int | None = None, *, foreground: bool = True,
                **changes):
    scene, rng = kind_scene(name, seed, **changes)
    if not foreground:
        scene = replace(scene, terrain=replace(scene.terrain, foreground=None))
    rgb, labels = paint(scene, rng, h, w or h)
    return scene, rgb, labels


def test_the_valley_keeps_about_a_third_of_the_scenes_and_every_kind_names_itself():
    weights = {name: k.weight for name, k in kinds.KINDS.items()}
    assert set(NEW_KINDS) <= set(weights)
    assert 0.28 <= weights["valley"] / sum(weights.values()) <= 0.4
    rng = np.random.default_rng(0)
    for name, kind in kinds.KINDS.items():
        assert kind.sample(rng, sample_scene(rng)).kind == name
    drawn = {kinds.sample_kind(rng, sample_scene(rng)).kind for _ in range(200)}
    assert drawn == set(kinds.KINDS)


@pytest.mark.parametrize("name", NEW_KINDS)
def test_a_kind_renders_the_same_scene_deterministically_at_any_size(name):
    for size in ((48, 80), (96, 96), (150, 100)):
        _, a, la = render_kind(name, 3, *size)
        _, b, lb = render_kind(name, 3, *size)
        assert np.array_equal(a, b) and np.array_equal(la, lb)
        assert la.shape == size and int(la.max()) < NUM_LABELS
        assert np.isfinite(a).all()
    # The same seed at two sizes is the same scene: label maps agree but at edges.
    agreement = []
    for seed in range(6):
        small = render_kind(name, seed, 64)[2]
        large = render_kind(name, seed, 128)[2]
        agreement.append(np.mean(small == cv2.resize(large, (64, 64), interpolation=cv2.INTER_NEAREST)))
    assert min(agreement) > 0.8 and np.mean(agreement) > 0.9


def _below_horizon(scene: Scene, labels: np.ndarray, margin: float = 0.0) -> np.ndarray:
    return labels[int(np.ceil((scene.horizon + margin) * labels.shape[0])):]


def test_a_coast_has_sea_to_the_horizon_and_a_shore():
    for seed in range(8):
        scene, _, labels = render_kind("coast", seed, 96, weather="clear")
        c = scene.terrain
        row = labels[int(np.ceil(scene.horizon * 96)) + 1]
        # The sea reaches the horizon wherever no cliff or headland stands in front of it.
        assert np.mean(row == WATER) > (0.35 if c.side else 0.9)
        if c.front < 0.97 or c.side:
            shore = np.isin(_below_horizon(scene, labels), (SAND, ROCK, GRASS, SNOW))
            assert shore.mean() > 0.02
        if c.front < 0.95 and not c.front_rock:
            assert np.mean(labels[-1] == SAND) > 0.5 or c.side


def test_a_forest_interior_is_mostly_trees_and_hides_the_horizon():
    for seed in range(6):
        scene, _, labels = render_kind("forest_interior", seed, 96, weather="clear")
        assert np.mean(labels == TREE) > 0.4
        around = labels[int(scene.horizon * 96) - 3: int(scene.horizon * 96) + 1]
        assert np.mean(around == SKY) < 0.05  # no horizon line of sky between the trees
        assert np.mean(labels[:int(scene.horizon * 96)] == TREE) > 0.6


def _component_reaching_bottom(mask: np.ndarray) -> np.ndarray:
    """The largest connected part of mask that touches the bottom row."""
    _, parts = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    touching = [p for p in np.unique(parts[-1][mask[-1]]) if p]
    if not touching:
        return np.zeros_like(mask)
    best = max(touching, key=lambda p: int(np.sum(parts == p)))
    return parts == best


@pytest.mark.parametrize(("name", "label"), [("river", WATER), ("path", SAND)])
def test_a_river_or_a_path_winds_from_the_foreground_into_the_distance(name, label):
    for seed in range(6):
        scene, _, labels = render_kind(name, seed, 128, weather="clear", side_forest=0.0,
                                       foreground=False)
        strip = _component_reaching_bottom(labels == label)
        rows = np.flatnonzero(strip.any(axis=1))
        assert len(rows), f"seed {seed}: no {name} at the bottom"
        # One connected strip from the bottom edge to well into the distance (though far off a
        # stretch running sideways may be thinner than a pixel).
        assert rows.min() / 128 < scene.horizon + 0.5 * (1.0 - scene.horizon), f"seed {seed}"


def test_fields_make_a_patchwork_of_crops_with_hedgerows():
    crops_seen = []
    for seed in range(6):
        scene, rgb, labels = render_kind("fields", seed, 128, weather="clear", season="summer")
        ground = _below_horizon(scene, labels, 0.02)
        assert np.isin(ground, (GRASS, SAND, TREE)).mean() > 0.95
        # Fields differ in color: more than one crop shows below the horizon.
        colors = rgb[:, int((scene.horizon + 0.05) * 128):].reshape(3, -1)
        crops_seen.append(float(np.percentile(colors[1], 90) - np.percentile(colors[1], 10)))
        if scene.terrain.hedges > 0.5:
            assert np.mean(ground == TREE) > 0.005
    assert np.median(crops_seen) > 0.08


def test_close_foreground_vegetation_covers_part_of_the_bottom_edge():
    for style in ("grass", "flowers", "reeds"):
        fg = Foreground(style=style, height=0.25, density=1.0, lean=0.1, side=0.0, dry=0.2,
                        flowers=(0, 2))
        scene, rng = kind_scene("river", 1, weather="clear")
        scene = replace(scene, terrain=replace(scene.terrain, foreground=fg))
        _, labels = paint(scene, rng, 128, 128)
        bottom = labels[-12:]
        assert 0.2 < np.mean(bottom == GRASS) < 1.0
        assert np.mean(labels[: int(128 * 0.7)] == GRASS) < 0.5 or scene.horizon > 0.7
        bare = replace(scene, terrain=replace(scene.terrain, foreground=None))
        _, without = paint(bare, np.random.default_rng(5), 128, 128)
        assert np.mean(bottom == GRASS) > np.mean(without[-12:] == GRASS)


@pytest.mark.parametrize("name", NEW_KINDS)
def test_every_kind_holds_up_at_every_time_of_day_and_weather(name):
    for time in TIMES:
        for weather in WEATHERS:
            scene, rgb, labels = render_kind(name, 11, 64, time=time, weather=weather)
            assert np.isfinite(rgb).all()
            assert rgb.std() > 0.02, (time, weather)
            below = _below_horizon(scene, labels, 0.05)
            assert np.mean(below == SKY) < 0.05, (time, weather)
            # Dusk is darker than day, and fog paler, in the land as in the sky.
            if weather == "clear" and time == "day":
                day = rgb.mean()
            if weather == "clear" and time == "dusk":
                assert rgb.mean() < day
