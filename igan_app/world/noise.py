"""Fractal value noise built from small random grids and fast upsampling.

Every noise field takes its own generator, seeded from the scene's, and draws its octaves from coarse
to fine, stopping at the finest octave the image can show. A scene therefore has the same layout
at every size: a larger render only adds finer octaves.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

Rng = np.random.Generator
_local = threading.local()  # one reusable child generator per thread


def child(rng: Rng) -> Rng:
    """A generator for one noise field, seeded from `rng`, so fields do not shift each other's draws.

    Setting PCG64's state directly is several times cheaper than seeding a new generator, which
    matters at a dozen fields per scene. The returned generator is reused: finish with it before
    the next call to child() on the same thread.
    """
    if not hasattr(_local, "rng"):
        _local.rng = np.random.Generator(np.random.PCG64(0))
    bits = _local.rng.bit_generator
    state = bits.state
    state["state"]["state"] = int(rng.integers(1 << 62))
    state["has_uint32"], state["uinteger"] = 0, 0
    bits.state = state
    return _local.rng


def fbm(rng: Rng, h: int, w: int, cells: float, octaves: int, *, gain: float = 0.5,
        stretch: float = 1.0, ridged: bool = False) -> np.ndarray:
    """An (h, w) float32 fractal noise field, roughly in [-1, 1].

    cells: grid cells across the field's height at the coarsest octave (each octave doubles it).
    stretch: > 1 elongates features horizontally (clouds, ripples), < 1 vertically (gullies).
    ridged: fold each octave as 1 - 2|n|, for sharp crests as on eroded rock.
    """
    rng = child(rng)
    # Coarse octaves are summed at a quarter of the resolution and upsampled once: OpenCV's resize
    # costs per output pixel, and most octaves are smooth enough not to need the full grid.
    mh, mw = max(h // 4, 1), max(w // 4, 1)
    coarse = np.zeros((mh, mw), np.float32)
    fine = None
    amp, total, ny = 1.0, 0.0, max(cells, 0.5)
    for _ in range(octaves):
        gy = math.ceil(ny) + 1
        gx = math.ceil(ny * w / h / stretch) + 1
        if min(gy, gx) > 2 and (gy > h / 1.5 or gx > w / 1.5):
            break  # finer than the image can show
        grid = rng.random((gy, gx), dtype=np.float32)
        grid -= 0.5
        small = gy * 4 <= mh and gx * 4 <= mw
        # Fine octaves are weak and dense enough that bilinear's creases do not show.
        octave = (cv2.resize(grid, (mw, mh), interpolation=cv2.INTER_CUBIC) if small
                  else cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR))
        if ridged:
            octave = 0.5 - 2.0 * np.abs(octave)
        if small:
            coarse += np.float32(amp) * octave
        elif fine is None:
            fine = np.float32(amp) * octave
        else:
            fine += np.float32(amp) * octave
        total += amp * 0.5
        amp *= gain
        ny *= 2.0
    out = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    if fine is not None:
        out += fine
    out *= np.float32(1.0 / max(total, 1e-6))
    return out


def profile(rng: Rng, n: int, cells: float, octaves: int, *, gain: float = 0.5,
            ridged: bool = False) -> np.ndarray:
    """A 1-D fractal noise profile of length n, roughly in [-1, 1] (ridge lines, shores)."""
    rng = child(rng)
    out = np.zeros(n, np.float32)
    amp, total, k = 1.0, 0.0, max(cells, 1.0)
    for _ in range(octaves):
        g = int(np.ceil(k)) + 3
        if g > n / 1.5:
            break
        octave = cv2.resize(rng.uniform(-1, 1, (1, g)).astype(np.float32), (n, 1),
                            interpolation=cv2.INTER_CUBIC)[0]
        if ridged:
            octave = 1.0 - 2.0 * np.abs(octave)
        out += np.float32(amp) * octave
        total += amp
        amp *= gain
        k *= 2.0
    return out / np.float32(max(total, 1e-6))


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) * np.float32(1.0 / (edge1 - edge0)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
