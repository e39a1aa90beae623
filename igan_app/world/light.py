"""Light and color: the sky and sun for each time of day and weather, and seasonal albedos."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.world.scene import Scene


def rgb(*c: float) -> np.ndarray:
    """A color shaped (3, 1, 1), to broadcast over channels-first (3, H, W) images."""
    return np.array(c, np.float32).reshape(3, 1, 1)


@dataclass(frozen=True)
class Light:
    sky_top: np.ndarray
    sky_horizon: np.ndarray
    sun: np.ndarray  # direct light color and strength
    ambient: np.ndarray  # light from the sky dome
    glow: np.ndarray  # halo around the sun
    fog: np.ndarray  # color distant things fade into
    fog_density: float  # per unit of depth
    sun_dir: float  # +1: light comes from the right, -1: from the left


_TIME = {
    "day": {"top": rgb(0.20, 0.42, 0.80), "hor": rgb(0.68, 0.80, 0.93), "sun": rgb(1.00, 0.96, 0.88),
                "amb": rgb(0.50, 0.58, 0.72), "glow": rgb(0.45, 0.42, 0.35)},
    "golden": {"top": rgb(0.28, 0.40, 0.68), "hor": rgb(0.98, 0.72, 0.45), "sun": rgb(1.05, 0.72, 0.42),
                   "amb": rgb(0.45, 0.42, 0.50), "glow": rgb(0.75, 0.45, 0.20)},
    "dusk": {"top": rgb(0.10, 0.12, 0.30), "hor": rgb(0.90, 0.46, 0.34), "sun": rgb(0.55, 0.28, 0.22),
                 "amb": rgb(0.26, 0.24, 0.36), "glow": rgb(0.70, 0.30, 0.18)},
}


def scene_light(scene: Scene) -> Light:
    t = _TIME[scene.time]
    top, hor, sun, amb, glow = t["top"], t["hor"], t["sun"], t["amb"], t["glow"]
    brightness = float(np.mean(hor))
    fog_density = 0.012 + 0.02 * scene.haze
    if scene.weather == "overcast":
        grey = rgb(0.62, 0.64, 0.67) * (0.55 + 0.5 * brightness)
        top, hor = 0.25 * top + 0.75 * grey * 0.85, 0.2 * hor + 0.8 * grey * 1.1
        sun, amb, glow = sun * 0.22, amb * 0.6 + grey * 0.55, glow * 0.15
        fog_density *= 1.6
    elif scene.weather == "fog":
        pale = 0.35 * hor + 0.65 * rgb(0.80, 0.82, 0.84) * (0.45 + 0.6 * brightness)
        top, hor = 0.4 * top + 0.6 * pale, pale
        sun, amb, glow = sun * 0.4, amb * 0.7 + pale * 0.4, glow * 0.5
        fog_density = 0.09 + 0.12 * scene.haze
    return Light(sky_top=top, sky_horizon=hor, sun=sun, ambient=amb, glow=glow, fog=hor.copy(),
                 fog_density=float(fog_density), sun_dir=1.0 if scene.sun_x >= 0.5 else -1.0)


_GRASS = {"spring": rgb(0.36, 0.58, 0.20), "summer": rgb(0.30, 0.48, 0.16),
          "autumn": rgb(0.47, 0.48, 0.20), "winter": rgb(0.36, 0.40, 0.26)}
_LEAVES = {"spring": (rgb(0.24, 0.46, 0.16), rgb(0.40, 0.56, 0.22)),
           "summer": (rgb(0.14, 0.32, 0.10), rgb(0.24, 0.40, 0.14)),
           "autumn": (rgb(0.70, 0.36, 0.08), rgb(0.80, 0.62, 0.14)),
           "winter": (rgb(0.30, 0.25, 0.22), rgb(0.38, 0.32, 0.28))}
CONIFER = rgb(0.07, 0.20, 0.11)
WATER_DEEP = rgb(0.05, 0.14, 0.20)
SAND = rgb(0.82, 0.66, 0.44)
ROCK = rgb(0.45, 0.44, 0.43)
SNOW = rgb(0.95, 0.96, 0.98)


def grass_color(season: str) -> np.ndarray:
    return _GRASS[season]


def leaf_colors(season: str) -> tuple[np.ndarray, np.ndarray]:
    """Two deciduous leaf colors a forest varies between."""
    return _LEAVES[season]


def shade(albedo: np.ndarray, light: Light, lit: np.ndarray | float) -> np.ndarray:
    """Diffuse shading: ambient plus direct sun weighted by how much a surface faces it (0 .. 1).

    albedo is (3, n, w) or (3, 1, 1); lit is (n, w) or a number.
    """
    return albedo * (light.ambient * np.float32(0.75) + light.sun * (np.float32(0.85) * lit))
