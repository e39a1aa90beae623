"""Forests: a band of small trees on the far shore and a stand of large trees at one side."""

from __future__ import annotations

import numpy as np

from igan_app.world import light as lt
from igan_app.world.canvas import Canvas
from igan_app.world.noise import profile
from igan_app.world.palette import label_id

TREE = label_id("tree")
CAMERA_HEIGHT_FOR_TREES = 0.06  # as the ground's, so fog treats a tree like the ground it stands on


def _tree_colors(rng: np.random.Generator, season: str, conifer: np.ndarray) -> np.ndarray:
    """(n, 3) leaf colors: conifers dark green, broadleaves between the season's two tones."""
    leaf_a, leaf_b = (c.reshape(3) for c in lt.leaf_colors(season))
    mix = rng.uniform(0, 1, (len(conifer), 1)).astype(np.float32)
    shade = rng.uniform(0.85, 1.2, (len(conifer), 1))
    return np.where(conifer[:, None], lt.CONIFER.reshape(3) * shade,
                    leaf_a + (leaf_b - leaf_a) * mix).astype(np.float32)


def _frosted(albedo: np.ndarray, lit: np.ndarray, conifer: np.ndarray) -> np.ndarray:
    """Winter: snow lies on the sunlit parts of conifers (broadleaves are bare)."""
    frost = np.clip(lit * 0.6 * conifer, 0.0, 1.0)
    return albedo + (lt.SNOW - albedo) * frost * 0.6


def _forest(cv: Canvas, rng: np.random.Generator, centers: np.ndarray, heights: np.ndarray,
            base: float, bottom: float, depth: float, continuous: bool) -> None:
    """Paint trees standing on row `base` (crowns above it), their mass filling down to `bottom`.

    centers, heights: one per tree, in image heights. Each tree is a cone (conifer) or a dome
    (broadleaf); every column belongs to the tallest crown over it, which decides its color and
    which half of the crown faces the sun.
    """
    s, light = cv.scene, cv.light
    n = len(centers)
    conifer = rng.random(n) < s.conifer
    widths = heights * np.where(conifer, rng.uniform(0.18, 0.26, n), rng.uniform(0.3, 0.45, n))
    d = ((cv.u[None, :] - centers[:, None]) / widths[:, None]).astype(np.float32)  # (n, w)
    cone = 1.0 - np.abs(d)
    dome = np.sqrt(np.clip(1.0 - d * d, 0.0, None)) * 0.3 + 0.7
    crown = np.where(conifer[:, None], cone, dome) * heights[:, None].astype(np.float32)
    crown = np.where(np.abs(d) < 1, crown, 0.0)
    owner = crown.argmax(axis=0)
    columns = np.arange(cv.w)
    # Ragged crowns: branches and leaf clumps break the outline.
    ragged = profile(rng, cv.w, 1.0 / max(float(widths.mean()), 1e-3), 3) * widths[owner] * 0.5
    height = crown[owner, columns]
    # A continuous band keeps its undergrowth between crowns; a stand ends where its trees end.
    floor = heights.min() * 0.3 if continuous else 0.0
    top = base - np.where(height > 0, np.maximum(height + ragged, floor), floor)  # (w,)
    band = cv.band(float(top.min()), bottom)
    inside = (band.v >= top) & (band.v < bottom) & ((height > 0) | continuous)

    colors = _tree_colors(rng, s.season, conifer)
    column_color = colors[owner].T[:, None, :]  # (3, 1, w)
    side = np.clip(d[owner, columns] * light.sun_dir, -1.0, 1.0)  # -1 shadow .. 1 lit side
    mean_h = float(heights.mean())
    clumps = cv.noise(rng, band, min(1.0 / max(mean_h * 0.15, 1e-3), cv.h / 3.0), 3)
    inner = np.clip((band.v - top) * np.float32(1.0 / max(mean_h, 1e-3)), 0.0, 1.0)
    lit = np.clip(0.45 + 0.35 * side + 0.3 * clumps - 0.4 * inner, 0.0, 1.0)
    albedo = column_color * (0.75 + 0.4 * clumps)
    if s.season == "winter":
        albedo = _frosted(albedo, lit, conifer[owner])
    cv.put(band, inside, lt.shade(albedo, light, lit), TREE, depth)


