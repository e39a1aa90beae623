"""The broad world's last step: a photograph's colour, as a camera and its owner leave it.

White balance, exposure, contrast, saturation, vignetting and sensor noise, each drawn per scene
so that the world's pictures spread over the range landscape photographs cover (measured against
the real-photo evaluation set). Grading changes colours only, never a label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from igan_app.world.scene import Scene

# Rec. 601 luma weights, as (3, 1, 1) for channels-first images.
LUMA = np.array([0.299, 0.587, 0.114], np.float32).reshape(3, 1, 1)


@dataclass(frozen=True)
class Grade:
    warmth: float  # white balance: > 0 warmer (red up, blue down), < 0 cooler; about -0.2 .. 0.2
    tint: float  # < 0 towards magenta, > 0 towards green; small
    exposure: float  # in stops
    contrast: float  # slope of the tone curve at mid grey: 1 leaves it
    saturation: float  # 1 leaves it, 0 is grey
    vignette: float  # how much darker the corners are, 0 .. 1
    noise: float  # sensor noise, standard deviation in 0..1 units


def sample_grade(rng: np.random.Generator, scene: Scene) -> Scene:
    """`scene` with a grade drawn for it: photographs have more contrast than the world's paint
    and are a little less saturated; a few are flat (haze, a dull day) or cool (shade, snow)."""
    warmth = rng.normal(-0.02, 0.08)
    if scene.sky in ("sunset", "blue_hour", "night"):
        warmth *= 0.5  # their colour is the point: do not undo it
    grade = Grade(
        warmth=float(np.clip(warmth, -0.2, 0.2)),
        tint=float(np.clip(rng.normal(0.0, 0.02), -0.05, 0.05)),
        exposure=float(np.clip(rng.normal(0.0, 0.3), -0.8, 0.7)),
        contrast=float(np.clip(rng.lognormal(np.log(1.25), 0.18), 0.8, 1.8)),
        saturation=float(np.clip(rng.lognormal(np.log(0.95), 0.2), 0.55, 1.6)),
        vignette=float(rng.uniform(0.0, 0.45) if rng.random() < 0.6 else 0.0),
        noise=float(rng.uniform(0.002, 0.012) * (2.0 if scene.sky == "night" else 1.0)),
    )
    return replace(scene, grade=grade)


def apply_grade(rgb: np.ndarray, grade: Grade | None, rng: np.random.Generator) -> np.ndarray:
    """(3, h, w) float colours graded; `rng` draws the noise."""
    if grade is None:
        return rgb
    h, w = rgb.shape[1:]
    gains = np.array([1.0 + grade.warmth, 1.0 + grade.tint, 1.0 - grade.warmth], np.float32)
    # A tone curve in a square-root (gamma-like) space: a line through the picture's own mean
    # with slope `contrast`, so that contrast does not also darken a dark picture.
    v = np.sqrt(np.maximum(rgb * (gains * np.float32(2.0 ** grade.exposure)).reshape(3, 1, 1), 0.0))
    pivot = np.float32(v.mean(axis=(1, 2)) @ LUMA.reshape(3))
    v *= np.float32(grade.contrast)
    v += pivot * np.float32(1.0 - grade.contrast)
    np.maximum(v, 0.0, out=v)
    out = v * v
    luma = np.tensordot(LUMA.reshape(3), out, axes=1)
    out *= np.float32(grade.saturation)
    out += luma * np.float32(1.0 - grade.saturation)
    if grade.vignette > 0:
        y = (np.arange(h, dtype=np.float32) - (h - 1) / 2.0) / np.float32(h)
        x = (np.arange(w, dtype=np.float32) - (w - 1) / 2.0) / np.float32(h)
        r2 = (y[:, None] ** 2 + x[None, :] ** 2) / np.float32(0.25 + 0.25 * (w / h) ** 2)
        out *= 1.0 - np.float32(grade.vignette) * r2 * np.sqrt(r2)
    if grade.noise > 0:
        # Luminance noise, stronger in the shadows as a sensor's is.
        grain = rng.standard_normal((h, w), dtype=np.float32)
        grain *= np.float32(1.2 * grade.noise) - np.float32(0.6 * grade.noise) * np.minimum(luma, 1.0)
        out += grain
    return out
