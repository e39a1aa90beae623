"""Mountains, the ground (meadow, snow or dunes), the lake with its reflections, shores, boulders."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.world import light as lt
from igan_app.world.canvas import Band, Canvas
from igan_app.world.noise import fbm, profile, smoothstep
from igan_app.world.palette import label_id
from igan_app.world.scene import Range

MOUNTAIN, SNOW, ROCK = label_id("mountain"), label_id("snow"), label_id("rock")
WATER, SAND, GRASS = label_id("water"), label_id("sand"), label_id("grass")
CAMERA_HEIGHT = 0.06  # ground depth is CAMERA_HEIGHT / (distance below the horizon)
MAX_GROUND_DEPTH = 3.5  # the plain ends at the foot of the mountains (depth 4 and beyond)


def ground_depth(cv: Canvas, band: Band) -> np.ndarray:
    """(n, 1) distance to the ground plane for each row of the band (large at the horizon)."""
    below = np.maximum(band.v - np.float32(cv.scene.horizon), np.float32(CAMERA_HEIGHT / MAX_GROUND_DEPTH))
    return np.float32(CAMERA_HEIGHT) / below


def paint_mountains(cv: Canvas, rng: np.random.Generator) -> None:
    """Paint the scene's ranges far to near.

    The ranges share one set of flank textures, each shifted sideways by its own random amount:
    the eye does not match textures across ranges of different haze, and it saves most of the time.
    """
    s = cv.scene
    if not s.ranges:
        return
    tops = []
    for r in s.ranges:
        ridge = profile(rng, cv.w, r.cells * cv.aspect, 7, ridged=True, gain=0.45)
        envelope = profile(rng, cv.w, 0.6 * cv.aspect, 2)
        shape = np.clip(0.45 * (ridge * 0.5 + 0.5) + 0.55 * (envelope * 0.5 + 0.5), 0.0, 1.0)
        tops.append(np.float32(s.horizon) - np.float32(r.height) * (0.12 + 0.88 * shape) ** 1.3)
    band = cv.band(float(min(t.min() for t in tops)), s.horizon + 0.03)
    cells = 7.0
    flanks = _Flanks(
        gully=cv.noise(rng, band, cells, 5, stretch=0.35, ridged=True),
        detail=cv.noise(rng, band, cells * 2.5, 4),
        crag=cv.noise(rng, band, cells * 1.5, 4, ridged=True),
        cells=cells,
    )
    for r, top in zip(s.ranges, tops):
        _paint_range(cv, band, r, top, flanks.shifted(int(rng.integers(cv.w))),
                     nearest=r is s.ranges[-1])


@dataclass(frozen=True)
class _Flanks:
    gully: np.ndarray  # vertical streaks: ridges and gullies running down the slopes
    detail: np.ndarray
    crag: np.ndarray
    cells: float

    def shifted(self, dx: int) -> _Flanks:
        return _Flanks(*(np.roll(a, dx, axis=1) for a in (self.gully, self.detail, self.crag)),
                       cells=self.cells)


def _paint_range(cv: Canvas, band: Band, r: Range, top: np.ndarray, f: _Flanks, *,
                 nearest: bool) -> None:
    s, light, v = cv.scene, cv.light, band.v
    inside = v >= top
    rel = np.clip((v - top) / np.maximum(np.float32(s.horizon) - top, 1e-3), 0.0, 1.0)

    # A crest falling to the right faces right; gullies carry that light and shadow down the flank.
    face = np.clip(np.gradient(top) * (cv.h * light.sun_dir * 2.0), -1.0, 1.0)
    across = (f.gully - np.roll(f.gully, 1, axis=1)) * np.float32(cv.h / f.cells * 0.35 * light.sun_dir)
    lit = 0.5 + 0.42 * face * np.exp(-2.0 * rel) + np.clip(across, -0.4, 0.4) + 0.1 * f.gully
    lit = np.clip(0.5 + (lit - 0.5) * (1.0 - 0.55 * r.distance), 0.0, 1.0)

    albedo = lt.rgb(*r.tint) * (0.85 + 0.22 * f.detail)
    forest = rel > 1.0 - r.forest * (0.75 + 0.35 * f.gully)
    if r.forest > 0:
        conifers = lt.CONIFER * (1.1 + 0.3 * r.distance) * (0.8 + 0.4 * f.detail)
        albedo = np.where(forest, conifers, albedo)
    depth = 4.0 + 16.0 * r.distance
    cv.put(band, inside, lt.shade(albedo, light, lit), MOUNTAIN, depth)

    if nearest and r.rocky > 0:
        rock = inside & ~forest & (f.crag > 1.0 - 1.4 * r.rocky) & (rel < 0.85)
        grey = lt.ROCK * (0.75 + 0.4 * f.detail)
        rock_lit = np.clip(lit * 1.15 - 0.05 + 0.2 * f.crag, 0.0, 1.0)
        cv.put(band, rock, lt.shade(grey, light, rock_lit), ROCK, depth)
    if r.snow > 0:
        line = r.snow * 0.55 * (0.55 + 0.7 * (f.gully * 0.5 + 0.5)) + 0.08 * f.detail
        snow = inside & (rel < line) & ~forest
        cv.put(band, snow, lt.shade(lt.SNOW, light, np.clip(lit * 1.1, 0, 1)), SNOW, depth)


def paint_hills(cv: Canvas, rng: np.random.Generator) -> None:
    """Low rolling hills on the horizon, in front of the mountains: meadow, or snow in winter."""
    s, light = cv.scene, cv.light
    if s.hills <= 0:
        return
    shape = profile(rng, cv.w, 1.2 * cv.aspect, 3) * 0.5 + 0.5
    top = np.float32(s.horizon) - np.float32(s.hills) * (0.2 + 0.8 * shape)
    band = cv.band(float(top.min()), s.horizon + 0.01)
    slope = np.clip(np.gradient(top) * (cv.h * light.sun_dir * 3.0), -1.0, 1.0)
    texture = cv.noise(rng, band, 12.0, 3)
    rel = np.clip((band.v - top) / np.float32(s.hills), 0.0, 1.0)
    lit = np.clip(0.55 + 0.35 * slope * np.exp(-3.0 * rel) + 0.15 * texture, 0.0, 1.0)
    grass = lt.grass_color(s.season) * (0.85 + 0.25 * texture)
    winter = s.season == "winter"
    albedo = lt.SNOW * (0.95 + 0.05 * texture) if winter else grass
    cv.put(band, band.v >= top, lt.shade(albedo, light, lit), SNOW if winter else GRASS, 3.0)


def _ground_texture(cv: Canvas, rng: np.random.Generator, band: Band, scale: float,
                    fade: float) -> np.ndarray:
    """Noise laid on the ground plane in perspective: fine near, vanishing towards the horizon."""
    tex = fbm(rng, 128, 128, 8.0, 3)
    z = ground_depth(cv, band)
    gx = (cv.u[None, :] - np.float32(0.5 * cv.aspect)) * (z * np.float32(scale))
    gz = np.broadcast_to(z * np.float32(scale * 0.5), gx.shape)
    # A mirrored tiling keeps the texture continuous however far the coordinates run.
    mx = 127.0 - np.abs(np.mod(gx, np.float32(254.0)) - 127.0)
    mz = 127.0 - np.abs(np.mod(gz, np.float32(254.0)) - 127.0)
    t = cv2.remap(tex, mx, mz, cv2.INTER_LINEAR)
    return t * np.exp(-z * np.float32(1.0 / fade))


def paint_ground(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    band = cv.band(s.horizon, 1.0)
    z = ground_depth(cv, band)
    fine = _ground_texture(cv, rng, band, 6500.0, 0.4)
    patches = cv.noise(rng, band, 2.5, 3)
    if s.desert:
        crest = _ground_texture(cv, rng, band, 420.0, 3.0)
        lit = np.clip(0.55 + 2.4 * (crest - np.roll(crest, -1, axis=1)) * light.sun_dir
                      + 0.25 * crest, 0.1, 1.0)
        albedo = lt.SAND * (0.92 + 0.1 * patches + 0.08 * fine)
        cv.put(band, np.ones_like(fine), lt.shade(albedo, light, lit), SAND, z)
        return
    grass = lt.grass_color(s.season)
    dry = grass * lt.rgb(1.25, 1.1, 0.85)
    albedo = (grass + (dry - grass) * smoothstep(-0.3, 0.5, patches)) * (0.85 + 0.3 * fine)
    lit = np.clip(0.55 + 0.2 * fine, 0.0, 1.0)
    cv.put(band, np.ones_like(fine), lt.shade(albedo, light, lit), GRASS, z)
    if s.season == "winter":
        snow = patches + 0.3 * fine > -0.45
        cv.put(band, snow, lt.shade(lt.SNOW, light, np.clip(0.6 + 0.25 * fine, 0, 1)), SNOW, z)


def paint_water(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    far = s.horizon + s.lake_far
    shore = np.float32(s.shore) + np.float32(s.shore_wave) * profile(rng, cv.w, 2.0 * cv.aspect, 3)
    band = cv.band(far, float(shore.max()))
    inside = (band.v >= far) & (band.v < shore)
    below = np.maximum(band.v - np.float32(far), 0.0)  # (n, 1)

    # Mirror what stands above the waterline, broken up by ripples that grow towards the viewer.
    ripple = cv.noise(rng, band, 10.0, 3, stretch=7.0)
    amp = below * np.float32(cv.h * 0.12)
    rows = np.arange(band.rows.start, band.rows.stop, dtype=np.float32)[:, None]
    ry = np.clip(2.0 * far * cv.h - rows - 1.0 + ripple * amp, 0, cv.h - 1).astype(np.intp)
    rx = np.clip(np.arange(cv.w, dtype=np.float32) + ripple * amp * 0.4, 0, cv.w - 1).astype(np.intp)
    flat = ry * cv.w + rx
    reflection = cv.rgb.reshape(3, -1)[:, flat]  # (3, n, w)
    fresnel = 0.25 + 0.6 * np.exp(-below * np.float32(1.0 / 0.18))
    deep = lt.shade(lt.WATER_DEEP, light, 0.6)
    water = deep + (reflection * 0.9 - deep) * fresnel
    water *= 1.0 + 0.12 * ripple * smoothstep(0.0, 0.15, below)
    if s.weather != "overcast" and s.sun_y > -0.02:
        spread = 0.02 + 0.25 * below
        glitter = np.exp(-(((cv.u[None, :] - np.float32(s.sun_x * cv.aspect)) / spread) ** 2))
        sparkle = np.clip(ripple * 2.5 - 0.3, 0.0, 1.0) * glitter * (0.5 if s.time == "day" else 0.9)
        water += light.sun * sparkle
    cv.put(band, inside, water, WATER, ground_depth(cv, band))

    if s.beach > 0 or s.rock_shore:
        width = s.beach if s.beach > 0 else 0.03
        edge = shore + np.float32(width) * (0.7 + 0.6 * profile(rng, cv.w, 4.0 * cv.aspect, 3))
        strip = cv.band(float(shore.min()), float(edge.max()))
        inside = (strip.v >= shore) & (strip.v < edge)
        texture = cv.noise(rng, strip, 20.0, 3)
        z = ground_depth(cv, strip)
        if s.rock_shore:
            lit = np.clip(0.5 + 2.0 * (texture - np.roll(texture, 1, axis=1)) * light.sun_dir, 0, 1)
            stones = lt.shade(lt.ROCK * (0.8 + 0.3 * texture), light, lit)
            cv.put(strip, inside & (texture > -0.2), stones, ROCK, z)
        else:
            wet = smoothstep(0.02, 0.0, strip.v - shore)  # darker sand at the waterline
            sand = lt.SAND * (0.95 + 0.08 * texture) * (1.0 - 0.3 * wet)
            cv.put(strip, inside, lt.shade(sand, light, 0.7), SAND, z)


def paint_boulders(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    land_from = max(s.horizon + 0.12, s.shore + s.shore_wave + 0.03) if s.lake else s.horizon + 0.12
    for _ in range(s.boulders):
        center_v = rng.uniform(min(land_from, 1.0), 1.0)
        if center_v >= 1.0:
            continue  # the lake reaches the bottom edge: no dry land for boulders
        center_u = rng.uniform(0.0, cv.aspect)
        radius = (center_v - s.horizon) * rng.uniform(0.12, 0.35)
        ry, rx = radius * rng.uniform(0.5, 0.8), radius
        bumps = rng.uniform(-0.12, 0.12, (3, 4)).astype(np.float32)
        band = cv.band(center_v - ry, center_v + ry)
        x0 = int(np.clip((center_u - rx) * cv.h, 0, cv.w - 1))
        x1 = int(np.clip((center_u + rx) * cv.h + 1, x0 + 1, cv.w))
        if band.n < 2 or x1 - x0 < 2:
            continue
        dv = (band.v - np.float32(center_v)) / np.float32(ry)
        du = (cv.u[None, x0:x1] - np.float32(center_u)) / np.float32(rx)
        rough = cv2.resize(bumps, (x1 - x0, band.n), interpolation=cv2.INTER_CUBIC)
        cover = np.zeros((band.n, cv.w), np.float32)
        cover[:, x0:x1] = (du * du + dv * dv < 1.0 + rough) & (dv < 0.35)  # bottom sits in the ground
        lit = np.zeros((band.n, cv.w), np.float32)
        lit[:, x0:x1] = np.clip(0.55 + 0.5 * du * light.sun_dir - 0.45 * dv + 2.0 * rough, 0.05, 1)
        texture = np.zeros_like(lit)
        texture[:, x0:x1] = rough
        color = lt.shade(lt.ROCK * (0.9 + texture), light, lit)
        cv.put(band, cover, color, ROCK, CAMERA_HEIGHT / max(center_v - s.horizon, 1e-3))
