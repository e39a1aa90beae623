"""Inside a forest: trunks at every depth under a roof of leaves, light through its gaps, a floor
of moss, litter or snow, perhaps a path; the horizon is hidden behind the trees.

The canopy is a ceiling `canopy` units above the ground, seen in perspective as the ground is: a
row above the horizon sees it at distance (canopy - CAMERA_HEIGHT) / (horizon - row), so its
leaves close up into a wall towards the horizon and open into gaps overhead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.world import ground
from igan_app.world import light as lt
from igan_app.world.canvas import Canvas
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.land import CAMERA_HEIGHT, GRASS, SAND, SNOW
from igan_app.world.noise import profile, smoothstep
from igan_app.world.scene import Scene
from igan_app.world.trees import TREE

BARKS = ((0.20, 0.15, 0.11), (0.42, 0.40, 0.37), (0.36, 0.18, 0.11), (0.80, 0.79, 0.74))
FLOORS = {"spring": (0.30, 0.42, 0.16), "summer": (0.22, 0.32, 0.12),
          "autumn": (0.50, 0.32, 0.14), "winter": (0.95, 0.96, 0.98)}
# Trunks by distance band: (nearest, farthest, how many at density 1).
TRUNK_LAYERS = ((1.1, 2.6, 34), (0.45, 1.1, 16), (0.18, 0.45, 7), (0.07, 0.18, 2))


@dataclass(frozen=True)
class ForestInterior:
    canopy: float  # height of the leaf roof, ground units (the camera stands at CAMERA_HEIGHT)
    openness: float  # 0: a closed roof .. 1: wide gaps of sky
    conifer: bool  # needles all year, else the season's broadleaves (bare in winter)
    bark: tuple[float, float, float]
    trunk_width: float  # ground units
    density: float  # trunks, relative
    path: ground.Ribbon | None
    rays: float  # strength of the shafts of light through the gaps (0: none)
    foreground: Foreground | None = None  # ferns and grass at the viewer's feet


def sample_forest_interior(rng: np.random.Generator, scene: Scene) -> Scene:
    conifer = bool(rng.random() < 0.4)
    bark = BARKS[int(rng.choice(len(BARKS), p=[0.35, 0.25, 0.25, 0.15]))]
    path = None
    if rng.random() < 0.45:
        path = ground.sample_ribbon(rng, 1.0, float(rng.uniform(0.012, 0.03)), 0.12)
    sunny = scene.weather != "overcast" and scene.sun_y > 0.0
    terrain = ForestInterior(
        canopy=float(rng.uniform(0.25, 0.6)),
        openness=float(rng.uniform(0.05, 0.6) + (0.35 if scene.season == "winter" and not conifer else 0.0)),
        conifer=conifer, bark=bark, trunk_width=float(rng.uniform(0.01, 0.022)),
        density=float(rng.uniform(0.6, 1.4)), path=path,
        rays=float(rng.uniform(0.1, 0.45)) if sunny and rng.random() < 0.5 else 0.0,
        foreground=sample_foreground(rng, scene, 0.3, ("grass", "flowers")),
    )
    return ground.as_kind(scene, "forest_interior", terrain, ranges=(), far_forest=0.0,
                          side_forest=0.0, boulders=0, hills=0.0)


def paint_forest_interior(cv: Canvas, rng: np.random.Generator) -> None:
    f: ForestInterior = cv.scene.terrain
    _paint_canopy(cv, rng, f)
    _paint_floor(cv, rng, f)
    _paint_undergrowth(cv, rng, f)
    trunks = _sample_trunks(rng, cv, f)
    # One bark texture for every trunk: neighbours rarely line up to show it.
    whole = cv.band(0.0, 1.0)
    bark = cv.noise(rng, whole, 40.0, 3, stretch=0.12)
    marks = cv.noise(rng, whole, 30.0, 2, stretch=4.0) > 0.35 if f.bark[0] > 0.7 else None
    for layer in trunks:
        _paint_trunks(cv, f, *layer, bark, marks)
    paint_foreground(cv, rng, f.foreground)
    if f.rays > 0:
        _add_rays(cv, rng, f)
    # A photographer exposes for the dim light under the trees.
    level = float(np.mean(cv.light.ambient * 0.75 + cv.light.sun * 0.3))
    cv.rgb *= np.float32(np.clip(0.5 / max(level, 1e-3), 1.0, 1.8))


def _leaf_color(cv: Canvas, f: ForestInterior) -> np.ndarray:
    if f.conifer:
        return lt.CONIFER * 1.3
    a, b = lt.leaf_colors(cv.scene.season)
    return (a + b) * 0.5


def _paint_canopy(cv: Canvas, rng: np.random.Generator, f: ForestInterior) -> None:
    """The leaf roof and, where it meets the floor at the horizon, the far trees as a dim wall."""
    s, light = cv.scene, cv.light
    band = cv.band(0.0, s.horizon + 0.02)
    up = np.maximum(np.float32(s.horizon) - band.v, np.float32(0.004))  # (n, 1)
    z = np.float32(f.canopy - CAMERA_HEIGHT) / up
    x = (cv.u[None, :] - np.float32(0.5 * cv.aspect)) * z
    leaves = ground.laid(rng, x * np.float32(9.0), np.broadcast_to(z * np.float32(9.0), x.shape))
    clumps = cv.noise(rng, band, 4.0, 4)  # on the picture: leaf masses, not a flat roof
    # Gaps open overhead and close towards the horizon, where the roof is seen edge-on.
    overhead = smoothstep(3.0, 0.6, z)
    gap = 0.55 * leaves + 0.45 * clumps + f.openness * 0.9 * overhead - 0.25 - 0.5 * smoothstep(1.0, 4.0, z)
    cover = smoothstep(0.12, -0.02, gap)
    if s.season == "winter" and not f.conifer:
        cover *= 0.85  # bare twigs
    # Leaves at the edge of a gap are lit through; deep in the roof they are dark.
    edge = smoothstep(-0.35, 0.1, gap)
    sunny = 0.0 if s.weather == "overcast" else 1.0
    lit = np.clip(0.2 + 0.5 * edge * (0.5 + 0.5 * sunny) + 0.2 * leaves, 0.0, 1.0)
    albedo = _leaf_color(cv, f) * (0.8 + 0.4 * leaves) * (1.0 + 0.15 * edge)
    color = lt.shade(albedo, light, lit)
    # The far wall of trees, hazy with the forest's own air.
    wall = smoothstep(1.0, 4.0, z)
    air = lt.shade(_leaf_color(cv, f), light, 0.3) * 0.6 + light.fog * 0.25
    color += (air * (0.9 + 0.15 * leaves) - color) * wall
    cv.put(band, cover, color, TREE, np.minimum(z, np.float32(12.0)))


def _paint_floor(cv: Canvas, rng: np.random.Generator, f: ForestInterior) -> None:
    s, light = cv.scene, cv.light
    p = ground.plane(cv)
    fine = ground.texture(rng, p, 60.0, 60.0, 0.5)
    patches = ground.texture(rng, p, 6.0, 6.0, 2.0)
    dapple = _dapple(rng, cv, p, f)
    winter = s.season == "winter"
    litter = lt.rgb(0.36, 0.26, 0.16)
    base = lt.rgb(*FLOORS[s.season])
    albedo = (base + (litter - base) * smoothstep(-0.2, 0.5, patches) * (0.2 if winter else 0.7)) \
        * (0.75 + 0.25 * patches + 0.25 * fine)
    lit = np.clip(0.25 + 0.2 * fine + 0.45 * dapple, 0.0, 1.0)
    cv.put(p.band, np.ones_like(fine), lt.shade(albedo, light, lit), SNOW if winter else GRASS, p.z)
    ground.hold_labels(cv, p.band, np.ones_like(fine))
    if f.path is not None:
        d = ground.ribbon_distance(cv, p, f.path)
        dirt = lt.SAND * lt.rgb(0.8, 0.72, 0.62) * (0.85 + 0.2 * patches + 0.15 * fine)
        cv.put(p.band, ground.coverage(d), lt.shade(dirt, light, np.clip(lit + 0.1, 0, 1)), SAND, p.z)


def _paint_undergrowth(cv: Canvas, rng: np.random.Generator, f: ForestInterior) -> None:
    """Bushes and young trees between the far trunks, hiding the line where floor meets roof."""
    s, light = cv.scene, cv.light
    top = np.float32(s.horizon) - np.float32(0.02) - np.float32(0.05) * (
        profile(rng, cv.w, 16.0 * cv.aspect, 4) * 0.5 + 0.5)
    band = cv.band(float(top.min()), s.horizon + 0.03)
    texture = cv.noise(rng, band, 30.0, 3)
    bottom = np.float32(s.horizon + 0.015) + np.float32(0.015) * texture
    inside = (band.v >= top) & (band.v < bottom)
    albedo = _leaf_color(cv, f) * (0.7 + 0.35 * texture)
    color = lt.shade(albedo, light, np.clip(0.3 + 0.3 * texture, 0, 1))
    color += (light.fog * 0.5 - color) * np.float32(0.35)  # the forest's own haze
    cv.put(band, inside, color, TREE, 2.5)


def _dapple(rng: np.random.Generator, cv: Canvas, p: ground.Plane, f: ForestInterior) -> np.ndarray:
    """Where sun through the gaps falls on the floor (0 .. 1)."""
    if cv.scene.weather == "overcast" or cv.scene.sun_y <= 0.0:
        return np.zeros(p.x.shape, np.float32)
    spots = ground.texture(rng, p, 14.0, 14.0, 3.0)
    return smoothstep(0.35 - 0.4 * f.openness, 0.55 - 0.4 * f.openness, spots)


def _sample_trunks(rng: np.random.Generator, cv: Canvas, f: ForestInterior
                   ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per distance band, far to near: trunk centers (image heights), distances, widths."""
    layers = []
    for near, far, count in TRUNK_LAYERS:
        n = max(round(count * f.density * cv.aspect), 1)
        z = np.exp(rng.uniform(np.log(near), np.log(far), n)).astype(np.float32)
        centers = rng.uniform(-0.1, cv.aspect + 0.1, n).astype(np.float32)
        widths = (f.trunk_width * rng.uniform(0.7, 1.4, n) / z).astype(np.float32)
        layers.append((centers, z, widths))
    return layers


