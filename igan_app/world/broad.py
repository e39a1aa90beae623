"""The broad world: the classic world's scenes and more kinds of land (world/kinds.py), framings
and light that real landscape photographs have.

One scene: the classic world's draws, then its sky style (world/broad_sky.py), camera
(world/camera.py) and grade (world/grading.py), then its kind of land, which sees all of those.
It is painted on the camera's canvas (sky and clouds, the kind's land, fog, grain), framed
(horizon, roll, zoom), given depth of field and graded like a photograph.
"""

from __future__ import annotations

import numpy as np

from igan_app.world import broad_sky, camera, grading, kinds
from igan_app.world.canvas import SKY_DEPTH, Canvas
from igan_app.world.render import fog_and_grain, to_image
from igan_app.world.scene import Scene, sample_scene


def sample_broad(rng: np.random.Generator) -> Scene:
    scene = sample_scene(rng)
    scene = broad_sky.sample_sky(rng, scene)
    scene = camera.sample_camera(rng, scene)
    scene = grading.sample_grade(rng, scene)
    return kinds.sample_kind(rng, scene)


def render_broad(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return paint_broad(sample_broad(rng), rng, h, w)


def paint_broad(scene: Scene, rng: np.random.Generator, h: int, w: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Render given broad-world scene parameters at h x w; `rng` supplies the scene's noise."""
    frame = camera.frame_for(scene, h, w)
    ch, cw = frame.canvas
    cv = Canvas.new(scene, broad_sky.sky_light(scene), ch, cw)
    broad_sky.paint_sky(cv, rng)
    kinds.paint_land(cv, rng)
    # The sky is as far as its style says, for the fog: a saturated sunset is not washed out.
    depth = np.where(cv.depth >= SKY_DEPTH, np.float32(broad_sky.sky_fog_depth(scene)), cv.depth)
    fog_and_grain(cv, rng, depth)
    rgb, labels, depth = camera.take_frame(frame, cv.rgb, cv.labels, cv.depth, h, w)
    rgb = camera.depth_of_field(rgb, depth, scene.camera)
    rgb = grading.apply_grade(rgb, scene.grade, rng)
    return to_image(rgb), np.ascontiguousarray(labels)
