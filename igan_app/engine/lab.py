"""CIELAB (D65, OpenCV's convention: L 0–100, a and b about ±100) for sRGB pictures, fast
enough for the strips of a 12 MP photo.

OpenCV's float sRGB→Lab applies the sRGB curve with a power per value (0.85 s for 12 MP on
this 2-core CPU). A uint8 picture has only 256 values per channel, so here the curve is a
table (cv2.LUT into float32), the rest is OpenCV's linear-RGB conversion, and the way back
encodes linear light through a 65 536-step table. Every uint8 color survives the round trip
exactly (tests/engine/test_lab.py).
"""

from __future__ import annotations

import numpy as np

_ENCODE_STEPS = 1 << 16


def linear(values: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] → linear light in [0, 1] (float32)."""
    v = np.asarray(values, np.float32)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _encoded(light: np.ndarray) -> np.ndarray:
    light = np.clip(light, 0, 1)
    return np.where(light <= 0.0031308, light * 12.92, 1.055 * light ** (1 / 2.4) - 0.055)


_DECODE = linear(np.arange(256) / 255.0)
_ENCODE = np.clip(_encoded(np.arange(_ENCODE_STEPS) / (_ENCODE_STEPS - 1)) * 255 + 0.5, 0,
                  255).astype(np.uint8)


def to_lab(pixels: np.ndarray) -> np.ndarray:
    """RGB (…, 3): uint8, or float in [0, 1] (sRGB-encoded) → Lab float32 of the same shape."""
    import cv2

    if pixels.dtype == np.uint8:
        light = cv2.LUT(np.ascontiguousarray(pixels), _DECODE)
    else:
        light = linear(pixels)
    return cv2.cvtColor(light, cv2.COLOR_LRGB2Lab)


def from_lab(lab: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Lab float32 (…, 3) → RGB uint8, colors outside sRGB clipped; written into `out` if
    given."""
    import cv2

    light = cv2.cvtColor(np.ascontiguousarray(lab, np.float32), cv2.COLOR_Lab2LRGB)
    index = np.clip(light * (_ENCODE_STEPS - 1) + 0.5, 0, _ENCODE_STEPS - 1).astype(np.uint16)
    if out is None:
        return _ENCODE[index]
    np.take(_ENCODE, index, out=out)
    return out


def shift_chroma(photo: np.ndarray, recolored: np.ndarray, chroma: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
    """The lightness of `recolored` with the photo's own a, b plus `chroma`: uint8 RGB.

    photo, recolored: (n, w, 3) uint8, the same pixels before and after an affine recolor;
    chroma: (n, w, 2) float32 a, b offsets. The affine maps' lightness is kept (it carries
    brightening and darkening), but their chroma is replaced: a gain on chroma turns the
    photo's light-and-dark texture into colored texture, most of all in dark regions.
    """
    lab = to_lab(photo)
    lab[..., 0] = to_lab(recolored)[..., 0]
    lab[..., 1:] += chroma
    return from_lab(lab, out)


def chroma_change(photo: np.ndarray, recolored: np.ndarray, sigma: float,
                  bins: int = 4) -> np.ndarray:
    """The change of Lab a, b from `photo` to `recolored` (uint8 RGB, (h, w, 3)), smoothed along
    the photo's surfaces: (h, w, 2) float32.

    A piecewise-linear bilateral filter (Durand and Dorsey 2002): the change is split over
    `bins` + 1 luminance levels of the photo, each part blurred (Gaussian, `sigma` px) and
    normalised, and every pixel reads the levels around its own luminance. Within a textured
    surface the change becomes its local mean, so the surface's light-and-dark texture no
    longer colors it; across an edge between a bright and a dark region the levels differ and
    the change stays on its side. Four levels rather than eight: a surface's light and dark
    then mostly share a level (an ocean painted orange in bench/fidelity.py: chroma mottling
    1.11 against 1.19; a gain-textured synthetic grass in tests/engine/test_lab.py keeps a
    quarter of the raw change's local variation against three fifths).
    """
    import cv2

    change = (to_lab(recolored) - to_lab(photo))[..., 1:]
    height, width = photo.shape[:2]
    position = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32) * (bins / 255)
    # The blurred parts are smooth, so they are blurred and divided at a coarser size (a third
    # of sigma per pixel) and stretched back: the same result, an order of magnitude faster.
    step = max(1, int(sigma / 3))
    small = (max(1, round(width / step)), max(1, round(height / step)))
    out = np.zeros_like(change)
    parts = np.empty((height, width, 3), np.float32)
    for level in range(bins + 1):
        share = np.maximum(0, 1 - np.abs(position - level))
        if not share.any():
            continue
        np.multiply(change, share[..., None], out=parts[..., :2])
        parts[..., 2] = share
        coarse = cv2.resize(parts, small, interpolation=cv2.INTER_AREA)
        coarse = cv2.GaussianBlur(coarse, (0, 0), sigma / step)
        mean = coarse[..., :2] / np.maximum(coarse[..., 2:], 1e-6)
        out += cv2.resize(mean, (width, height), interpolation=cv2.INTER_LINEAR) * share[..., None]
    return out


__all__ = ["chroma_change", "from_lab", "linear", "shift_chroma", "to_lab"]
