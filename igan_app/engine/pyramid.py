"""Laplacian pyramids (Burt and Adelson 1983) and a blend of two pictures that never doubles edges.

A picture is split into band-pass layers, finest first, and a low-pass residual; collapsing the
layers gives the picture back exactly (float arithmetic). `blend` mixes two pictures of one
place differently per band: the coarse bands (colour, light, the large shapes) by a weight, so
that one picture turns into the other gradually, and the fine bands (edges, texture) from one
picture per place, chosen by a mask whose own Gaussian pyramid softens the seams at every scale.
Two half-contrast copies of an edge, the ghost of a cross-dissolve, cannot appear: at any place
the detail is one photo's.

Pictures are float32 (H, W) or (H, W, C) arrays in any units.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np


def max_levels(height: int, width: int, smallest: int = 4) -> int:
    """How many band-pass layers a (height, width) picture has room for: the residual keeps a
    side of at least `smallest` pixels."""
    levels, side = 0, min(height, width)
    while side // 2 >= smallest:
        side = (side + 1) // 2
        levels += 1
    return levels


def gaussian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """`image` and `levels` successive blurred halvings of it (levels + 1 pictures)."""
    pyramid = [np.asarray(image, np.float32)]
    for _ in range(levels):
        pyramid.append(_reshaped(cv2.pyrDown(pyramid[-1]), pyramid[-1]))
    return pyramid


def laplacian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """`levels` band-pass layers, finest first, then the low-pass residual; `collapse` inverts."""
    gaussian = gaussian_pyramid(image, levels)
    bands = [fine - _up(coarse, fine) for fine, coarse in itertools.pairwise(gaussian)]
    return [*bands, gaussian[-1]]


def collapse(pyramid: list[np.ndarray]) -> np.ndarray:
    """The picture whose `laplacian_pyramid` is `pyramid`."""
    image = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        image = band + _up(image, band)
    return image


def blend(a: np.ndarray, b: np.ndarray, weight: float, detail: np.ndarray, *,
          mixed_side: int = 32) -> np.ndarray:
    """`a` and `b` (same shape, float32) mixed without doubled edges.

    weight: b's share of the coarse bands, those whose side is at most `mixed_side` pixels (and
    of the residual); detail: (H, W) in [0, 1], b's share of the finer bands per place (0: a's
    detail, 1: b's), softened per band by its Gaussian pyramid. Both inputs equal: that input,
    whatever the weight and mask.
    """
    if a.shape != b.shape:
        raise ValueError(f"a and b differ in shape: {a.shape} and {b.shape}")
    if detail.shape != a.shape[:2]:
        raise ValueError(f"the detail mask must be {a.shape[:2]}, got {detail.shape}")
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    levels = max_levels(*a.shape[:2])
    masks = gaussian_pyramid(np.clip(detail, 0, 1), levels)
    out = []
    for band_a, band_b, mask in zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels),
                                    masks):
        if min(band_a.shape[:2]) <= mixed_side:
            share = np.float32(weight)
        else:
            share = mask[..., None] if band_a.ndim == 3 else mask
        out.append(band_a + share * (band_b - band_a))
    return collapse(out)


def _up(coarse: np.ndarray, fine: np.ndarray) -> np.ndarray:
    return _reshaped(cv2.pyrUp(coarse, dstsize=(fine.shape[1], fine.shape[0])), fine)


def _reshaped(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    # cv2 drops a single channel's axis; keep the layout of the input.
    return image.reshape(*image.shape[:2], *like.shape[2:])