def _paint_trunks(cv: Canvas, f: ForestInterior, centers: np.ndarray, z: np.ndarray,
                  widths: np.ndarray, bark_whole: np.ndarray, marks_whole: np.ndarray | None) -> None:
    """One band of trunks: each column belongs to the nearest trunk over it, seen from its foot
    on the floor up into the leaf roof."""
    s, light = cv.scene, cv.light
    across = (cv.u[None, :] - centers[:, None]) / (widths[:, None] * 0.5)  # (n, w)
    covering = np.abs(across) < 1.0 + 2.0 / (widths[:, None] * cv.h)
    owner = np.argmin(np.where(covering, z[:, None], np.inf), axis=0)
    has = covering[owner, np.arange(cv.w)]
    zo, a = z[owner], across[owner, np.arange(cv.w)]
    foot = np.float32(s.horizon) + np.float32(CAMERA_HEIGHT) / zo
    top = np.float32(s.horizon) - np.float32(f.canopy - CAMERA_HEIGHT) / zo
    band = cv.band(float(np.where(has, top, 1.0).min()), float(np.where(has, foot, 0.0).max()))
    edge = (np.abs(a) - 1.0) * widths[owner] * np.float32(0.5 * cv.h)  # pixels outside the edge
    cover = ground.coverage(edge)[None, :] * ((band.v >= top) & (band.v < foot))
    cover *= has[None, :]
    bark = bark_whole[band.rows]
    sunny = 0.0 if s.weather == "overcast" else 0.6
    # Round trunks: lit on the sun's side, dark on the other, darker towards the viewer's feet.
    side = np.clip(a * np.float32(light.sun_dir), -1.0, 1.0)[None, :]
    lit = np.clip(0.35 + sunny * 0.5 * side + 0.25 * bark, 0.02, 1.0)
    near = np.clip(0.12 / zo, 0.0, 1.0)[None, :]  # near trunks are dark against the lit forest
    albedo = lt.rgb(*f.bark) * (0.8 + 0.3 * bark) * (1.0 - 0.3 * near)
    # Moss and damp darken a trunk where it meets the floor.
    above = np.clip((foot - band.v) * (zo / np.float32(0.03)), 0.0, 1.0)  # 0 at the foot .. ~1 m up
    albedo = albedo * (0.65 + 0.35 * above)
    if marks_whole is not None:  # birch: black marks across the white bark
        albedo = np.where(marks_whole[band.rows], lt.rgb(0.1, 0.1, 0.1), albedo)
    depth = np.broadcast_to(zo[None, :], cover.shape)
    cv.put(band, cover, lt.shade(albedo, light, lit), TREE, depth)


def _add_rays(cv: Canvas, rng: np.random.Generator, f: ForestInterior) -> None:
    """Shafts of sunlight slanting down from the gaps, through the air in front of everything."""
    s, light = cv.scene, cv.light
    band = cv.band(0.0, 1.0)
    slant = np.float32(0.35 * (0.5 - s.sun_x) * 2.0)
    along = cv.u[None, :] + slant * band.v  # constant along a shaft
    shafts = np.interp(along.ravel(), np.linspace(-1.0, cv.aspect + 1.0, 96),
                       rng.uniform(0, 1, 96)).reshape(along.shape).astype(np.float32)
    strength = smoothstep(0.6, 0.95, shafts) * np.float32(f.rays) * smoothstep(1.0, 0.1, band.v)
    cv.rgb[:, band.rows] += light.sun * strength * np.float32(0.6)