def paint_far_forest(cv: Canvas, rng: np.random.Generator) -> None:
    s = cv.scene
    if s.far_forest <= 0:
        return
    n = max(int(cv.aspect / (s.far_forest * 0.3)), 4)
    centers = np.sort(rng.uniform(-0.05, cv.aspect + 0.05, n))
    heights = s.far_forest * rng.uniform(0.55, 1.0, n)
    base = s.horizon + s.lake_far
    _forest(cv, rng, centers, heights, base, base if s.lake else base + 0.015, depth=3.0,
            continuous=True)


def paint_side_forest(cv: Canvas, rng: np.random.Generator) -> None:
    """A stand of large trees at one side, each standing on the ground at its own distance.

    Trees are drawn as whole shapes (a cone on a short trunk, or a ragged oval crown on a trunk),
    far to near, so nearer trees hide the ones behind them.
    """
    s, light = cv.scene, cv.light
    if s.side_forest <= 0:
        return
    reach = s.side_forest * cv.aspect
    n = max(int(reach / 0.06), 3)
    offsets = rng.uniform(0.0, reach, n) ** 1.3 / reach**0.3  # crowd towards the edge
    dry_from = min(s.shore + 0.02, 1.1) if s.lake else s.horizon + 0.06  # trees stand on land
    bases = np.sort(rng.uniform(dry_from, 1.15, n)).astype(np.float32)  # far to near
    centers = (offsets if s.side_left else cv.aspect - offsets).astype(np.float32)
    # Perspective: a tree's size grows with how far below the horizon it stands.
    heights = ((bases - s.horizon) * rng.uniform(0.9, 1.7, n)).astype(np.float32)
    conifer = rng.random(n) < s.conifer
    widths = heights * np.where(conifer, rng.uniform(0.18, 0.26, n), rng.uniform(0.28, 0.4, n))
    band = cv.band(float((bases - heights).min()), 1.0)
    v = band.v[None]  # (1, rows, 1)
    du = (cv.u[None, None, :] - centers[:, None, None]) / widths[:, None, None].astype(np.float32)
    rise = (bases[:, None, None] - v) / heights[:, None, None]  # 0 at the foot .. 1 at the top
    ragged = cv.noise(rng, band, 14.0, 2)[None] * 0.25
    cone = (np.abs(du) < (1.0 - rise) * 1.1 + ragged) & (rise > 0.06)
    oval = du**2 + ((rise - 0.58) / 0.42) ** 2 < 1.0 + ragged * 2.0
    trunk = (np.abs(du) < 0.09) & (rise > -0.02) & (rise < 0.3)
    shape = np.where(conifer[:, None, None], cone, oval) | trunk
    # The nearest tree covering a pixel owns it: trees are sorted far to near.
    order = np.where(shape, np.arange(1, n + 1, dtype=np.int16)[:, None, None], 0).max(axis=0)
    covered = order > 0
    owner = np.maximum(order - 1, 0)

    colors = _tree_colors(rng, s.season, conifer)
    rows, cols = np.indices(owner.shape)
    own_du = du[owner, 0, cols]
    own_trunk = trunk[owner, rows, cols] & ~np.where(conifer[owner], cone[owner, rows, cols],
                                                     oval[owner, rows, cols])
    clumps = cv.noise(rng, band, 18.0, 3)
    side = np.clip(own_du * light.sun_dir, -1.0, 1.0)
    lit = np.clip(0.45 + 0.35 * side + 0.35 * clumps, 0.0, 1.0)
    albedo = colors[owner].transpose(2, 0, 1) * (0.75 + 0.4 * clumps)
    albedo = np.where(own_trunk, lt.rgb(0.22, 0.16, 0.11), albedo)
    if s.season == "winter":
        albedo = _frosted(albedo, lit, conifer[owner])
    depth = CAMERA_HEIGHT_FOR_TREES / np.maximum(bases[owner] - s.horizon, 1e-3)
    cv.put(band, covered, lt.shade(albedo, light, lit), TREE, depth)
