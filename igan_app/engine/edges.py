"""Edge sketches: the input of edges → image models, made from a picture the way a person would
draw it (dark lines on white).

Lines come from Canny on a smoothed luminance, with thresholds set from the picture's own
gradient strength, so that dark dusk scenes and bright snowfields give sketches of similar
density. Lines are thickened to about 1/128 of the image side, so a sketch drawn with a brush
in the paint view looks like the ones the model learned from.
"""

from __future__ import annotations

import cv2
import numpy as np

INK, PAPER = 0, 255


def edge_map(image: np.ndarray, *, density: float = 1.0) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 sketch: black lines on white.

    density scales how many edges are kept (higher: more, weaker edges).
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"an RGB image is (H, W, 3), got shape {image.shape}")
    side = min(image.shape[:2])
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    gray = cv2.GaussianBlur(gray, (0, 0), max(0.8, side / 110))
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    strength = np.hypot(gx, gy)
    high = float(np.percentile(strength, 100 - 12 * density))
    high = max(high, 40.0)
    lines = cv2.Canny(gray, high * 0.4, high, L2gradient=True)
    width = max(1, round(side / 128))
    if width > 1:
        lines = cv2.dilate(lines, np.ones((width, width), np.uint8))
    sketch = np.where(lines > 0, INK, PAPER).astype(np.uint8)
    return np.repeat(sketch[..., None], 3, axis=2)
