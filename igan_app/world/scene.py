"""What a scene is made of: its layout, time of day, weather and season, drawn from a seed.

The parameters are independent of the image size, so one seed is one scene at any resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

TIMES = ("day", "golden", "dusk")
WEATHERS = ("clear", "overcast", "fog")
SEASONS = ("spring", "summer", "autumn", "winter")


@dataclass(frozen=True)
class Range:
    """One mountain range; ranges are listed far to near."""

    distance: float  # 0 (near) .. 1 (far): drives haze and blue shift
    height: float  # peak height above the horizon, in image heights
    cells: float  # ridge features across one image height
    tint: tuple[float, float, float]  # rock color before lighting
    snow: float  # 0: no snow; 1: snow reaches far down the flanks
    rocky: float  # share of bare rock on the flanks (only shown on the nearest range)
    forest: float  # how high the forest climbs up the flanks (0 none .. 1 high)


@dataclass(frozen=True)
class Scene:
    time: str
    weather: str
    season: str
    horizon: float  # horizon row, as a fraction of the height from the top
    sun_x: float  # sun position across the image, 0 (left) .. 1 (right)
    sun_y: float  # sun height above the horizon, in image heights (negative: set)
    clouds: float  # cloud cover 0 .. 1
    cloud_cells: float
    ranges: tuple[Range, ...]
    desert: bool  # dunes instead of grass; no lake, no forest
    lake: bool
    lake_far: float  # far shore strip height below the horizon, in image heights
    shore: float  # near shore row (fraction of height), beyond 1 means the lake fills the bottom
    shore_wave: float
    beach: float  # sand band width below the shore, in image heights (0: none)
    rock_shore: bool
    far_forest: float  # height of the forest band on the horizon (0: none)
    side_forest: float  # 0: none; otherwise how far in the side forest reaches (fraction of width)
    side_left: bool
    conifer: float  # share of conifers among trees
    boulders: int
    hills: float  # height of rolling green hills on the horizon, in image heights (0: none)
    haze: float  # aerial perspective strength
    # The broad world (world/broad.py) only: which kind of land the scene shows (world/kinds.py)
    # and that kind's own parameters; the classic world is always a valley.
    kind: str = "valley"
    terrain: Any = None
    # The broad world only: its sky style ("classic" keeps the classic sky and light; the others
    # are world/broad_sky.py's STYLES) and that style's look (a broad_sky.SkyLook); the camera's
    # framing (a camera.Camera) and the photograph's colour grading (a grading.Grade).
    sky: str = "classic"
    sky_look: Any = None
    camera: Any = None
    grade: Any = None


def sample_scene(rng: np.random.Generator) -> Scene:
    """Draw one scene's parameters."""
    time = str(rng.choice(TIMES, p=[0.55, 0.27, 0.18]))
    weather = str(rng.choice(WEATHERS, p=[0.55, 0.28, 0.17]))
    season = str(rng.choice(SEASONS, p=[0.22, 0.34, 0.24, 0.20]))
    desert = bool(rng.random() < 0.10) and season != "winter"
    horizon = float(rng.uniform(0.40, 0.66))

    sun_y = {"day": rng.uniform(0.25, 0.45), "golden": rng.uniform(0.03, 0.14),
             "dusk": rng.uniform(-0.06, 0.02)}[time]
    clouds = {"clear": rng.uniform(0.0, 0.55), "overcast": rng.uniform(0.75, 1.0),
              "fog": rng.uniform(0.2, 0.8)}[weather]

    n_ranges = int(rng.choice([0, 1, 2, 3], p=[0.06, 0.30, 0.40, 0.24]))
    ranges = []
    for i in range(n_ranges):
        distance = 1.0 - i / max(n_ranges, 2) if n_ranges > 1 else rng.uniform(0.2, 0.7)
        near = 1.0 - distance
        hue = rng.uniform(0, 1)
        base = np.array([0.42, 0.38, 0.36]) if hue < 0.45 else (
            np.array([0.48, 0.40, 0.32]) if hue < 0.8 else np.array([0.52, 0.36, 0.28]))
        base = np.clip(base * rng.uniform(0.8, 1.15), 0, 1)
        high = rng.random() < 0.55
        snow = 0.0
        if high or season == "winter":
            snow = rng.uniform(0.2, 0.6) + (0.4 if season == "winter" else 0.0)
        ranges.append(Range(
            distance=float(distance),
            height=float(rng.uniform(0.14, 0.34) * (0.6 + 0.7 * near) * (1.3 if high else 0.8)),
            cells=float(rng.uniform(1.0, 2.6)),
            tint=tuple(float(c) for c in base),
            snow=float(snow),
            rocky=float(rng.uniform(0.0, 0.7)),
            forest=float(rng.uniform(0.0, 0.7) if not desert else 0.0),
        ))

    lake = (not desert) and bool(rng.random() < 0.62)
    shore = float(rng.uniform(horizon + 0.12, 1.15)) if lake else 1.0
    return Scene(
        time=time, weather=weather, season=season, horizon=horizon,
        sun_x=float(rng.uniform(0.1, 0.9)), sun_y=float(sun_y),
        clouds=float(clouds), cloud_cells=float(rng.uniform(1.5, 4.0)),
        ranges=tuple(ranges), desert=desert, lake=lake,
        lake_far=float(rng.uniform(0.0, 0.05)) if lake else 0.0,
        shore=shore, shore_wave=float(rng.uniform(0.01, 0.06)),
        beach=float(rng.uniform(0.015, 0.06)) if lake and rng.random() < 0.45 else 0.0,
        rock_shore=bool(lake and rng.random() < 0.2),
        far_forest=float(rng.uniform(0.02, 0.08)) if not desert and rng.random() < 0.6 else 0.0,
        side_forest=float(rng.uniform(0.15, 0.45)) if not desert and rng.random() < 0.3 else 0.0,
        side_left=bool(rng.random() < 0.5),
        conifer=float(rng.uniform(0, 1)),
        boulders=int(rng.integers(0, 5)) if not desert and rng.random() < 0.35 else 0,
        haze=float(rng.uniform(0.5, 1.0)),
        hills=float(rng.uniform(0.02, 0.10)) if not desert and rng.random() < 0.5 else 0.0,
    )
