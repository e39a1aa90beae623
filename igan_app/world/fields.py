"""Farmland: a patchwork of fields in perspective (wheat, green crops, pasture, ploughed soil), crop
rows and furrows converging into the distance, hedgerows and tree lines along the field edges.

Fields are the cells of a grid on the ground turned by `turn` radians; each cell's crop comes from
a small table drawn with the scene, so a field keeps its crop at any image size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.world import ground, land
from igan_app.world import light as lt
from igan_app.world.canvas import Canvas
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.land import CAMERA_HEIGHT, GRASS, SAND, SNOW
from igan_app.world.noise import profile, smoothstep
from igan_app.world.scene import Scene
from igan_app.world.trees import TREE

# Crops: albedo, label, how strongly its rows show. Index 0..3 are used in every season.
CROPS = (
    ((0.30, 0.46, 0.16), GRASS, 0.25),  # pasture
    ((0.26, 0.42, 0.12), GRASS, 0.6),  # green crop in rows
    ((0.80, 0.66, 0.30), GRASS, 0.5),  # ripe wheat
    ((0.40, 0.28, 0.18), SAND, 0.9),  # ploughed soil
    ((0.85, 0.80, 0.18), GRASS, 0.35),  # rapeseed in flower
    ((0.56, 0.50, 0.22), GRASS, 0.7),  # stubble
)
SEASON_CROPS = {"spring": (0, 1, 3, 4), "summer": (0, 1, 2, 2, 3), "autumn": (0, 3, 3, 5, 1),
                "winter": (0, 3, 5)}
TABLE = 8  # crop table side: fields repeat every TABLE cells, far beyond what is seen
NEAREST_HEDGE = 0.3  # ground units: a nearer hedge would wall off the picture


@dataclass(frozen=True)
class Fields:
    turn: float  # grid direction, radians
    size: tuple[float, float]  # a field's width and depth, ground units
    crops: tuple[int, ...]  # TABLE * TABLE indices into CROPS, row by row
    rows_across: tuple[bool, ...]  # per cell: rows run across the grid (else along it)
    row_spacing: float  # ground units between crop rows
    hedges: float  # 0: open fields .. 1: every field edge a hedgerow
    hedge_height: float  # ground units (the camera stands at CAMERA_HEIGHT)
    foreground: Foreground | None = None


def sample_fields(rng: np.random.Generator, scene: Scene) -> Scene:
    choices = SEASON_CROPS[scene.season]
    fields = Fields(
        turn=float(rng.uniform(-0.6, 0.6)),
        size=(float(rng.uniform(0.08, 0.3)), float(rng.uniform(0.06, 0.22))),
        crops=tuple(int(c) for c in rng.choice(choices, TABLE * TABLE)),
        rows_across=tuple(bool(b) for b in rng.random(TABLE * TABLE) < 0.5),
        row_spacing=float(rng.uniform(0.003, 0.008)),
        hedges=float(rng.uniform(0.0, 1.0)) if rng.random() < 0.7 else 0.0,
        hedge_height=float(rng.uniform(0.02, 0.08)),  # at most 0.104 with its trees
        foreground=sample_foreground(rng, scene, 0.35, ("grass", "flowers")),
    )
    return ground.as_kind(scene, "fields", fields, side_forest=0.0, boulders=0)


def paint_farmland(cv: Canvas, rng: np.random.Generator) -> None:
    ground.paint_backdrop(cv, rng, meadow=False)
    paint_fields(cv, rng)
    paint_hedges(cv, rng)
    paint_foreground(cv, rng, cv.scene.terrain.foreground)


def _grid(f: Fields, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ground coordinates turned into the grid's frame, in fields (cell i, j at floor of each)."""
    c, s = np.float32(np.cos(f.turn)), np.float32(np.sin(f.turn))
    return (x * c + z * s) / np.float32(f.size[0]), (z * c - x * s) / np.float32(f.size[1])


