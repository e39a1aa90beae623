"""Render one landscape scene and its exactly aligned label map.

Layers are painted back to front (sky, clouds, mountains, ground, far forest, water, side forest,
boulders); each writes color, label and depth where it is in front, and fog is applied last from
the depth. All work is array-wide (numpy and OpenCV): a 128-pixel scene takes a few milliseconds.
"""

from __future__ import annotations

import cv2
import numpy as np

from igan_app.world import land, trees
from igan_app.world.canvas import Canvas, settle_hidden_labels
from igan_app.world.light import scene_light
from igan_app.world.noise import fbm
from igan_app.world.scene import Scene, sample_scene
from igan_app.world.sky import paint_clouds, paint_sky

MIN_SIZE, MAX_SIZE = 32, 1024
# "classic": the valleys every shipped model was trained on; "broad": more kinds of land,
# framings and light (world/broad.py). A seed is one scene within one world.
WORLDS = ("classic", "broad")


def parse_size(size: int | tuple[int, int]) -> tuple[int, int]:
    """An int is a square; a pair is (height, width). Both sides must lie in [32, 1024]."""
    h, w = (size, size) if isinstance(size, (int, np.integer)) else (int(size[0]), int(size[1]))
    if not (MIN_SIZE <= h <= MAX_SIZE and MIN_SIZE <= w <= MAX_SIZE):
        raise ValueError(f"scene size must be between {MIN_SIZE} and {MAX_SIZE} px, got {h}x{w}")
    return h, w


def render(seed: int, size: int | tuple[int, int] = 128, world: str = "classic"
           ) -> tuple[np.ndarray, np.ndarray]:
    """Render scene `seed` of `world` at `size` (an int for a square, or (height, width)).

    Returns an (H, W, 3) uint8 RGB image and its (H, W) uint8 label map (ids of
    igan_app.world.palette). The same seed and size always give the same bytes; the same seed at
    another size gives the same scene.
    """
    h, w = parse_size(size)
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must be in [0, 2**63), got {seed}")
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; choose one of {', '.join(WORLDS)}")
    rng = np.random.default_rng(seed)
    # OpenCV's worker threads cost more than they save on resizes this small.
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        if world == "broad":
            from igan_app.world.broad import render_broad
            return render_broad(rng, h, w)
        return render_scene(sample_scene(rng), rng, h, w)
    finally:
        cv2.setNumThreads(threads)


def render_scene(scene: Scene, rng: np.random.Generator, h: int, w: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Render given scene parameters; `rng` supplies the scene's noise."""
    cv = Canvas.new(scene, scene_light(scene), h, w)
    paint_sky(cv, rng)
    paint_clouds(cv, rng)
    land.paint_mountains(cv, rng)
    land.paint_ground(cv, rng)
    land.paint_hills(cv, rng)
    trees.paint_far_forest(cv, rng)
    if scene.lake:
        land.paint_water(cv, rng)
    trees.paint_side_forest(cv, rng)
    land.paint_boulders(cv, rng)
    fog_and_grain(cv, rng)
    return to_image(cv.rgb), cv.labels


def fog_and_grain(cv: Canvas, rng: np.random.Generator, depth: np.ndarray | None = None) -> None:
    """Fog by depth (the canvas's, or `depth`), labels settled under it, then a fine grain as in
    a photograph, so that flat areas are not perfectly flat."""
    depth = cv.depth if depth is None else depth
    fog = 1.0 - np.exp(-depth * np.float32(cv.light.fog_density))
    cv.rgb += (cv.light.fog - cv.rgb) * fog
    settle_hidden_labels(cv, fog)
    cv.rgb *= 1.0 + 0.035 * fbm(rng, cv.h, cv.w, cv.h / 3.0, 1)


def to_image(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) float colours in 0..1 → (H, W, 3) uint8, rounded."""
    image = np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5
    return np.ascontiguousarray(image.astype(np.uint8).transpose(1, 2, 0))
