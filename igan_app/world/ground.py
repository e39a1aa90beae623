"""The ground plane in perspective, for the broad world's kinds of land (world/kinds.py): where each
pixel below the horizon lies on the ground, ribbons (rivers, paths) winding over it, textures laid
on it, and water's mirror image of what stands above it.

Ground units are those of world/land.py: the camera stands CAMERA_HEIGHT above the ground, a point
at distance z and across x is seen at row horizon + CAMERA_HEIGHT / z and column center + x / z
(in image heights).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from igan_app.world import land, trees
from igan_app.world.canvas import Band, Canvas
from igan_app.world.land import CAMERA_HEIGHT, ground_depth
from igan_app.world.noise import fbm
from igan_app.world.scene import Scene


def as_kind(scene: Scene, kind: str, terrain: object, **changes) -> Scene:
    """`scene` as a kind that paints its own water and ground: without the classic land's lake,
    shores or desert; `changes` take out whatever else the kind leaves out."""
    return replace(scene, kind=kind, terrain=terrain, desert=False, lake=False, beach=0.0,
                   rock_shore=False, **changes)


def paint_backdrop(cv: Canvas, rng: np.random.Generator, *, meadow: bool = True) -> None:
    """The classic valley behind what a kind adds: mountains, the meadow (or snow) unless the kind
    lays its own ground, hills and the forest on the horizon."""
    land.paint_mountains(cv, rng)
    if meadow:
        land.paint_ground(cv, rng)
    land.paint_hills(cv, rng)
    trees.paint_far_forest(cv, rng)


@dataclass(frozen=True)
class Plane:
    """The ground under a band of rows."""

    band: Band
    x: np.ndarray  # (n, w) across, in ground units; 0 straight ahead, positive to the right
    z: np.ndarray  # (n, 1) distance from the viewer, in ground units


def plane(cv: Canvas, top: float | None = None) -> Plane:
    """The ground from row `top` (default: the horizon) to the bottom of the image."""
    band = cv.band(cv.scene.horizon if top is None else top, 1.0)
    z = ground_depth(cv, band)
    return Plane(band, (cv.u[None, :] - np.float32(0.5 * cv.aspect)) * z, z)


def texture(rng: np.random.Generator, p: Plane, across: float, along: float,
            fade: float) -> np.ndarray:
    """(n, w) noise laid on the ground, roughly in [-1, 1], vanishing with distance.

    across, along: noise cells per ground unit in x and in z (unequal: waves, furrows, ruts);
    fade: the distance over which the detail fades out, before it is finer than a pixel.
    """
    a = p.x * np.float32(across)
    b = np.broadcast_to(p.z * np.float32(along), a.shape)
    return laid(rng, a, b) * np.exp(-p.z * np.float32(1.0 / fade))


def laid(rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Noise at surface coordinates a, b (equal-shaped arrays, in noise cells), roughly in
    [-1, 1]: a texture that follows a surface in perspective (the ground, a cliff face)."""
    tile = fbm(rng, 128, 128, 8.0, 3)  # 16 tile pixels a cell
    # A mirrored tiling keeps the noise continuous however far the coordinates run.
    ma = 127.0 - np.abs(np.mod(a * np.float32(16.0), np.float32(254.0)) - 127.0)
    mb = 127.0 - np.abs(np.mod(b * np.float32(16.0), np.float32(254.0)) - 127.0)
    return cv2.remap(tile, ma, mb, cv2.INTER_LINEAR)


def mirror(cv: Canvas, band: Band, axis: float, shift: np.ndarray) -> np.ndarray:
    """(3, n, w) what the canvas shows above row `axis` (a fraction of the height), mirrored onto
    the band as calm water would, each pixel displaced by `shift` ((n, w) pixels, ripples)."""
    rows = np.arange(band.rows.start, band.rows.stop, dtype=np.float32)[:, None]
    ry = np.clip(2.0 * axis * cv.h - rows - 1.0 + shift, 0, cv.h - 1).astype(np.intp)
    rx = np.clip(np.arange(cv.w, dtype=np.float32) + 0.4 * shift, 0, cv.w - 1).astype(np.intp)
    return cv.rgb.reshape(3, -1)[:, ry * cv.w + rx]


@dataclass(frozen=True)
class Ribbon:
    """A strip of constant width winding over the ground from the bottom edge towards the horizon.

    Its center is seen `start` image heights right of the image's center at the bottom edge and
    swings about that by two waves in log-distance, so bends keep a similar size on the picture
    from the foreground to the horizon.
    """

    start: float  # where the center leaves the bottom edge, image heights from the center
    amplitude: tuple[float, float]  # of the two swings, in image heights
    frequency: tuple[float, float]  # per unit of log-distance
    phase: tuple[float, float]
    half_width: float  # in ground units
    end: float = np.inf  # distance beyond which the strip is gone (a path over a crest)


def sample_ribbon(rng: np.random.Generator, aspect: float, half_width: float,
                  swing: float) -> Ribbon:
    """A ribbon leaving the bottom edge within the middle of the picture; swing scales its bends."""
    return Ribbon(
        start=float(rng.uniform(-0.22, 0.22) * aspect),
        amplitude=(float(rng.uniform(0.5, 1.0) * swing), float(rng.uniform(0.1, 0.3) * swing)),
        frequency=(float(rng.uniform(1.2, 2.4)), float(rng.uniform(3.0, 5.0))),
        phase=(float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0, 2 * np.pi))),
        half_width=half_width,
    )


def ribbon_distance(cv: Canvas, p: Plane, r: Ribbon, widen: float = 0.0) -> np.ndarray:
    """(n, w) signed distance in pixels from each pixel to the ribbon's edge (negative inside),
    the ribbon widened by `widen` ground units on each side (its banks)."""
    bottom = CAMERA_HEIGHT / max(1.0 - cv.scene.horizon, 1e-3)
    t = np.log(p.z * np.float32(1.0 / bottom))  # (n, 1) 0 at the bottom edge
    screen, turn = np.float32(r.start), np.float32(0.0)  # and its derivative in t
    for a, f, ph in zip(r.amplitude, r.frequency, r.phase):
        screen = screen + np.float32(a) * (np.sin(np.float32(f) * t + np.float32(ph))
                                           - np.float32(np.sin(ph)))
        turn = turn + np.float32(a * f) * np.cos(np.float32(f) * t + np.float32(ph))
    # Distance across the course on the ground, square to it where it runs sideways, then in
    # pixels along that direction: a pixel spans z / h across and z^2 / (CAMERA_HEIGHT h) in depth.
    slope = screen + turn  # d(center x) / dz
    norm = np.sqrt(1.0 + slope * slope)
    across = np.abs(p.x - screen * p.z) / norm - np.float32(r.half_width + widen)
    per_pixel = np.sqrt(1.0 + (slope * np.float32(CAMERA_HEIGHT) / p.z) ** 2) / norm
    d = across / p.z * np.float32(cv.h) * per_pixel
    if np.isfinite(r.end):
        d = np.maximum(d, (p.z - np.float32(r.end)) * np.float32(cv.h / r.end))
    return d


def hold_labels(cv: Canvas, band: Band, cover: np.ndarray) -> None:
    """Keep the label of a surface that takes the place of the ground it was painted over (the sea,
    a river, a field, a path) where its color comes close to that ground's or the sky's: only
    fog may hide it (world/canvas.py `settle_hidden_labels`)."""
    cv.contrast[band.rows][np.asarray(cover) > 0.5] = 1.0


def coverage(distance: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of a shape from its signed pixel distance (negative inside)."""
    return np.clip(0.5 - distance, 0.0, 1.0)
