"""engine/lab.py: CIELAB through tables, the photo's chroma shifted, and the chroma's change
smoothed along the photo's surfaces."""

from __future__ import annotations

import cv2
import numpy as np

from igan_app.engine.lab import chroma_change, from_lab, shift_chroma, to_lab


def every_color() -> np.ndarray:
    values = np.arange(0, 256, dtype=np.uint8)
    r, g, b = np.meshgrid(values, values, values, indexing="ij")
    return np.stack([r, g, b], -1).reshape(4096, 4096, 3)


def test_every_uint8_color_survives_the_round_trip():
    colors = every_color()
    np.testing.assert_array_equal(from_lab(to_lab(colors)), colors)


def test_lab_agrees_with_opencv_and_floats_with_uint8():
    colors = np.random.default_rng(0).integers(0, 256, (200, 300, 3)).astype(np.uint8)
    ours = to_lab(colors)
    opencv = cv2.cvtColor(colors.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    # OpenCV's float path tabulates the sRGB curve: under half a Lab unit apart (measured 0.47).
    assert np.abs(ours - opencv).max() < 0.6
    np.testing.assert_allclose(to_lab(colors.astype(np.float32) / 255), ours, atol=1e-3)


def test_shift_chroma_keeps_the_recolored_lightness_and_the_photo_chroma_plus_the_shift():
    rng = np.random.default_rng(1)
    photo = rng.integers(60, 200, (40, 50, 3)).astype(np.uint8)
    brighter = np.clip(photo.astype(int) + 25, 0, 255).astype(np.uint8)
    shift = np.zeros((40, 50, 2), np.float32)
    shift[..., 0] = 12  # towards red
    out = shift_chroma(photo, brighter, shift)
    lab_out, lab_photo, lab_bright = to_lab(out), to_lab(photo), to_lab(brighter)
    assert np.abs(lab_out[..., 0] - lab_bright[..., 0]).max() < 1.5  # one level of rounding
    np.testing.assert_allclose(lab_out[..., 1] - lab_photo[..., 1], 12, atol=1.5)
    np.testing.assert_allclose(lab_out[..., 2], lab_photo[..., 2], atol=1.5)
    np.testing.assert_array_equal(shift_chroma(photo, photo, np.zeros_like(shift)), photo)


def test_chroma_change_is_smooth_on_a_textured_surface_and_stays_on_its_side_of_an_edge():
    rng = np.random.default_rng(2)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (200, 200)), (0, 0), 1.2)
    photo = np.empty((200, 200, 3))
    photo[:100] = (200, 210, 230)  # a bright sky over
    photo[100:] = (80, 100, 60)  # textured grass
    photo[100:] += (texture[100:] / texture.std() * 15)[..., None]
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    # The grass is recolored by a gain, which turns its light and dark into chroma; the sky
    # is left alone.
    recolored = photo.copy()
    recolored[100:] = np.clip(photo[100:] * np.float32([1.5, 1.0, 0.5]), 0, 255).astype(np.uint8)
    raw = (to_lab(recolored) - to_lab(photo))[..., 1:]
    smooth = chroma_change(photo, recolored, sigma=6)
    grass = np.s_[120:180, 20:180]
    # (measured: 6.2 Lab units of local variation raw, 1.6 smoothed)
    assert local_variation(smooth)[grass].mean() < local_variation(raw)[grass].mean() / 3
    np.testing.assert_allclose(smooth[grass].mean(axis=(0, 1)), raw[grass].mean(axis=(0, 1)),
                               atol=1.0)
    assert np.abs(smooth[:96]).max() < 0.5  # the sky, right up to the edge, keeps its chroma


def local_variation(ab: np.ndarray) -> np.ndarray:
    """(h, w): the deviation of a and b together over 9 px windows, as the mottling measure."""
    mean, square = cv2.blur(ab, (9, 9)), cv2.blur(ab * ab, (9, 9))
    return np.sqrt(np.maximum(square - mean * mean, 0)).sum(-1)
