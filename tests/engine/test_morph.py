"""Morph: the ends are the photos, the middle follows the generated frames."""

from __future__ import annotations

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


def test_morph_starts_at_a_ends_at_b_and_mixes_between(photos):
    a, b = photos
    generated = [resize_square(a, 32)] * 5  # a still path: nothing moves, nothing recolors
    frames = list(morph(a, b, generated, size=64))
    assert [f.index for f in frames] == list(range(5))
    assert [f.weight for f in frames] == [0, 0.25, 0.5, 0.75, 1]
    a64, b64 = resize_square(a, 64).astype(int), resize_square(b, 64).astype(int)
    assert np.abs(frames[0].image.astype(int) - a64).max() <= 1
    assert np.abs(frames[-1].image.astype(int) - b64).max() <= 1
    expected = 0.5 * a64 + 0.5 * b64
    assert np.abs(frames[2].image - expected).mean() < 1.0


def test_morph_carries_the_generated_motion_onto_the_photo(photos):
    a, _ = photos
    small = resize_square(a, 64)
    generated = [_shifted(small, dx) for dx in (0, 1, 2, 3, 4)]  # content moves right 1 px/frame
    big = resize_square(a, 128)
    b = _shifted(big, 8)  # photo B shows what the last generated frame shows (4 model px × 2)
    frames = list(morph(big, b, generated, size=128, mode="motion"))
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
