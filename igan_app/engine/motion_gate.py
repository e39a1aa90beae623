"""Confident motion: the part of the frames' accumulated flow that the guided transfer moves the
photo by.

The flow between generated frames is noisy where the generator's pictures change in ways that
are not motion (a texture redrawn, a cloud fading): carried onto the photo, that noise bends its
straight lines. So the motion is kept only where the accumulated field agrees with the one
accumulated backwards (forward-backward consistency: going from frame T to frame 0 and back
lands where it started), and smoothed, so that what moves the photo is a coherent displacement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from igan_app.engine.edit_field import EditField, accumulate
from igan_app.engine.flow import DEFAULT_FLOW_METHOD, pixel_grid, sample


@dataclass(frozen=True)
class MotionConfig:
    """tolerance: forward-backward error (model pixels) at which a pixel keeps e^-1/2 (61%)
    of its motion; smooth: Gaussian sigma (model pixels) of the kept motion."""

    tolerance: float = 0.5
    smooth: float = 1.5


def confident_motion(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW_METHOD,
                     config: MotionConfig = MotionConfig()) -> tuple[EditField, np.ndarray]:
    """The accumulated motion from frames[0] to frames[-1], kept where it is confident and
    smoothed: an EditField with no color change, and the confidence (h, w) float32 in [0, 1].
    """
    import cv2

    *_, forward = accumulate(frames, method)
    *_, backward = accumulate(list(frames)[::-1], method)
    height, width = forward.size
    grid = pixel_grid(height, width)
    # forward.source(x): where frame T's pixel x came from in frame 0; backward.source(p):
    # where frame 0's pixel p went in frame T. Consistent motion returns to x.
    error = np.linalg.norm(sample(backward.source, forward.source) - grid, axis=-1)
    confidence = np.exp(-0.5 * (error / config.tolerance) ** 2).astype(np.float32)
    shift = (forward.source - grid) * confidence[..., None]
    if config.smooth > 0:
        shift = cv2.GaussianBlur(shift, (0, 0), config.smooth, borderType=cv2.BORDER_REPLICATE)
    identity = EditField.identity(height, width)
    return EditField(grid + shift, identity.color), confidence


__all__ = ["MotionConfig", "confident_motion"]
