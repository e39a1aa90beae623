"""Laplacian pyramids: collapsing gives the picture back, and the blend takes each band from
where it is told."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from igan_app.engine.pyramid import (
    blend,
    collapse,
    gaussian_pyramid,
    laplacian_pyramid,
    max_levels,
)


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    rng = np.random.default_rng(0)
    # An odd size, so that every level's rounding is exercised.
    return (rng.random((77, 101, 3)) * 255).astype(np.float32)


@pytest.mark.parametrize("levels", [0, 1, 3, None])
def test_collapse_inverts_the_pyramid(picture, levels):
    levels = max_levels(*picture.shape[:2]) if levels is None else levels
    pyramid = laplacian_pyramid(picture, levels)
    assert len(pyramid) == levels + 1
    assert np.abs(collapse(pyramid) - picture).max() < 1e-3
    grey = picture[..., 0]
    assert np.abs(collapse(laplacian_pyramid(grey, levels)) - grey).max() < 1e-3


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_blending_a_picture_with_itself_gives_it_back(picture, weight):
    mask = np.random.default_rng(1).random(picture.shape[:2]).astype(np.float32)
    assert np.abs(blend(picture, picture.copy(), weight, mask) - picture).max() < 1e-3


def test_the_blend_takes_coarse_bands_by_weight_and_detail_by_mask(picture):
    rng = np.random.default_rng(2)
    other = (rng.random(picture.shape) * 255).astype(np.float32)
    ones = np.ones(picture.shape[:2], np.float32)
    # Mask and weight agreeing: exactly one input.
    assert np.abs(blend(picture, other, 0.0, 0 * ones) - picture).max() < 1e-3
    assert np.abs(blend(picture, other, 1.0, ones) - other).max() < 1e-3
    # Detail from `other`, coarse bands from `picture`: the result differs from `other` only
    # at low frequency, and from `picture` only at high frequency.
    mixed = blend(picture, other, 0.0, ones, mixed_side=32)

    def high(x):
        return x - cv2.GaussianBlur(x, (0, 0), 2.0)

    def rms(x):
        return float(np.sqrt((x * x).mean()))

    assert rms(high(mixed - other)) < 0.1 * rms(high(picture - other))
    levels = max_levels(*picture.shape[:2])

    def low(x):
        return gaussian_pyramid(x, levels)[-1]

    assert rms(low(mixed - picture)) < 0.1 * rms(low(other - picture))


def test_the_blend_refuses_mismatched_inputs(picture):
    mask = np.zeros(picture.shape[:2], np.float32)
    with pytest.raises(ValueError, match="shape"):
        blend(picture, picture[:-1], 0.5, mask)
    with pytest.raises(ValueError, match="mask"):
        blend(picture, picture, 0.5, mask[:-1])
