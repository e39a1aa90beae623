"""The sea coast: open sea to the horizon with swell, whitecaps and surf lines; a beach or rocks in
front, a cliff along one side, a headland in the distance."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from igan_app.world import ground
from igan_app.world import light as lt
from igan_app.world.canvas import Band, Canvas
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.land import CAMERA_HEIGHT, GRASS, MOUNTAIN, ROCK, SAND, SNOW, WATER
from igan_app.world.noise import profile, smoothstep
from igan_app.world.scene import Scene

SEA_SHALLOW = lt.rgb(0.10, 0.34, 0.36)  # turquoise over sand near the beach
FOAM = lt.rgb(0.92, 0.94, 0.95)
CLIFF_ROCKS = ((0.45, 0.44, 0.43), (0.55, 0.47, 0.36), (0.26, 0.25, 0.25), (0.86, 0.85, 0.80))


@dataclass(frozen=True)
class Coast:
    front: float  # row of the shore in front, fraction of the height; beyond 1: sea to the bottom
    front_rock: bool  # rocks along the shore in front instead of a beach
    side: int  # -1: a cliff along the left, 1: along the right, 0: none
    side_at: float  # where the cliff's foot meets the bottom edge, fraction of the half width
    cliff: float  # its height in camera heights; below 1 the top of a low shore is seen
    rock: tuple[float, float, float]  # the cliff's color: grey, ochre, basalt or chalk
    headland: float  # height above the horizon of a far headland, image heights (0: none)
    headland_at: float  # its middle across the picture, 0 (left) .. 1 (right)
    headland_width: float  # fraction of the width
    swell: float  # 0 calm .. 1 rough: wave height, whitecaps, surf
    surf: int  # lines of breaking waves before the front shore
    foreground: Foreground | None = None


def sample_coast(rng: np.random.Generator, scene: Scene) -> Scene:
    h = scene.horizon
    side = int(rng.choice([-1, 0, 1], p=[0.3, 0.4, 0.3]))
    front = float(rng.uniform(h + 0.15, 1.0)) if side == 0 or rng.random() < 0.55 else 1.2
    headland = float(rng.uniform(0.03, 0.09)) if rng.random() < 0.5 else 0.0
    coast = Coast(
        front=front, front_rock=bool(rng.random() < 0.3), side=side,
        side_at=float(rng.uniform(0.6, 1.3)),
        cliff=float(rng.choice([rng.uniform(0.3, 0.8), rng.uniform(1.5, 4.5)], p=[0.15, 0.85])),
        rock=CLIFF_ROCKS[int(rng.choice(len(CLIFF_ROCKS), p=[0.4, 0.25, 0.2, 0.15]))],
        headland=headland, headland_at=float(rng.uniform(0.0, 1.0)),
        headland_width=float(rng.uniform(0.2, 0.6)),
        swell=float(rng.uniform(0.0, 1.0) ** 0.8), surf=int(rng.integers(1, 5)),
    )
    coast = replace(coast, foreground=sample_foreground(rng, scene, 0.2, ("grass", "flowers")))
    return ground.as_kind(scene, "coast", coast, ranges=(), far_forest=0.0, side_forest=0.0,
                          boulders=0, hills=0.0)


def paint_coast(cv: Canvas, rng: np.random.Generator) -> None:
    c: Coast = cv.scene.terrain
    if c.headland > 0:
        _paint_headland(cv, rng, c)
    # The cliff first, over the sky, so that its label holds where its color is near the sea's;
    # the sea and the shore then paint only what lies in front of it.
    if c.side:
        _paint_cliff(cv, rng, c)
    p = ground.plane(cv)
    front = np.float32(c.front) + np.float32(0.02) * profile(rng, cv.w, 2.5 * cv.aspect, 3)
    open_ = cv.depth[p.band.rows] > p.z  # not behind the cliff
    _paint_sea(cv, rng, c, p, front, open_)
    if c.front < 1.0:
        _paint_front_shore(cv, rng, c, p, front, open_)
    paint_foreground(cv, rng, c.foreground)


def _paint_headland(cv: Canvas, rng: np.random.Generator, c: Coast) -> None:
    """A far headland on the horizon: a long hump that drops steeply into the sea at its ends."""
    s, light = cv.scene, cv.light
    # Across the headland from its cape (0, on the side of the open sea) to where it joins land.
    t = (cv.u / np.float32(cv.aspect) - np.float32(c.headland_at)) / np.float32(c.headland_width)
    t = t * np.float32(1.0 if c.headland_at > 0.5 else -1.0) + np.float32(0.5)
    body = np.where(t > 0, np.sqrt(np.clip(t * 6.0, 0.0, 1.0)) * (1.0 - 0.4 * np.clip(t, 0, 1)), 0.0)
    ridge = 0.7 + 0.3 * profile(rng, cv.w, 4.0 * cv.aspect, 4)
    top = np.float32(s.horizon) - np.float32(c.headland) * body * ridge
    band = cv.band(float(top.min()), s.horizon + 0.004)
    texture = cv.noise(rng, band, 20.0, 3)
    slope = np.clip(np.gradient(top) * np.float32(cv.h * light.sun_dir * 2.0), -1.0, 1.0)
    lit = np.clip(0.5 + 0.3 * slope + 0.15 * texture, 0.0, 1.0)
    green = lt.grass_color(s.season) * 0.45 + lt.rgb(*c.rock) * 0.45
    albedo = (lt.SNOW * 0.8 if s.season == "winter" else green) * (0.85 + 0.2 * texture)
    color = lt.shade(albedo, light, lit)
    color += (light.fog - color) * np.float32(0.3)  # miles of sea air
    cv.put(band, (band.v >= top) & (body > 0)[None, :], color, MOUNTAIN, 6.0)


def _paint_sea(cv: Canvas, rng: np.random.Generator, c: Coast, p: ground.Plane,
               front: np.ndarray, open_: np.ndarray) -> None:
    s, light, band = cv.scene, cv.light, p.band
    below = np.maximum(band.v - np.float32(s.horizon), 0.0)  # (n, 1)
    near = smoothstep(0.0, 0.25, below)
    chop = ground.texture(rng, p, 1.5, 16.0, 0.7)
    swell = ground.texture(rng, p, 0.25, 4.0, 3.0)
    waves = 0.6 * chop + 0.4 * swell
    shift = waves * below * np.float32(cv.h * (0.2 + 0.3 * c.swell))
    # Waves scatter the mirror image: the sky's color more than its shapes.
    reflection = 0.5 * ground.mirror(cv, band, s.horizon, shift) + 0.5 * light.sky_horizon
    fresnel = 0.22 + 0.7 * np.exp(-below * np.float32(1.0 / 0.1))
    # How far out to sea from the shore in front, relative to the shore's distance: 0 at the
    # waterline, 1 twice as far; surf lines keep their spacing on the picture at any distance.
    out = (front[None, :] - np.float32(s.horizon)) / np.maximum(below, 1e-3) - 1.0
    # Over the sand in front the sea turns turquoise, as far as its depth lets the floor show.
    shallow = np.exp(-np.maximum(out, 0.0) * 2.5) if c.front <= 1.0 else 0.0
    albedo = lt.WATER_DEEP + (SEA_SHALLOW - lt.WATER_DEEP) * shallow * (0.0 if c.front_rock else 1.0)
    deep = lt.shade(albedo, light, 0.55 + 0.3 * swell)
    sea = deep + (reflection * 0.92 - deep) * fresnel
    # Faces of the waves turned to the viewer are darker than the backs that mirror the sky.
    sea *= 1.0 + (0.18 + 0.2 * c.swell) * waves * near
    if s.weather != "overcast" and s.sun_y > -0.02:
        spread = 0.02 + 0.3 * below
        glitter = np.exp(-(((cv.u[None, :] - np.float32(s.sun_x * cv.aspect)) / spread) ** 2))
        sparkle = np.clip(chop * 3.0 - 0.4, 0.0, 1.0) * glitter * (0.5 if s.time == "day" else 0.9)
        sea += light.sun * sparkle
    foam = smoothstep(0.55 - 0.35 * c.swell, 0.85, chop + 0.5 * swell) * c.swell * near
    if c.front <= 1.0:
        foam = np.maximum(foam, _surf(rng, c, p, out))
    sea += (lt.shade(FOAM, light, 0.8) - sea) * np.clip(foam, 0.0, 1.0)
    cv.put(band, open_, sea, WATER, p.z)
    ground.hold_labels(cv, band, open_)


def _surf(rng: np.random.Generator, c: Coast, p: ground.Plane, out: np.ndarray) -> np.ndarray:
    """Foam of the breaking waves before the front shore: lines that recede in perspective, each
    broken into crests, and the lace of the wash at the waterline."""
    broken = ground.texture(rng, p, 14.0, 3.0, 2.0)
    wander = ground.texture(rng, p, 2.5, 0.5, 5.0)  # a wave breaks earlier here, later there
    foam = np.zeros_like(broken)
    gap = 0.18 + 0.15 * c.swell
    for k in range(c.surf):
        width = (0.04 + 0.04 * c.swell) * (1.0 + 0.3 * np.sin(k * 2.4))
        at = gap * (k + 0.4) * (1.0 + 0.5 * wander * (1.0 if k % 2 else -1.0))
        line = np.exp(-(((out - at) / width) ** 2)) * smoothstep(-0.3 + 0.15 * k, 0.3, broken)
        foam = np.maximum(foam, line * (0.95 - 0.15 * k))
    lace = smoothstep(0.12, 0.0, out) * smoothstep(-0.2, 0.4, broken + 0.3)
    return np.maximum(foam, lace) * (out > -0.01)


def _paint_front_shore(cv: Canvas, rng: np.random.Generator, c: Coast, p: ground.Plane,
                       front: np.ndarray, open_: np.ndarray) -> None:
    s, light, band = cv.scene, cv.light, p.band
    into = band.v - front[None, :]  # image heights below the waterline
    if c.front_rock:
        # Boulders, a metre or two across, on the shore and a few standing out in the surf.
        texture = ground.texture(rng, p, 25.0, 25.0, 1.5)
        rocks = (texture + 0.8 * smoothstep(-0.04, 0.1, into) > 0.25) & (into > -0.05)
        relief = (texture - np.roll(texture, 1, axis=1)) * np.float32(cv.h / 40.0)
        top = texture - np.roll(texture, 1, axis=0)  # faces turned up catch the sky
        lit = np.clip(0.45 + relief * light.sun_dir + top * np.float32(cv.h / 60.0)
                      + 0.5 * (texture - 0.3), 0.03, 1.0)
        albedo = lt.rgb(*c.rock) * (0.8 + 0.3 * texture)
        cv.put(band, rocks & open_, lt.shade(albedo, light, lit), ROCK, p.z)
        ground.hold_labels(cv, band, rocks & open_)  # dark rock in dark water is still rock
        return
    texture = ground.texture(rng, p, 9.0, 9.0, 1.5)
    wet = smoothstep(0.05, 0.0, into)
    reflection = ground.mirror(cv, band, s.horizon, texture * 2.0)
    sand = lt.shade(lt.SAND * (0.95 + 0.1 * texture) * (1.0 - 0.35 * wet), light,
                    0.7 + 0.1 * texture)
    sand += (reflection * 0.5 - sand) * wet * 0.35
    cover = ground.coverage(-into * np.float32(cv.h)) * open_
    cv.put(band, cover, sand, SAND, p.z)
    ground.hold_labels(cv, band, cover)


def _paint_cliff(cv: Canvas, rng: np.random.Generator, c: Coast) -> None:
    """A cliff along one side, receding to the horizon: a wall seen from its foot in the sea.

    Its foot runs straight to the vanishing point (bays aside); a column that sees the wall at
    distance z sees it from the waterline, CAMERA_HEIGHT / z below the horizon, to its top,
    (cliff - 1) times that above.
    """
    s, light = cv.scene, cv.light
    slope = np.float32(c.side_at * 0.5 * cv.aspect / max(1.0 - s.horizon, 1e-3))
    off = (cv.u - np.float32(0.5 * cv.aspect)) * np.float32(c.side)
    below = off / slope * (1.0 + 0.12 * profile(rng, cv.w, 3.0 * cv.aspect, 3))  # foot, (w,)
    below = np.maximum(below, 0.0)
    # The cliff rises and falls along the coast (capes and coves) and its edge is ragged.
    rises = 0.75 + 0.45 * profile(rng, cv.w, 2.0 * cv.aspect, 2)
    ragged = 0.12 * profile(rng, cv.w, 8.0 * cv.aspect, 4)
    top = np.float32(s.horizon) + below * (1.0 - np.float32(c.cliff) * rises - ragged)
    foot = np.float32(s.horizon) + below
    seen = below > 0.5 / cv.h
    band = cv.band(float(np.where(seen, top, 1.0).min()), 1.0)
    z = np.float32(CAMERA_HEIGHT) / np.maximum(below, 1e-3)  # (w,) distance of the wall
    height = (foot[None, :] - band.v) * z  # (n, w) above the waterline, ground units
    rough = ground.laid(rng, np.broadcast_to(z * np.float32(18.0), height.shape),
                        height * np.float32(14.0))
    gullies = ground.laid(rng, np.broadcast_to(z * np.float32(30.0), height.shape),
                          height * np.float32(7.0))
    strata = ground.laid(rng, np.broadcast_to(z * np.float32(2.0), height.shape),
                         height * np.float32(40.0))
    facets = ground.laid(rng, np.broadcast_to(z * np.float32(6.0), height.shape),
                         height * np.float32(5.0))  # buttresses and hollows of the face
    wall = (band.v >= top[None, :]) & seen[None, :]
    facing = float(-c.side * light.sun_dir)  # 1: the wall faces the sun
    relief = (gullies - np.roll(gullies, 1, axis=1)) * np.float32(cv.h / 25.0 * light.sun_dir)
    wet = smoothstep(0.25, 0.0, height / np.float32(CAMERA_HEIGHT))  # dark rock the waves wash
    lit = np.clip(0.45 + 0.3 * facing + np.clip(relief, -0.12, 0.12) + 0.25 * rough + 0.1 * strata
                  + 0.45 * facets - 0.35 * wet,
                  0.03, 1.0)
    albedo = lt.rgb(*c.rock) * (0.75 + 0.15 * strata + 0.15 * rough + 0.15 * gullies)
    depth = np.broadcast_to(z[None, :], height.shape)
    cv.put(band, wall, lt.shade(albedo, light, lit), ROCK, depth)
    if c.cliff < 1.0:
        # A low shore: its top is seen, level ground from the edge to the horizon.
        plateau = (band.v >= np.float32(s.horizon)) & (band.v < top[None, :]) & seen[None, :]
        _paint_cap(cv, band, plateau, rough, depth)
    else:
        cap = wall & (band.v < top[None, :] + below[None, :] * np.float32(0.05 * c.cliff)) \
            & (rough > -0.3)
        _paint_cap(cv, band, cap, rough, depth)


def _paint_cap(cv: Canvas, band: Band, where: np.ndarray, rough: np.ndarray,
               depth: np.ndarray) -> None:
    """Grass on top of the cliff (snow in winter)."""
    s, light = cv.scene, cv.light
    winter = s.season == "winter"
    albedo = (lt.SNOW if winter else lt.grass_color(s.season)) * (0.8 + 0.4 * rough)
    cv.put(band, where, lt.shade(albedo, light, np.clip(0.45 + 0.4 * rough, 0, 1)),
           SNOW if winter else GRASS, depth)
