"""The kinds of land a broad-world scene shows (world/broad.py): each kind draws its own
parameters and paints everything between the sky and the fog.

A kind's `sample(rng, scene)` returns the scene with `kind`, `terrain` (the kind's parameters)
and any scene fields it needs changed (a forest interior hides the horizon, a coast has no
mountains in front of the sea…); its `paint(cv, rng)` paints the land layers over the sky and
clouds already on the canvas. Labels stay those of world/palette.py: a path is sand, a field or
reeds are grass, a river or the sea is water, a cliff is rock, a trunk is tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from igan_app.world import land, trees
from igan_app.world.canvas import Canvas
from igan_app.world.coast import paint_coast, sample_coast
from igan_app.world.fields import paint_farmland, sample_fields
from igan_app.world.foreground import Foreground, paint_foreground, sample_foreground
from igan_app.world.forest_interior import paint_forest_interior, sample_forest_interior
from igan_app.world.path import paint_path, sample_path
from igan_app.world.river import paint_river, sample_river
from igan_app.world.scene import Scene


@dataclass(frozen=True)
class Kind:
    name: str
    weight: float  # how often the broad world draws it, relative to the others
    sample: Callable[[np.random.Generator, Scene], Scene]
    paint: Callable[[Canvas, np.random.Generator], None]


@dataclass(frozen=True)
class Valley:
    """The classic land's own parameters are the scene's; the broad world may add a foreground."""

    foreground: Foreground | None = None


def sample_valley(rng: np.random.Generator, scene: Scene) -> Scene:
    return replace(scene, kind="valley", terrain=Valley(sample_foreground(rng, scene, 0.2)))


def paint_valley(cv: Canvas, rng: np.random.Generator) -> None:
    """The classic world's land: mountains, meadow or dunes, hills, forests, a lake, boulders."""
    land.paint_mountains(cv, rng)
    land.paint_ground(cv, rng)
    land.paint_hills(cv, rng)
    trees.paint_far_forest(cv, rng)
    if cv.scene.lake:
        land.paint_water(cv, rng)
    trees.paint_side_forest(cv, rng)
    land.paint_boulders(cv, rng)
    if isinstance(cv.scene.terrain, Valley):
        paint_foreground(cv, rng, cv.scene.terrain.foreground)


# The valley, the land every shipped model was trained on, keeps about a third of the scenes.
KINDS: dict[str, Kind] = {
    "valley": Kind("valley", 1.0, sample_valley, paint_valley),
    "coast": Kind("coast", 0.45, sample_coast, paint_coast),
    "forest_interior": Kind("forest_interior", 0.35, sample_forest_interior, paint_forest_interior),
    "river": Kind("river", 0.35, sample_river, paint_river),
    "path": Kind("path", 0.3, sample_path, paint_path),
    "fields": Kind("fields", 0.35, sample_fields, paint_farmland),
}


def sample_kind(rng: np.random.Generator, scene: Scene) -> Scene:
    """`scene` as one kind, drawn by the kinds' weights."""
    names = list(KINDS)
    weights = np.array([KINDS[n].weight for n in names], np.float64)
    name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return KINDS[name].sample(rng, scene)


def paint_land(cv: Canvas, rng: np.random.Generator) -> None:
    KINDS[cv.scene.kind].paint(cv, rng)
