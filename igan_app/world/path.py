"""A dirt path or farm track leading into the picture through a meadow, to the horizon or over a
rise where it drops out of sight."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from igan_app.world import ground, trees
from igan_app.world import light as lt
from igan_app.world.canvas import Canvas
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.land import GRASS, SAND
from igan_app.world.scene import Scene


@dataclass(frozen=True)
class Path:
    course: ground.Ribbon  # its `end` is where it goes over the rise (inf: to the horizon)
    ruts: bool  # a track: two wheel ruts with grass between them
    tint: tuple[float, float, float]  # the soil's color
    foreground: Foreground | None = None


def sample_path(rng: np.random.Generator, scene: Scene) -> Scene:
    course = ground.sample_ribbon(rng, 1.0, float(rng.uniform(0.008, 0.022)), 0.25)
    if rng.random() < 0.5:
        course = replace(course, end=float(rng.uniform(0.5, 2.5)))
    soil = np.array([0.82, 0.66, 0.44]) * rng.uniform(0.6, 1.0) \
        * np.array([1.0, rng.uniform(0.85, 1.0), rng.uniform(0.75, 1.0)])
    path = Path(course=course, ruts=bool(rng.random() < 0.35), tint=tuple(float(c) for c in soil),
                foreground=sample_foreground(rng, scene, 0.4, ("grass", "flowers")))
    return ground.as_kind(scene, "path", path, boulders=min(scene.boulders, 2))


def paint_path(cv: Canvas, rng: np.random.Generator) -> None:
    """The meadow, trees at one side, the path between them, what grows in front."""
    ground.paint_backdrop(cv, rng)
    trees.paint_side_forest(cv, rng)
    s, light = cv.scene, cv.light
    t: Path = s.terrain
    p = ground.plane(cv)
    fine = ground.texture(rng, p, 90.0, 90.0, 0.6)
    lumps = ground.texture(rng, p, 25.0, 25.0, 1.2)
    # Grass creeps over the edges: the edge wanders by a pixel or two.
    d = ground.ribbon_distance(cv, p, t.course) + 1.5 * lumps
    albedo = lt.rgb(*t.tint) * (0.85 + 0.2 * lumps + 0.15 * fine)
    lit = np.clip(0.6 + 0.25 * fine + 0.15 * lumps, 0.0, 1.0)
    cover = ground.coverage(d) * (cv.depth[p.band.rows] >= p.z * 0.999)  # not behind trees
    cv.put(p.band, cover, lt.shade(albedo, light, lit), SAND, p.z)
    ground.hold_labels(cv, p.band, cover)
    if t.ruts:
        # The middle of the track, between the wheels, stays grass.
        middle = ground.ribbon_distance(cv, p, replace(t.course, half_width=t.course.half_width * 0.3))
        grass = lt.grass_color(s.season) * (0.8 + 0.3 * lumps)
        cv.put(p.band, ground.coverage(middle + 1.0 * fine) * (cover > 0.5),
               lt.shade(grass, light, lit), GRASS, p.z)
    paint_foreground(cv, rng, t.foreground)
