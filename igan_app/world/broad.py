"""The broad world: the classic world's scenes and more kinds of land (world/kinds.py), framings
and light that real landscape photographs have.

One scene: its sky and light drawn as in the classic world, then its kind; painted sky, clouds,
the kind's land, fog and grain, as world/render.py does for the classic world.
"""

from __future__ import annotations

import numpy as np

from igan_app.world import kinds
from igan_app.world.canvas import Canvas, settle_hidden_labels
from igan_app.world.light import scene_light
from igan_app.world.noise import fbm
from igan_app.world.scene import Scene, sample_scene
from igan_app.world.sky import paint_clouds, paint_sky


def sample_broad(rng: np.random.Generator) -> Scene:
    return kinds.sample_kind(rng, sample_scene(rng))


def render_broad(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    scene = sample_broad(rng)
    cv = Canvas.new(scene, scene_light(scene), h, w)
    paint_sky(cv, rng)
    paint_clouds(cv, rng)
    kinds.paint_land(cv, rng)
    fog = 1.0 - np.exp(-cv.depth * np.float32(cv.light.fog_density))
    cv.rgb += (cv.light.fog - cv.rgb) * fog
    settle_hidden_labels(cv, fog)
    cv.rgb *= 1.0 + 0.035 * fbm(rng, h, w, h / 3.0, 1)
    image = np.clip(cv.rgb, 0.0, 1.0) * 255.0 + 0.5
    return np.ascontiguousarray(image.astype(np.uint8).transpose(1, 2, 0)), cv.labels
