"""A river winding from the distance to the viewer's feet through a valley, between banks of sand,
shingle or grass, mirroring the sky and the far shore."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.world import ground
from igan_app.world import light as lt
from igan_app.world.canvas import Canvas
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.land import ROCK, SAND, WATER
from igan_app.world.noise import smoothstep
from igan_app.world.scene import Scene

TINTS = ((0.05, 0.14, 0.20), (0.10, 0.16, 0.12), (0.16, 0.14, 0.10))  # clear, green, muddy


@dataclass(frozen=True)
class River:
    course: ground.Ribbon
    bank: str  # "sand", "shingle" (rock) or "grass" (the meadow reaches the water)
    bank_width: float  # ground units on each side
    tint: tuple[float, float, float]  # the water's own color under the reflection
    flow: float  # 0 still .. 1 fast: longer ripples along the current, white water
    foreground: Foreground | None = None


def sample_river(rng: np.random.Generator, scene: Scene) -> Scene:
    course = ground.sample_ribbon(rng, 1.0, float(rng.uniform(0.025, 0.07)), 0.35)
    river = River(
        course=course, bank=str(rng.choice(["sand", "shingle", "grass"], p=[0.4, 0.25, 0.35])),
        bank_width=float(rng.uniform(0.006, 0.02)),
        tint=TINTS[int(rng.choice(len(TINTS), p=[0.5, 0.3, 0.2]))],
        flow=float(rng.uniform(0.0, 1.0)),
        foreground=sample_foreground(rng, scene, 0.45, ("reeds", "reeds", "grass", "flowers")),
    )
    return ground.as_kind(scene, "river", river, side_forest=0.0, boulders=0)


def paint_river(cv: Canvas, rng: np.random.Generator) -> None:
    """The valley, the river's banks, its water, what grows in front."""
    ground.paint_backdrop(cv, rng)
    s, light = cv.scene, cv.light
    r: River = s.terrain
    p = ground.plane(cv)
    band = p.band
    if r.bank != "grass":
        texture = ground.texture(rng, p, 40.0, 40.0, 1.0)
        d_bank = ground.ribbon_distance(cv, p, r.course, widen=r.bank_width) + 1.5 * texture
        if r.bank == "sand":
            color = lt.shade(lt.SAND * (0.85 + 0.15 * texture), light, 0.65 + 0.15 * texture)
            cv.put(band, ground.coverage(d_bank), color, SAND, p.z)
        else:
            lit = np.clip(0.5 + 0.6 * texture, 0.05, 1.0)
            color = lt.shade(lt.ROCK * (0.85 + 0.3 * texture), light, lit)
            cv.put(band, ground.coverage(d_bank), color, ROCK, p.z)

        ground.hold_labels(cv, band, ground.coverage(d_bank))
    d = ground.ribbon_distance(cv, p, r.course)
    below = np.maximum(band.v - np.float32(s.horizon), 0.0)
    ripple = ground.texture(rng, p, 8.0 + 10.0 * (1.0 - r.flow), 30.0, 1.5)
    shift = ripple * below * np.float32(cv.h * (0.06 + 0.12 * r.flow))
    reflection = ground.mirror(cv, band, s.horizon, shift)
    fresnel = 0.3 + 0.6 * np.exp(-below * np.float32(1.0 / 0.15))
    deep = lt.shade(lt.rgb(*r.tint), light, 0.6)
    water = deep + (reflection * 0.9 - deep) * fresnel
    water *= 1.0 + 0.15 * ripple * smoothstep(0.0, 0.2, below)
    if s.weather != "overcast" and s.sun_y > -0.02:
        spread = 0.02 + 0.25 * below
        glitter = np.exp(-(((cv.u[None, :] - np.float32(s.sun_x * cv.aspect)) / spread) ** 2))
        water += light.sun * np.clip(ripple * 2.5 - 0.3, 0.0, 1.0) * glitter * 0.6
    # Fast water breaks white over stones and along the banks.
    white = smoothstep(0.75 - 0.3 * r.flow, 1.0, ripple + 0.4 * smoothstep(-4.0, 0.0, d)) * r.flow
    water += (lt.shade(lt.rgb(0.9, 0.92, 0.93), light, 0.8) - water) * white
    water *= 1.0 - 0.3 * smoothstep(-3.0, 0.0, d)  # the bank's shadow and dark reflection
    cv.put(band, ground.coverage(d), water, WATER, p.z)
    ground.hold_labels(cv, band, ground.coverage(d))
    paint_foreground(cv, rng, r.foreground)
