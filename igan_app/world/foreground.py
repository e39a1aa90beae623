"""Vegetation right in front of the camera, which any kind of land may add: grass stalks, reeds
with their seed heads, flowers; it stands along the bottom edge and covers part of the picture.

Stalks are drawn as anti-aliased curves with OpenCV, in three rows from back (shorter, lighter)
to front (taller, darker); their shapes are drawn in image heights, so a scene keeps its
foreground at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.world import light as lt
from igan_app.world.canvas import Band, Canvas
from igan_app.world.land import GRASS
from igan_app.world.scene import Scene

STYLES = ("grass", "flowers", "reeds")
DEPTH = 0.08  # nearer than any ground: fog does not touch it
FLOWER_COLORS = ((0.95, 0.95, 0.92), (0.95, 0.80, 0.15), (0.85, 0.12, 0.10), (0.55, 0.35, 0.80))
STRAW = (0.62, 0.55, 0.34)
SEED_HEAD = (0.30, 0.20, 0.12)


@dataclass(frozen=True)
class Foreground:
    style: str  # one of STYLES
    height: float  # of the tallest stalks, fraction of the image height
    density: float  # stalks, relative (1: a meadow's edge)
    lean: float  # the wind's bend: the tip's sideways shift per unit of stalk length
    side: float  # 0: along the whole bottom; +-1: gathered at the right / left
    dry: float  # 0 green .. 1 straw
    flowers: tuple[int, ...]  # FLOWER_COLORS used (flowers style only)


def sample_foreground(rng: np.random.Generator, scene: Scene, chance: float,
                      styles: tuple[str, ...] = STYLES) -> Foreground | None:
    """A foreground for `scene` with probability `chance`, its style one of `styles`."""
    if rng.random() >= chance:
        return None
    style = str(rng.choice(styles))
    dry = {"spring": 0.0, "summer": 0.25, "autumn": 0.6, "winter": 0.9}[scene.season]
    return Foreground(
        style=style,
        height=float(rng.uniform(0.12, 0.3) * (1.8 if style == "reeds" else 1.0)),
        density=float(rng.uniform(0.5, 1.5)),
        lean=float(rng.normal(0.0, 0.25)),
        side=float(rng.choice([0.0, 1.0, -1.0], p=[0.5, 0.25, 0.25])),
        dry=float(np.clip(dry + rng.uniform(-0.2, 0.3), 0.0, 1.0)),
        flowers=tuple(int(i) for i in rng.choice(len(FLOWER_COLORS), int(rng.integers(1, 3)),
                                                  replace=False)),
    )


def paint_foreground(cv: Canvas, rng: np.random.Generator, fg: Foreground | None) -> None:
    if fg is None:
        return
    s, light = cv.scene, cv.light
    n = int(fg.density * cv.aspect * (130 if fg.style == "reeds" else 160))
    base = rng.uniform(-0.05, cv.aspect + 0.05, n)
    # Gathered at one side: stalks are fewer and shorter away from it.
    toward = base / cv.aspect if fg.side > 0 else 1.0 - base / cv.aspect
    reach = np.clip(1.6 * toward - 0.2, 0.0, 1.0) if fg.side else np.ones(n)
    length = fg.height * rng.uniform(0.35, 1.0, n) * reach
    bend = fg.lean + rng.normal(0.0, 0.15, n)
    row = rng.integers(0, 3, n)  # 0 back .. 2 front
    length *= 0.7 + 0.15 * row
    green = lt.grass_color(s.season).reshape(3)
    albedo = green + (np.array(STRAW, np.float32) - green) * np.float32(fg.dry)
    top = float(1.0 - length.max(initial=0.0)) - 0.02
    band = cv.band(top, 1.0)
    texture = cv.noise(rng, band, 40.0, 2)
    scale = 4.0 * cv.h  # image heights to OpenCV's fixed-point pixels (shift=2)
    t = np.linspace(0.0, 1.0, 6)[None, :]
    xs = (base[:, None] + bend[:, None] * length[:, None] * t**2) * scale
    ys = (1.02 - length[:, None] * t - band.rows.start / cv.h) * scale
    curves = np.stack([xs, ys], axis=-1).astype(np.int32)  # (n, 6, 2)
    thick = max(1, round(cv.h * (0.005 if fg.style == "reeds" else 0.004)))
    backlit = 0.35 if s.time != "day" and s.weather == "clear" else 0.0
    for r in range(3):
        mask = np.zeros((band.n, cv.w), np.uint8)
        cv2.polylines(mask, list(curves[row == r]), False, 255, thick + (r == 2), cv2.LINE_AA, 2)
        cover = mask.astype(np.float32) * np.float32(1.0 / 255.0)
        tone = lt.rgb(*albedo) * (0.75 + 0.12 * r) * (0.85 + 0.3 * texture) * (1.25 - 0.25 * r)
        lit = np.clip(0.55 - 0.12 * r + 0.2 * texture + backlit, 0.0, 1.0)
        cv.put(band, cover, lt.shade(tone, light, lit), GRASS, DEPTH)
    if fg.style == "flowers":
        _heads(cv, band, curves, rng.random(n) < 0.35, [FLOWER_COLORS[i] for i in fg.flowers],
               rng, 0.012)
    elif fg.style == "reeds":
        _heads(cv, band, curves, rng.random(n) < 0.5, [SEED_HEAD], rng, 0.011, elongated=True)


def _heads(cv: Canvas, band: Band, curves: np.ndarray, chosen: np.ndarray,
           colors: list[tuple[float, float, float]], rng: np.random.Generator, size: float,
           elongated: bool = False) -> None:
    """Blossoms (dots) or reed seed heads (short thick strokes) at the tips of chosen stalks."""
    light = cv.light
    group = rng.integers(0, len(colors), len(curves))
    thick = max(1, round(cv.h * size))
    for i, color in enumerate(colors):
        tips = curves[chosen & (group == i)]
        if not len(tips):
            continue
        # A seed head is the top stretch of the stalk; a blossom a dot at its tip.
        heads = [c[-2:] for c in tips] if elongated else [np.repeat(c[-1:], 2, axis=0) for c in tips]
        mask = np.zeros((band.n, cv.w), np.uint8)
        cv2.polylines(mask, heads, False, 255, thick, cv2.LINE_AA, 2)
        cover = mask.astype(np.float32) * np.float32(1.0 / 255.0)
        cv.put(band, cover, lt.shade(lt.rgb(*color), light, 0.7), GRASS, DEPTH)
