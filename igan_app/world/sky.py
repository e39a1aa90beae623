"""Sky gradient, sun and clouds."""

from __future__ import annotations

import numpy as np

from igan_app.world.canvas import SKY_DEPTH, Canvas
from igan_app.world.noise import smoothstep
from igan_app.world.palette import label_id

SKY, CLOUD = label_id("sky"), label_id("cloud")


def paint_sky(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    band = cv.band(0.0, s.horizon + 0.05)  # a little past the horizon: nearer layers cover it
    t = np.clip(band.v / max(s.horizon, 1e-3), 0.0, 1.0) ** 0.8  # (n, 1)
    du = cv.u[None, :] - np.float32(s.sun_x * cv.aspect)
    dv = band.v - np.float32(s.horizon - s.sun_y)
    d = np.sqrt(du * du + dv * dv)  # distance to the sun, in image heights
    halo = np.exp(-d * (1.0 / 0.22)) * (0.6 if s.weather == "clear" else 0.35)
    if s.time != "day":  # warm light pools along the horizon at golden hour and dusk
        halo = halo + 0.25 * np.exp(-np.maximum(s.horizon - band.v, 0.0) * (1.0 / 0.12))
    color = light.sky_top + (light.sky_horizon - light.sky_top) * t + light.glow * halo
    if s.weather == "clear" and s.sun_y > 0.0:
        disc = smoothstep(0.030, 0.022, d)
        color = color + (light.sun * 1.2 - color) * disc
    cv.rgb[:, band.rows] = color
    cv.labels[band.rows] = SKY


def paint_clouds(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    if s.clouds <= 0.02:
        return
    band = cv.band(0.0, s.horizon)
    density = cv.noise(rng, band, s.cloud_cells, 6, stretch=2.6, gain=0.55)
    threshold = 0.30 - 0.55 * s.clouds
    # Clouds near the horizon are seen edge-on: thinner and flatter.
    thin = smoothstep(s.horizon, s.horizon - 0.25, band.v)
    alpha = smoothstep(threshold, threshold + 0.22, density) * (0.35 + 0.65 * thin)
    # The side of a cloud facing the sun is lit; the far side and the thick belly are in shadow.
    k = max(1, cv.h // 40)
    toward_sun = np.roll(np.roll(density, k, axis=0), -k * int(light.sun_dir), axis=1)
    lit = np.clip(0.55 + 6.0 * (density - toward_sun), 0.0, 1.0)
    lit *= 1.0 - 0.45 * smoothstep(threshold + 0.1, threshold + 0.6, density)
    if s.weather == "overcast":
        lit = 0.35 + 0.3 * lit
    bright = light.sun * 0.95 + light.ambient * 0.35 + light.glow * 0.3
    dark = light.ambient * 0.75 + light.sky_horizon * 0.15
    cv.put(band, alpha, dark + (bright - dark) * lit, CLOUD, SKY_DEPTH)
