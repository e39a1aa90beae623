"""Morph: the ends are the photos, the middle follows the generated frames, and the pyramid
transfer draws every edge once (the dissolve it replaced drew two half-contrast copies)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from igan_app.engine.frame import resize_square
from igan_app.engine.morph import morph
from igan_app.world.render import render


def _shifted(image: np.ndarray, dx: int) -> np.ndarray:
    return np.roll(image, dx, axis=1)


@pytest.fixture(scope="module")
def photos():
    a, _ = render(11, 128)
    b, _ = render(12, 128)
    return a, b


def test_the_dissolve_starts_at_a_ends_at_b_and_mixes_between(photos):
    a, b = photos
    generated = [resize_square(a, 32)] * 5  # a still path: nothing moves, nothing recolors
    frames = list(morph(a, b, generated, size=64, blend_with="dissolve"))
    assert [f.index for f in frames] == list(range(5))
    assert [f.weight for f in frames] == [0, 0.25, 0.5, 0.75, 1]
    a64, b64 = resize_square(a, 64).astype(int), resize_square(b, 64).astype(int)
    assert np.abs(frames[0].image.astype(int) - a64).max() <= 1
    assert np.abs(frames[-1].image.astype(int) - b64).max() <= 1
    expected = 0.5 * a64 + 0.5 * b64
    assert np.abs(frames[2].image - expected).mean() < 1.0


@pytest.mark.parametrize("blend_with", ["pyramid", "dissolve"])
def test_morph_carries_the_generated_motion_onto_the_photo(photos, blend_with):
    a, _ = photos
    small = resize_square(a, 64)
    generated = [_shifted(small, dx) for dx in (0, 1, 2, 3, 4)]  # content moves right 1 px/frame
    big = resize_square(a, 128)
    b = _shifted(big, 8)  # photo B shows what the last generated frame shows (4 model px × 2)
    frames = list(morph(big, b, generated, size=128, mode="motion", blend_with=blend_with))
    # Frame 2: A carried 2 model px forward and B carried 2 back both land 4 photo px on.
    inner = np.s_[8:-8, 16:-16]
    middle = frames[2].image.astype(float)[inner]
    moved = _shifted(big, 4).astype(float)[inner]
    assert np.abs(middle - moved).mean() < 2.0
    assert np.abs(middle - big.astype(float)[inner]).mean() > 2 * np.abs(middle - moved).mean()


def test_morph_needs_two_frames(photos):
    a, b = photos
    with pytest.raises(ValueError, match="at least 2 generated frames"):
        list(morph(a, b, [resize_square(a, 32)]))


@pytest.mark.parametrize("blend_with", ["pyramid", "dissolve"])
def test_the_first_and_last_frames_are_the_photos(photos, blend_with):
    a, b = photos
    small = [resize_square(a, 32), resize_square(b, 32)]
    generated = [cv2.addWeighted(small[0], 1 - t / 4, small[1], t / 4, 0) for t in range(5)]
    frames = list(morph(a, b[:100], generated, size=96, blend_with=blend_with))
    assert np.array_equal(frames[0].image, resize_square(a, 96))
    if blend_with == "pyramid":  # exactly; the dissolve's field rounds its colours
        assert np.array_equal(frames[-1].image, resize_square(b[:100], 96))
    assert all(f.image.shape == (96, 96, 3) for f in frames)


def _step(x: int, size: int = 256) -> np.ndarray:
    image = np.full((size, size, 3), 60, np.uint8)
    image[:, x:] = 200
    return image


def _peak_steps(frame: np.ndarray, edges: tuple[int, ...]) -> list[float]:
    """The steepest one-pixel step of the middle row near each edge position."""
    row = frame[frame.shape[0] // 2, :, 0].astype(float)
    return [float(np.abs(np.diff(row[x - 6:x + 7])).max()) for x in edges]


def test_the_middle_frame_draws_one_edge_not_two_half_contrast_ones():
    # Photo A's edge at x = 96, photo B's at x = 160; the generator's path cross-fades them (no
    # motion to follow), as a GAN's interpolation between two unlike scenes does.
    a, b = _step(96), _step(160)
    small = [resize_square(a, 64), resize_square(b, 64)]
    generated = [cv2.addWeighted(small[0], 1 - t / 8, small[1], t / 8, 0) for t in range(9)]
    contrast = 140
    frames = list(morph(a, b, generated, size=256))
    for t in (2, 4, 6):
        steps = sorted(_peak_steps(frames[t].image, (96, 160)))
        assert steps[1] > 0.7 * contrast and steps[0] < 0.15 * contrast, (t, steps)
    # The dissolve it replaced: both edges at about half contrast in the middle.
    middle = list(morph(a, b, generated, size=256, blend_with="dissolve"))[4].image
    assert all(0.2 * contrast < s < 0.6 * contrast for s in _peak_steps(middle, (96, 160)))


def test_morph_refuses_an_unknown_blend(photos):
    a, b = photos
    with pytest.raises(ValueError, match="blend"):
        list(morph(a, b, [resize_square(a, 32)] * 2, blend_with="smear"))
