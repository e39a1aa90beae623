"""Edits of a painted label map: brush, line, fill, a new map, a world scene's map.

A label map is an (H, W) uint8 array of world label ids (`igan_app.world.palette`). The edits
change it in place and say whether anything changed; coordinates are map pixels, x right and
y down, pixel (i, j) covering x in [j, j+1), y in [i, i+1). The canvas converts mouse positions
into these; nothing here knows about widgets.
"""

from __future__ import annotations

import math

import numpy as np

MAP_SIDE = 256  # the painted map is MAP_SIDE × MAP_SIDE
BACKGROUND = 0  # sky: what New fills with and what the eraser paints
MIN_RADIUS = math.sqrt(0.5)  # a 1 px brush still covers the pixel under the pointer

Point = tuple[float, float]


def new_map(side: int = MAP_SIDE) -> np.ndarray:
    """A side × side map of sky."""
    return np.full((side, side), BACKGROUND, np.uint8)


def stamp_segment(labels: np.ndarray, start: Point, end: Point, diameter: float,
                  label: int) -> bool:
    """Paint `label` under a round brush of `diameter` map pixels moved from `start` to `end`
    (a dot when they are equal): every pixel whose centre is within diameter/2 of the segment.
    Returns whether a pixel changed."""
    height, width = labels.shape
    radius = max(diameter / 2.0, MIN_RADIUS)
    (x0, y0), (x1, y1) = start, end
    left = max(0, math.floor(min(x0, x1) - radius))
    right = min(width, math.ceil(max(x0, x1) + radius) + 1)
    top = max(0, math.floor(min(y0, y1) - radius))
    bottom = min(height, math.ceil(max(y0, y1) + radius) + 1)
    if left >= right or top >= bottom:
        return False
    ys, xs = np.mgrid[top:bottom, left:right].astype(np.float32) + np.float32(0.5)
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    # The closest point of the segment to each pixel centre, as a fraction t along it.
    t = (np.zeros_like(xs) if length2 == 0.0
         else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0))
    inside = (xs - (x0 + t * dx)) ** 2 + (ys - (y0 + t * dy)) ** 2 <= radius * radius
    window = labels[top:bottom, left:right]
    changed = inside & (window != label)
    window[changed] = label
    return bool(changed.any())


def flood_fill(labels: np.ndarray, point: Point, label: int) -> bool:
    """Give the 4-connected region of equal labels under `point` the label `label`. Returns
    whether a pixel changed (False outside the map or on a region that has it already)."""
    import cv2  # not paid for by the GUI's first paint

    height, width = labels.shape
    x, y = math.floor(point[0]), math.floor(point[1])
    if not (0 <= x < width and 0 <= y < height) or labels[y, x] == label:
        return False
    mask = np.zeros((height + 2, width + 2), np.uint8)
    region = np.ascontiguousarray(labels)
    cv2.floodFill(region, mask, (x, y), int(label), 0, 0, 4)
    if region is not labels:
        labels[...] = region
    return True


def random_scene(seed: int, side: int = MAP_SIDE) -> np.ndarray:
    """The label map of world scene `seed`, side × side."""
    from igan_app.world.render import render

    return render(seed, side)[1]


__all__ = ["BACKGROUND", "MAP_SIDE", "flood_fill", "new_map", "random_scene", "stamp_segment"]