def paint_fields(cv: Canvas, rng: np.random.Generator) -> None:
    s, light = cv.scene, cv.light
    f: Fields = s.terrain
    p = ground.plane(cv)
    a, b = _grid(f, p.x, np.broadcast_to(p.z, p.x.shape))
    cell = np.mod(np.floor(a).astype(np.int64), TABLE) + TABLE * np.mod(np.floor(b).astype(np.int64), TABLE)
    crop = np.asarray(f.crops)[cell]
    albedo = np.asarray([c[0] for c in CROPS], np.float32)[crop].transpose(2, 0, 1)
    label = np.asarray([c[1] for c in CROPS], np.uint8)[crop]
    strength = np.asarray([c[2] for c in CROPS], np.float32)[crop]

    # Crop rows: stripes along one side of each field, fading before they are finer than a pixel.
    along = np.where(np.asarray(f.rows_across)[cell], a * np.float32(f.size[0]), b * np.float32(f.size[1]))
    phase = along * np.float32(1.0 / f.row_spacing)
    step = np.maximum(np.abs(np.diff(phase, axis=0, append=phase[-1:])),
                      np.abs(np.diff(phase, axis=1, append=phase[:, -1:])))
    stripes = np.cos(phase * np.float32(2 * np.pi)) * smoothstep(0.45, 0.15, step) * strength
    patches = ground.texture(rng, p, 6.0, 6.0, 3.0)
    fine = ground.texture(rng, p, 80.0, 80.0, 0.5)
    albedo = albedo * (0.9 + 0.1 * patches + 0.15 * fine) * (1.0 + 0.12 * stripes)
    lit = np.clip(0.6 + 0.15 * stripes + 0.1 * patches, 0.0, 1.0)
    # A margin of rough grass between fields, a pixel or two wide at most.
    edge = np.minimum(_edge_pixels(a, cv), _edge_pixels(b, cv))
    margin = smoothstep(1.2, 0.3, edge)
    albedo += (lt.grass_color(s.season) * 0.8 - albedo) * margin
    if s.season == "winter":
        snow = patches + 0.3 * stripes > -0.3
        albedo = np.where(snow, lt.SNOW * (0.92 + 0.05 * stripes), albedo)
        label = np.where(snow, np.uint8(SNOW), label)
    color = lt.shade(albedo, light, lit)
    for lab in np.unique(label):
        cv.put(p.band, label == lab, color, int(lab), p.z)
    ground.hold_labels(cv, p.band, np.ones(label.shape, np.float32))


def _edge_pixels(t: np.ndarray, cv: Canvas) -> np.ndarray:
    """Distance in pixels to the nearest whole value of t (a field edge), from t's gradient."""
    frac = np.abs(t - np.round(t))
    slope = np.maximum(np.abs(np.diff(t, axis=0, append=t[-1:])), np.abs(np.diff(t, axis=1, append=t[:, -1:])))
    return frac / np.maximum(slope, np.float32(1e-6))


def paint_hedges(cv: Canvas, rng: np.random.Generator) -> None:
    """Hedgerows along field edges of the grid's depth direction, far to near, with gaps and trees.

    A column at u meets the edge line b = k where the ground ray x = (u - center) z crosses it.
    """
    s, light = cv.scene, cv.light
    f: Fields = s.terrain
    if f.hedges <= 0:
        return
    c, sn = np.float32(np.cos(f.turn)), np.float32(np.sin(f.turn))
    du = cv.u - np.float32(0.5 * cv.aspect)
    per_z = (c - du * sn) / np.float32(f.size[1])  # b per unit of distance along each column
    # Edges at least 0.15 apart (small fields share hedges), out to where hedges vanish.
    step = max(1, int(np.ceil(0.15 / f.size[1])))
    lines = np.arange(step * int(np.ceil(3.0 / (f.size[1] * step))), 0, -step)
    keep = rng.random(len(lines)) < f.hedges
    lumps = profile(rng, 256, 40.0, 4)
    # Hedges are at most 0.104 high and NEAREST_HEDGE away: their tops are this near the horizon.
    area = cv.band(s.horizon - (0.104 - CAMERA_HEIGHT) / NEAREST_HEDGE, 1.0)
    texture_area = cv.noise(rng, area, 25.0, 2)
    for k, kept in zip(lines, keep):
        if not kept:
            continue
        z = np.float32(k) / np.where(per_z > 1e-4, per_z, np.float32(1e-4))
        seen = (z > NEAREST_HEDGE) & (z < land.MAX_GROUND_DEPTH)
        if not seen.any():
            continue
        a = (du * z * c + z * sn) / np.float32(f.size[0])  # where along the hedge each column looks
        bumps = np.interp(np.mod(a * 3.0, 256.0), np.arange(256), lumps).astype(np.float32)
        height = np.float32(f.hedge_height) * (0.7 + 0.6 * np.clip(bumps * 2.0, -0.5, 1.0))
        gap = bumps < -0.35
        base = np.float32(s.horizon) + np.float32(CAMERA_HEIGHT) / z
        top = base - height / z
        ok = seen & ~gap
        if not ok.any():
            continue
        band = cv.band(float(top[ok].min()), float(min(base[ok].max(), 1.0)))
        inside = (band.v >= top) & (band.v < base) & ok & (cv.depth[band.rows] > z)
        texture = texture_area[band.rows.start - area.rows.start: band.rows.stop - area.rows.start]
        up = np.clip((base - band.v) / np.maximum(height / z, 1e-4), 0.0, 1.0)
        lit = np.clip(0.3 + 0.45 * up + 0.25 * texture, 0.0, 1.0)
        leaves = lt.leaf_colors(s.season)[0] * (0.8 + 0.3 * texture)
        cv.put(band, inside, lt.shade(leaves, light, lit), TREE, np.broadcast_to(z, inside.shape))
