"""Ground truth for measuring the transfer: smooth displacement fields and a color change that are
known exactly, applied to real pictures. Used by tests/engine/test_transfer.py and
bench/transfer.py, so both measure against the same truth; test ground truth, so it lives with
the tests, not in the engine."""

from __future__ import annotations

import math

import cv2
import numpy as np

from igan_app.engine.flow import pixel_grid

# A channel-mixing color change (rows: output R, G, B; columns: input R, G, B, offset), colors
# in [0, 1].
COLOR = np.array([[0.8, 0.15, 0.0, 0.05], [0.05, 0.9, 0.0, 0.0], [0.0, 0.1, 0.75, 0.1]],
                 np.float32)


def smooth_field(size: int, peak: float, seed: int) -> np.ndarray:
    """(size, size, 2) float32: two sinusoids of random direction per axis, |component| <= peak."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    field = np.zeros((size, size, 2), np.float32)
    for axis in range(2):
        for _ in range(2):
            fx, fy = rng.uniform(0.5, 1.5, 2) * 2 * np.pi / size
            field[..., axis] += peak / 2 * np.sin(fx * xs + fy * ys + rng.uniform(0, 2 * np.pi))
    return field


def warp(image: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """`image` read at x + shift(x), bicubic, shift in the image's pixels: the true backward flow
    of the result is `shift`."""
    positions = pixel_grid(*shift.shape[:2]) + shift
    return cv2.remap(image, positions[..., 0], positions[..., 1], cv2.INTER_CUBIC,
                     borderMode=cv2.BORDER_REFLECT)


def recolor(image: np.ndarray, matrix: np.ndarray = COLOR) -> np.ndarray:
    """`image` (uint8 RGB) through the affine color map `matrix` (3×4, colors in [0, 1])."""
    colors = image.astype(np.float32) / 255 @ matrix[:, :3].T + matrix[:, 3]
    return np.clip(np.rint(colors * 255), 0, 255).astype(np.uint8)


def shrink(photo: np.ndarray, size: int = 64) -> np.ndarray:
    """The photo at the model's resolution, as a frame that reconstructs it exactly would be."""
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))
