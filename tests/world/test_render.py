"""The scene renderer: determinism, sizes, label coverage, scene variety and image/label alignment.

The world's looks (colors, shapes) are being tuned, so nothing here checks a pixel value: the
alignment checks ask whether the label map explains the image, which holds for any rendering in
which a label names what is painted there.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

from igan_app.world.palette import BY_NAME, NUM_LABELS
from igan_app.world.render import MAX_SIZE, MIN_SIZE, parse_size, render
from igan_app.world.scene import SEASONS, TIMES, WEATHERS, sample_scene

SKY, CLOUD, WATER = BY_NAME["sky"].id, BY_NAME["cloud"].id, BY_NAME["water"].id
SEEDS = range(60)


@functools.cache
def _render(seed: int, size: int | tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    image, labels = render(seed, size)
    image.flags.writeable = labels.flags.writeable = False  # shared between tests
    return image, labels


# --- determinism and sizes -------------------------------------------------------------------

def test_same_seed_and_size_give_the_same_bytes():
    image_a, labels_a = render(7, 64)
    image_b, labels_b = render(7, 64)
    assert image_a.tobytes() == image_b.tobytes()
    assert labels_a.tobytes() == labels_b.tobytes()


def test_rendering_does_not_depend_on_what_was_rendered_before():
    first, first_labels = render(11, (48, 96))
    for seed in (0, 1, 2):
        render(seed, 64)
    again, again_labels = render(11, (48, 96))
    assert first.tobytes() == again.tobytes() and first_labels.tobytes() == again_labels.tobytes()


def test_different_seeds_give_different_scenes():
    images = [_render(seed, 64)[0] for seed in range(8)]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            # Not just a few pixels: clearly different pictures.
            differ = np.abs(images[i].astype(np.int16) - images[j].astype(np.int16)).max(axis=2) > 8
            assert differ.mean() > 0.2, (i, j)


@pytest.mark.parametrize(
    "size, shape",
    [(32, (32, 32)), (64, (64, 64)), (128, (128, 128)), (1024, (1024, 1024)),
     ((48, 96), (48, 96)), ((128, 64), (128, 64)), ((32, 1024), (32, 1024))],
)
def test_sizes_give_height_by_width_images_and_labels(size, shape):
    image, labels = render(3, size)
    assert image.shape == (*shape, 3) and image.dtype == np.uint8
    assert labels.shape == shape and labels.dtype == np.uint8
    assert image.flags.c_contiguous
    assert int(labels.max()) < NUM_LABELS
    assert image.std() > 5.0  # a picture, not a flat fill


def test_parse_size():
    assert parse_size(64) == (64, 64)
    assert parse_size(np.int64(64)) == (64, 64)
    assert parse_size((48, 96)) == (48, 96)
    assert parse_size((MIN_SIZE, MAX_SIZE)) == (MIN_SIZE, MAX_SIZE)


@pytest.mark.parametrize("size", [31, 1025, 0, -64, (31, 64), (64, 1025), (32, 20)])
def test_sizes_out_of_range_are_refused(size):
    with pytest.raises(ValueError, match="between 32 and 1024"):
        render(0, size)


@pytest.mark.parametrize("seed", [-1, 2**63])
def test_seeds_out_of_range_are_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        render(seed, 32)


def test_render_leaves_opencv_thread_count_as_it_was():
    before = cv2.getNumThreads()
    render(0, 32)
    assert cv2.getNumThreads() == before


# --- what the scenes hold ---------------------------------------------------------------------

def test_labels_are_valid_ids():
    for seed in SEEDS:
        labels = _render(seed, 64)[1]
        assert labels.dtype == np.uint8 and int(labels.max()) < NUM_LABELS, seed


def test_every_label_appears_and_every_scene_has_sky():
    seen: set[int] = set()
    for seed in SEEDS:
        labels = _render(seed, 64)[1]
        seen.update(np.unique(labels).tolist())
        assert (labels == SKY).any(), f"seed {seed} has no sky"
        # Sky is above the land: the top row is sky or cloud in every scene.
        assert np.isin(labels[0], (SKY, CLOUD)).mean() > 0.5, f"seed {seed}: top row is not sky"
    missing = {name for name, lab in BY_NAME.items() if lab.id not in seen}
    assert not missing, f"labels never rendered in {len(SEEDS)} scenes: {sorted(missing)}"


def test_scene_parameters_vary():
    scenes = [sample_scene(np.random.default_rng(seed)) for seed in range(200)]
    assert {s.time for s in scenes} == set(TIMES)
    assert {s.weather for s in scenes} == set(WEATHERS)
    assert {s.season for s in scenes} == set(SEASONS)
    assert {s.lake for s in scenes} == {True, False}
    assert {s.desert for s in scenes} == {True, False}
    assert len({len(s.ranges) for s in scenes}) >= 3
    assert len({round(s.horizon, 3) for s in scenes}) > 100


def test_scene_parameters_are_those_render_uses():
    # The tests below rely on this: render(seed) draws sample_scene from default_rng(seed) first.
    lakes = [seed for seed in SEEDS if sample_scene(np.random.default_rng(seed)).lake]
    assert 0 < len(lakes) < len(SEEDS)
    assert all((_render(seed, 64)[1] == WATER).any() for seed in lakes)


# --- alignment of image and labels ------------------------------------------------------------

def _within_label_variance_ratio(pairs) -> float:
    """Pooled within-label color variance over total color variance (lower: labels explain more)."""
    within = total = 0.0
    for image, labels in pairs:
        colors = image.reshape(-1, 3).astype(np.float64)
        ids = labels.ravel()
        total += float(((colors - colors.mean(axis=0)) ** 2).sum())
        for label in np.unique(ids):
            part = colors[ids == label]
            within += float(((part - part.mean(axis=0)) ** 2).sum())
    return within / total


def _shifted_ratio(scenes, dy: int, dx: int, margin: int = 8) -> float:
    """The ratio when each label map is read `dy`, `dx` pixels off from its image."""
    def crop(a, oy, ox):
        h, w = a.shape[:2]
        return a[margin + oy:h - margin + oy, margin + ox:w - margin + ox]
    return _within_label_variance_ratio((crop(image, dy, dx), crop(labels, 0, 0))
                                        for image, labels in scenes)


def test_labels_explain_the_image_and_misaligned_labels_do_not():
    scenes = [_render(seed, 64) for seed in range(30)]
    real = _shifted_ratio(scenes, 0, 0)
    assert real < 0.6, f"labels explain too little of the image: within/total variance {real:.3f}"
    # Scenes are mostly horizontal bands, so a vertical shift hurts more than a horizontal one.
    for dy, dx, factor in [(8, 0, 2.5), (-8, 0, 2.5), (0, 8, 1.4), (0, -8, 1.4)]:
        off = _shifted_ratio(scenes, dy, dx)
        assert off > factor * real, f"shift ({dy}, {dx}): {off:.3f} vs aligned {real:.3f}"


def test_labels_are_aligned_to_the_pixel():
    # An off-by-one between a layer's color and its label would make a shifted map fit better.
    scenes = [_render(seed, 64) for seed in range(30)]
    real = _shifted_ratio(scenes, 0, 0)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                off = _shifted_ratio(scenes, dy, dx)
                assert off > 1.15 * real, f"shift ({dy}, {dx}): {off:.3f} vs aligned {real:.3f}"


def test_one_seed_is_one_scene_at_every_size():
    agreement = []
    for seed in range(20):
        small = _render(seed, 64)[1]
        large = _render(seed, 128)[1]
        agreement.append(float((large[::2, ::2] == small).mean()))
    assert np.mean(agreement) >= 0.85, np.round(agreement, 3)
    assert min(agreement) >= 0.7, np.round(agreement, 3)
    # For scale: another seed's layout agrees far less.
    other = np.mean([(_render(seed + 1, 128)[1][::2, ::2] == _render(seed, 64)[1]).mean()
                     for seed in range(20)])
    assert other < np.mean(agreement) - 0.3


def test_water_mirrors_what_stands_above_it():
    """Just below the waterline, water brightness follows the mirrored pixel above the line."""
    size = 128
    mirrored, crossed = [], []
    for seed in SEEDS:
        scene = sample_scene(np.random.default_rng(seed))
        if not scene.lake:
            continue
        image, labels = _render(seed, size)
        lum = image.astype(np.float64).mean(axis=2)
        line = (scene.horizon + scene.lake_far) * size
        rows = np.arange(int(np.ceil(line)), int(line + 0.1 * size))
        above = np.round(2 * line - rows - 1).astype(int)
        keep = above >= 0
        rows, above = rows[keep], above[keep]
        water = labels[rows] == WATER
        if water.sum() < 50:
            continue
        below = lum[rows][water]
        mirror = lum[above][water]
        # The control reads the mirror image from the wrong side (columns flipped).
        flipped = lum[above][:, ::-1][water]
        if below.std() == 0:
            continue
        mirrored.append(np.corrcoef(below, mirror)[0, 1])
        crossed.append(np.corrcoef(below, flipped)[0, 1])
    assert len(mirrored) >= 15
    assert np.median(mirrored) > 0.25, np.round(mirrored, 2)
    assert np.median(mirrored) > np.median(crossed) + 0.2
