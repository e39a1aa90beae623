"""Cloud layers of the broad world's skies: cumulus, altocumulus, cirrus, stratus, overcast decks
and storm bases, laid on a plane above the land and seen in perspective.

A layer's noise lives on the cloud plane, not on the screen: clouds overhead are large and round,
those near the horizon small and flattened, as in a photograph. Each octave is a small random grid
sampled through the perspective map, and only where its cells are larger than a pixel: a larger
render adds fine octaves near the camera, so one scene is the same at every size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.world.canvas import SKY_DEPTH, Canvas
from igan_app.world.noise import smoothstep
from igan_app.world.palette import label_id

CLOUD = label_id("cloud")
FAR = 9.0  # the farthest the plane is drawn, in plane heights: beyond it, haze
NEAREST = 0.9  # a sky tilted straight up is still this far from its clouds


@dataclass(frozen=True)
class Layer:
    kind: str  # one of KINDS
    cover: float  # share of the sky covered, 0 .. 1
    cells: float  # cloud features per plane height at the coarsest octave
    stretch: float  # > 1: elongated across the view (streaks, rolls); < 1: along it
    softness: float  # width of the cloud's edge in noise units: small for crisp cumulus
    opacity: float  # the thickest part's coverage: cirrus never hides the sky
    gain: float  # fbm gain: high for lumpy, detailed clouds
    ridged: bool  # folded noise: storm bases and mackerel ripples
    relief: float  # how much thick parts darken: a deck's texture is all in its shading
    drift: float  # offset of the pattern across the plane


# kind: (cells, stretch, softness, opacity, gain, ridged, relief)
KINDS: dict[str, tuple[tuple[float, float], tuple[float, float], float, float, float, bool, float]] = {
    "cumulus": ((1.0, 2.0), (0.9, 1.6), 0.10, 1.0, 0.55, False, 0.35),
    "altocumulus": ((3.5, 6.0), (1.0, 2.2), 0.10, 0.92, 0.6, False, 0.35),
    "cirrus": ((0.6, 1.4), (4.0, 10.0), 0.45, 0.6, 0.55, False, 0.2),
    "stratus": ((0.4, 0.9), (3.0, 7.0), 0.30, 0.9, 0.5, False, 0.7),
    "deck": ((0.8, 1.6), (1.5, 3.5), 0.50, 1.0, 0.6, False, 1.1),
    "storm": ((0.5, 1.0), (1.5, 3.0), 0.35, 1.0, 0.6, True, 1.3),
}


def sample_layer(rng: np.random.Generator, kind: str, cover: tuple[float, float] = (0.2, 0.8)) -> Layer:
    if kind not in KINDS:
        raise ValueError(f"unknown cloud kind {kind!r}; choose one of {', '.join(KINDS)}")
    cells, stretch, softness, opacity, gain, ridged, relief = KINDS[kind]
    along = kind == "cirrus" and rng.random() < 0.35  # streaks running away towards the horizon
    s = float(rng.uniform(*stretch))
    return Layer(kind=kind, cover=float(rng.uniform(*cover)), cells=float(rng.uniform(*cells)),
                 stretch=1.0 / s if along else s, softness=softness, opacity=opacity, gain=gain,
                 ridged=ridged, relief=relief, drift=float(rng.uniform(-50.0, 50.0)))


def sample_layers(rng: np.random.Generator, choices: tuple[str, ...],
                  cover: tuple[float, float] = (0.2, 0.8)) -> tuple[Layer, ...]:
    """One of `choices` ("none", a kind, or kinds joined by "+", high to low) drawn evenly."""
    choice = choices[int(rng.integers(len(choices)))]
    if choice == "none":
        return ()
    return tuple(sample_layer(rng, kind, cover) for kind in choice.split("+"))


OCTAVES = 8  # the eighth adds under 2% of the first's amplitude


def lattice(seed: int, rows: range, cols: range) -> np.ndarray:
    """Values in [-0.5, 0.5) at integer lattice points, hashed from their coordinates: a patch of
    the lattice is the same wherever and however large the patch drawn around it is."""
    iy = np.arange(rows.start, rows.stop, dtype=np.int64)[:, None]
    ix = np.arange(cols.start, cols.stop, dtype=np.int64)[None, :]
    mask = np.int64(0xFFFFFFFF)
    v = (ix * 0x9E3779B1 + iy * 0x85EBCA77 + seed) & mask
    v ^= v >> 15
    v = (v * 0x2C1B3C6D) & mask
    v ^= v >> 12
    v = (v * 0x297A2D39) & mask
    v ^= v >> 15
    return (v.astype(np.float32) * np.float32(1.0 / 2**32)) - np.float32(0.5)


def plane_noise(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, footprint: np.ndarray,
                layer: Layer) -> np.ndarray:
    """fbm on the cloud plane at plane coordinates x, y ((n, w) each), roughly in [-1, 1].

    footprint: (n, 1) plane units one pixel spans at each row; an octave stops at the rows where
    its cells would be smaller than two pixels (rows run from near, at the top, to far).
    """
    seeds = rng.integers(0, 2**31, OCTAVES)
    out = np.zeros(x.shape, np.float32)
    # Normalised by every octave's amplitude, drawn or not: a smaller render only lacks detail.
    total = np.float32(0.5 * sum(layer.gain ** k for k in range(OCTAVES)))
    amp, cells = 1.0, layer.cells
    for octave_index in range(OCTAVES):
        # Rows where this octave still shows; at least the first row, for the coarsest octaves.
        visible = int(np.searchsorted(footprint[:, 0] * np.float32(cells), 0.5))
        if visible == 0:
            break
        gx = (x[:visible] * np.float32(cells / layer.stretch))
        gy = (y[:visible] * np.float32(cells))
        ix0, iy0 = math.floor(float(gx.min())) - 1, math.floor(float(gy.min())) - 1
        grid = lattice(int(seeds[octave_index]),
                       range(iy0, math.ceil(float(gy.max())) + 3), range(ix0, math.ceil(float(gx.max())) + 3))
        gx -= np.float32(ix0)
        gy -= np.float32(iy0)
        # Fine octaves are weak and dense enough that bilinear's creases do not show.
        octave = cv2.remap(grid, gx, gy, cv2.INTER_CUBIC if octave_index < 2 else cv2.INTER_LINEAR)
        if layer.ridged:
            octave = 0.5 - 2.0 * np.abs(octave)
        # Fade an octave in over the last rows where it shows, so its edge leaves no seam.
        fade = np.clip(2.0 - footprint[:visible] * np.float32(cells * 4.0), 0.0, 1.0)
        out[:visible] += np.float32(amp) * octave * fade
        amp *= layer.gain
        cells *= 2.0
    return out / total


def paint_layer(cv: Canvas, rng: np.random.Generator, layer: Layer, *, lit: np.ndarray,
                shade: np.ndarray, under: float) -> None:
    """Paint one layer over the sky.

    lit, shade: (3, 1, 1) colours of the cloud's lit and shaded sides; under: 0 when the light
    comes from above (day: bright tops, grey bases) .. 1 from below (the sun under the clouds).
    """
    s = cv.scene
    band = cv.band(0.0, s.horizon)
    if band.v[0, 0] >= s.horizon:
        return
    a = np.maximum(np.float32(s.horizon) - band.v, np.float32(1.0 / FAR))  # (n, 1)
    dist = np.minimum(1.0 / a, np.float32(FAR))
    dist = np.maximum(dist, np.float32(NEAREST))
    x = (cv.u[None, :] - np.float32(0.5 * cv.aspect)) * dist + np.float32(layer.drift)
    y = np.broadcast_to(dist, x.shape)
    density = plane_noise(rng, x, y, dist / np.float32(cv.h), layer)

    # The density at which a pixel is half cloud: the noise is about normal, sd 0.29 (folded
    # noise sits higher), so that `cover` is roughly the share of the sky covered.
    half = 0.45 - 0.9 * layer.cover + (0.24 if layer.ridged else 0.0)
    threshold = half - 0.5 * layer.softness
    alpha = smoothstep(threshold, threshold + layer.softness, density)
    thick = smoothstep(threshold + 0.05, threshold + 0.5, density)
    # Light from below shows on a cloud's lower edge, light from above on its upper edge.
    k = max(1, cv.h // 50)
    below = np.empty_like(density)
    below[:-k], below[-k:] = density[k:], density[-1:]
    above = np.empty_like(density)
    above[k:], above[:k] = density[:-k], density[:1]
    edge = np.float32(under) * (density - below) + np.float32(1.0 - under) * (density - above)
    base = 0.45 - 0.25 * under  # lit from below, most of a cloud is in its own shadow
    # Thickness by the noise itself, not by the edge: a deck covering the sky still has relief.
    relief = np.float32(layer.relief) * (smoothstep(-0.4, 0.4, density) - 0.5)
    lighting = np.clip(base + 5.0 * edge - 0.3 * thick - relief
                       + 0.3 * (1.0 - thick) * under, 0.0, 1.0)
    # Towards the sun clouds glow, away from it they fall into their shade colour.
    toward = np.exp(-((cv.u[None, :] - np.float32(s.sun_x * cv.aspect)) ** 2) * np.float32(1.2))
    lighting = lighting * (0.55 + 0.45 * toward) if under > 0.3 else lighting
    color = shade + (lit - shade) * lighting
    # Far clouds fade into the haze along the horizon, except a deck's: it reaches the horizon.
    haze = smoothstep(1.0 / FAR, 2.5 / FAR, a)
    alpha = alpha * np.float32(layer.opacity) * (haze + (1.0 - haze) * np.float32(layer.cover ** 4))
    cv.put(band, alpha, color, CLOUD, SKY_DEPTH)
