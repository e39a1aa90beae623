"""What bench/fidelity.py measures on an edited photo against the photo, in numpy and OpenCV
alone (tests/test_fidelity_measures.py checks each on pictures whose answer is known).

Pictures are RGB uint8 (H, W, 3) at the photo's size; displacement and mottling are measured
with both scaled to `WIDTH` pixels wide, so that photos of every size count alike.
"""

from __future__ import annotations

import cv2
import numpy as np

WIDTH = 640  # the width displacement and mottling are measured at
CONTRAST_SIGMA = 4.0  # Gaussian σ (px at WIDTH) of the local mean and deviation
# A pixel is textured where the photo's local deviation of luminance (0–255) exceeds this: flow
# is only meaningful there (a smooth sky has no position to measure).
TEXTURE_THRESHOLD = 6.0
BORDER = 16  # px at WIDTH left out at the sides, where a shifted picture has no match
MOTTLE_WINDOW = 9  # px at WIDTH, the window of the local chroma deviation
# Lab units added to both sides of the mottling ratio: a perfectly flat sky (deviation ≈ 0)
# would make any change at all infinitely worse; below this, variation is not visible.
MOTTLE_FLOOR = 0.5


def scaled(image: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """`image` resized to `width` px wide (area averaging when shrinking), aspect kept."""
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    shrinking = width <= image.shape[1]
    return cv2.resize(image, (width, height),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def luminance(image: np.ndarray) -> np.ndarray:
    """RGB uint8 → luminance float32 0–255."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)


def local_std(values: np.ndarray, sigma: float = CONTRAST_SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """(local mean, local standard deviation) of a float32 (H, W) picture, Gaussian weighted."""
    mean = cv2.GaussianBlur(values, (0, 0), sigma)
    square = cv2.GaussianBlur(values * values, (0, 0), sigma)
    return mean, np.sqrt(np.maximum(square - mean * mean, 0))


def contrast_normalised(gray: np.ndarray, sigma: float = CONTRAST_SIGMA) -> np.ndarray:
    """(gray − local mean) / local deviation, as uint8 for the flow (±3 deviations over 0–255):
    a recoloured or brightened region keeps its structure, so only moved structure shows."""
    mean, std = local_std(gray, sigma)
    normal = (gray - mean) / (std + 2.0)  # +2: flat areas stay flat rather than amplify noise
    return np.clip(127.5 + normal * 127.5 / 3, 0, 255).astype(np.uint8)


def textured(photo: np.ndarray, threshold: float = TEXTURE_THRESHOLD) -> np.ndarray:
    """(H, W) bool: where the photo (at the size given) has texture, less a border."""
    _, std = local_std(luminance(photo))
    mask = std > threshold
    mask[:BORDER] = mask[-BORDER:] = False
    mask[:, :BORDER] = mask[:, -BORDER:] = False
    return mask


def displacement(photo: np.ndarray, result: np.ndarray, width: int = WIDTH,
                 percentile: float = 95) -> float:
    """How far the result's textured pixels moved from the photo's: the `percentile` of the
    flow's magnitude (px at `width`) over the photo's textured pixels. DIS flow between the
    contrast-normalised pictures, so colour changes do not read as motion. NaN where the photo
    has no texture."""
    a, b = scaled(photo, width), scaled(result, width)
    mask = textured(a)
    if not mask.any():
        return float("nan")
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(contrast_normalised(luminance(a)), contrast_normalised(luminance(b)), None)
    return float(np.percentile(np.linalg.norm(flow, axis=-1)[mask], percentile))


def to_lab(image: np.ndarray) -> np.ndarray:
    """RGB uint8 → CIELAB float32 (L 0–100, a and b about ±100)."""
    return cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _mask_at(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]),
                      interpolation=cv2.INTER_NEAREST) > 0


def chroma_variation(image: np.ndarray, window: int = MOTTLE_WINDOW) -> np.ndarray:
    """(H, W) float32: the local deviation of Lab's a and b together, over window² boxes."""
    lab = to_lab(image)
    total = np.zeros(image.shape[:2], np.float32)
    for channel in (1, 2):
        values = lab[..., channel]
        mean = cv2.blur(values, (window, window))
        square = cv2.blur(values * values, (window, window))
        total += np.maximum(square - mean * mean, 0)
    return np.sqrt(total)


def mottling(photo: np.ndarray, result: np.ndarray, mask: np.ndarray, width: int = WIDTH,
             window: int = MOTTLE_WINDOW) -> float:
    """Local chroma variation inside `mask` (H, W) bool (the painted area), result over photo:
    1 = as smooth as the photo, above 1 = blotches the photo does not have. Windows that cross
    the mask's edge are left out (the wanted step from painted to unpainted is not mottling)."""
    before, after = chroma_spread(photo, result, mask, width, window)
    return (after + MOTTLE_FLOOR) / (before + MOTTLE_FLOOR)


def chroma_spread(photo: np.ndarray, result: np.ndarray, mask: np.ndarray, width: int = WIDTH,
                  window: int = MOTTLE_WINDOW) -> tuple[float, float]:
    """The mean local chroma variation (Lab units) inside `mask`, of the photo and of the
    result: what `mottling` divides. Its absolute size says whether a high ratio can be seen (a
    near-black ground has almost none, so a fraction of a unit doubles it)."""
    a, b = scaled(photo, width), scaled(result, width)
    inside = cv2.erode(_mask_at(mask, a.shape).astype(np.uint8),
                       np.ones((window, window), np.uint8)) > 0
    if not inside.any():
        return float("nan"), float("nan")
    return (float(chroma_variation(a, window)[inside].mean()),
            float(chroma_variation(b, window)[inside].mean()))


def uniform_recolour(photo: np.ndarray, result: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The cleanest recolour of the painted area that has `result`'s lightness: inside `mask`,
    the photo's own Lab a, b plus one shift for the whole area (the result's mean change), 8-bit
    like every result. Its `mottling` is what an edit scores with no blotches at all: the
    rounding of a brightened, near-neutral dark region to 8 bits alone raises the ratio there.
    """
    a, b = to_lab(photo), to_lab(result)
    shifted = b.copy()
    shifted[..., 1:] = a[..., 1:] + (b[..., 1:][mask] - a[..., 1:][mask]).mean(axis=0)
    rgb = cv2.cvtColor(shifted, cv2.COLOR_LAB2RGB)
    out = result.copy()
    out[mask] = np.clip(rgb[mask] * 255 + 0.5, 0, 255).astype(np.uint8)
    return out


def reach(photo: np.ndarray, result: np.ndarray, mask: np.ndarray, colors: np.ndarray,
          width: int = WIDTH) -> float:
    """The fraction of the Lab distance from the photo's colour to the colour asked for
    (`colors` (H, W, 3) uint8, under `mask`) that the result closed, over the painted area:
    0 = unchanged, 1 = the stroke's colour, negative = farther away than the photo was."""
    a, b, c = (scaled(x, width) for x in (photo, result, colors))
    inside = _mask_at(mask, a.shape)
    if not inside.any():
        return float("nan")
    asked = to_lab(c)[inside]
    before = np.linalg.norm(to_lab(a)[inside] - asked, axis=-1).mean()
    after = np.linalg.norm(to_lab(b)[inside] - asked, axis=-1).mean()
    return float(1 - after / max(before, 1e-6))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 pictures (peak 255); inf when equal."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def spill(photo: np.ndarray, result: np.ndarray, rows: tuple[float, float] = (0.6, 1.0)) -> float:
    """PSNR (dB) of the result against the photo over a band of rows, (top, bottom) fractions of
    the height: by default the lower 40%, far from a stroke across the sky."""
    height = photo.shape[0]
    top, bottom = round(rows[0] * height), round(rows[1] * height)
    return psnr(photo[top:bottom], result[top:bottom])
