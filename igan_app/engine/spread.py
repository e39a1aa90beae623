"""Spread: carrying a box's change beyond the box, fading with distance.

The model sees only the box, but the edit is of the photo: a recolored sky that stopped at the
box would end in a square's hard edges. So outside the box each photo pixel gets the change of
the nearest part of the box's edge (its color maps and motion, replicated outwards and smoothed
the more the farther out), at a strength falling smoothly to none at the spread distance; see
`transfer.apply_to_photo`, which uses this for any spread > 0. This module is that machinery:
the field padded beyond the box, the distance-dependent blur, the smoothstep fade, and the strip
loop that applies the extended field to the photo. The field itself and the color arithmetic
are engine/edit_field.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.edit_field import STRIP_BYTES, EditField, recolor
from igan_app.engine.flow import pixel_grid

# How far beyond the box the change reaches by default, as a fraction of the box's shorter side
# (see `transfer.apply_to_photo`). With the centre square edited, the photo's side borders are
# 0.17 of the side away on a 4:3 photo, 0.25 on 3:2, 0.3 on 16:10 and 0.39 on 16:9; at 1 the change
# there keeps about 92%, 83%, 77% and 64% of its strength, so a recolored sky reaches the whole
# sky (at 0.5: 74%, 50%, 35% and 13%, and the sides of a 16:10 sunset stayed visibly blue).
DEFAULT_SPREAD = 1.0
# Outside the box the edge's change is blurred with a Gaussian whose sigma is this many model
# pixels per model pixel of distance from the box: with none, one edge pixel's odd change
# streaks straight across the photo (a cloud's brightening on the storm demo); at 1 the sky's
# and the ground's changes mix across the horizon.
SPREAD_BLUR = 0.5
# Nodes per model pixel of the extended field in the bands beside the box, where they cannot
# sit on the model's columns.
SPREAD_NODES = 2


def spread_distance(box: tuple[int, int, int, int], spread: float) -> float:
    """The spread as a distance in photo pixels."""
    if not spread >= 0:
        raise ValueError(f"spread must be >= 0 (a fraction of the box's side), got {spread}")
    left, top, right, bottom = box
    return float(spread) * min(bottom - top, right - left)


def apply_spread(photo: np.ndarray, out: np.ndarray, box: tuple[int, int, int, int],
                 field: EditField, mode: str, distance: float) -> None:
    """Write the photo with `field` applied over `box` and carried `distance` photo pixels
    beyond it into `out` (a copy of `photo`), in place.

    photo: RGB uint8 (H, W, 3); box: a checked (left, top, right, bottom); mode one of
    edit_field.MODES; distance > 0, from `spread_distance`. Only the box grown by `distance`,
    within the photo, is touched.
    """
    left, top, right, bottom = box
    height, photo_w = photo.shape[:2]
    reach = math.ceil(distance)
    region = (max(0, left - reach), max(0, top - reach), min(photo_w, right + reach),
              min(height, bottom + reach))
    _apply_in_strips(photo, out, _spread_field(field, mode, box, region, distance))


def fade(t: np.ndarray) -> np.ndarray:
    """Strength of the change at t = distance from the box / fade distance: 1 at 0, 0 from 1 on,
    with zero slope at both ends, so there is no kink where the box or the change ends."""
    t = np.clip(t, 0, 1)
    return 1 - t * t * (3 - 2 * t)


@dataclass(frozen=True, eq=False)
class _SpreadField:
    """An EditField extended over a region of the photo (see `_spread_field`).

    nodes: (gh, n, C) float32, the extended field at the model's rows (padded by whole model
    pixels) and at n node columns. Channels: the 12 color coefficients, offsets in 0..255
    (absent in mode "motion"), then the shift (x, y) in photo pixels (absent in mode "color").
    segments: (first node, last node + 1, first column, last column + 1) per stretch of the
    region's columns (relative to the region) whose nodes are evenly spaced over it in
    cv2.resize's convention: resizing those nodes to the stretch's width interpolates linearly
    between them. Photo row y sits at nodes row y · row_scale + row_offset.
    """

    region: tuple[int, int, int, int]
    mode: str
    nodes: np.ndarray
    segments: tuple[tuple[int, int, int, int], ...]
    row_scale: float
    row_offset: float

    def rows(self, first: int, last: int) -> np.ndarray:
        """The field at photo rows first .. last − 1: (last − first, n, C) float32, linear
        between the model's rows (exact: cv2.remap would round the positions to 1/32)."""
        last_row = self.nodes.shape[0] - 1  # >= 1: frames are at least 2 pixels high
        position = np.clip(np.arange(first, last) * self.row_scale + self.row_offset, 0, last_row)
        below = np.minimum(position.astype(np.intp), last_row - 1)
        weight = (position - below).astype(np.float32)[:, None, None]
        lower = self.nodes[below]
        return lower + weight * (self.nodes[below + 1] - lower)


def _spread_field(field: EditField, mode: str, box: tuple[int, int, int, int],
                  region: tuple[int, int, int, int], distance: float) -> _SpreadField:
    """`field`, stretched over `box`, extended over `region` (the box grown by `distance`).

    Inside the box the grid holds the field itself. Outside, each grid pixel holds the change
    of the nearest edge pixel (edge-replicated) blurred with sigma SPREAD_BLUR × its distance
    from the box, so that one edge row's quirks do not streak across the photo and the change
    far out is that of a stretch of the edge, and scaled by `fade` towards no change.
    """
    height, width = field.size
    left, top, right, bottom = box
    region_l, region_t, region_r, region_b = region
    sx, sy = width / (right - left), height / (bottom - top)  # model pixels per photo pixel

    def model_x(x):  # photo column → model column, as cv2.resize maps them
        return (np.asarray(x, np.float64) - left + 0.5) * sx - 0.5

    def model_y(y):
        return (np.asarray(y, np.float64) - top + 0.5) * sy - 0.5

    # Whole model pixels added on each side to reach the region's outermost pixels (none where
    # the region ends with the box: there the edge is replicated, as cv2.resize does).
    pad_l = math.ceil(-model_x(region_l)) if region_l < left else 0
    pad_r = math.ceil(model_x(region_r - 1) - (width - 1)) if region_r > right else 0
    pad_t = math.ceil(-model_y(region_t)) if region_t < top else 0
    pad_b = math.ceil(model_y(region_b - 1) - (height - 1)) if region_b > bottom else 0

    identity = np.eye(3, 4, dtype=np.float32).reshape(12)
    channels = []
    if mode != "motion":
        maps = field.color if mode == "both" else field.color_in_place()
        maps = maps.reshape(height, width, 12) - identity
        maps[..., 3::4] *= 255  # offsets in the photo's 0..255 units
        channels.append(maps)
    if mode != "color":
        channels.append((field.source - pixel_grid(height, width)) / np.float32([sx, sy]))
    change = np.concatenate(channels, axis=-1).astype(np.float32)
    padded = cv2.copyMakeBorder(change, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_REPLICATE)
    padded = padded.reshape(*padded.shape[:2], change.shape[-1])

    # Each grid pixel's distance from the box, in photo pixels and in model pixels.
    grid_h, grid_w = padded.shape[:2]
    xs = left + (np.arange(grid_w) - pad_l + 0.5) / sx - 0.5  # grid pixel centres on the photo
    ys = top + (np.arange(grid_h) - pad_t + 0.5) / sy - 0.5
    dx = np.maximum(0, np.maximum(left - 0.5 - xs, xs - (right - 0.5)))
    dy = np.maximum(0, np.maximum(top - 0.5 - ys, ys - (bottom - 0.5)))
    photo_d = np.hypot(dy[:, None], dx[None, :])
    sigma = SPREAD_BLUR * np.hypot(dy[:, None] * sy, dx[None, :] * sx)

    # Blurs of the padded grid with sigmas 1, 2, 4, ...; each pixel outside the box takes the
    # linear mix of the two whose sigmas bracket its own (below 1: of the unblurred grid and 1).
    extended = padded.copy()
    level, previous = 1.0, padded
    while level / 2 < sigma.max():
        blurred = cv2.GaussianBlur(padded, (0, 0), level, borderType=cv2.BORDER_REPLICATE)
        blurred = blurred.reshape(padded.shape)
        below = level / 2 if level > 1 else 0.0
        chosen = (sigma > below) & (sigma <= level)
        t = ((sigma[chosen] - below) / (level - below)).astype(np.float32)[:, None]
        extended[chosen] = previous[chosen] + t * (blurred[chosen] - previous[chosen])
        level, previous = level * 2, blurred

    # A photo pixel's value mixes grid pixels up to 2 model pixels away (the nodes, then the
    # pixels between them), so the fade ends that much early: beyond `distance` all are zero
    # and the photo is left exactly as it was.
    fade_to = distance - math.hypot(2 / sx, 2 / sy)
    weight = fade(photo_d / fade_to) if fade_to > 0 else (photo_d == 0).astype(np.float64)
    extended *= weight[..., None].astype(np.float32)
    if mode != "motion":
        extended[..., :12] += identity

    # Node columns, one set per stretch of the region's width: within the box the model's own
    # columns, so that the box gets exactly what `apply_field` gives it; in the bands beside
    # the box SPREAD_NODES per model pixel, evenly spaced as cv2.resize wants them.
    columns, segments = [], []
    for start, stop in ((region_l, left), (left, right), (right, region_r)):
        if start == stop:
            continue
        if (start, stop) == (left, right):
            stretch = np.arange(width, dtype=np.float64) + pad_l
        else:
            count = math.ceil(SPREAD_NODES * (stop - start) * sx)
            photo_x = start + (np.arange(count) + 0.5) * (stop - start) / count - 0.5
            stretch = np.clip(model_x(photo_x) + pad_l, 0, grid_w - 1)
        first = sum(len(c) for c in columns)
        segments.append((first, first + len(stretch), start - region_l, stop - region_l))
        columns.append(stretch)
    columns = np.concatenate(columns)
    before = np.minimum(columns.astype(np.intp), grid_w - 2)
    between = (columns - before).astype(np.float32)[None, :, None]
    at_nodes = extended[:, before] + between * (extended[:, before + 1] - extended[:, before])
    return _SpreadField(region, mode, at_nodes, tuple(segments), sy,
                        (-top + 0.5) * sy - 0.5 + pad_t)


def _apply_in_strips(photo: np.ndarray, out: np.ndarray, spread: _SpreadField) -> None:
    """Write the photo changed by `spread` into `out`'s region, strip by strip.

    Per strip of rows, the field is interpolated between the model's rows at the nodes (small),
    each channel is stretched to the region's width, and the photo is moved (cv2.remap from the
    whole photo, so content coming into the box from beyond it is the photo's own) and
    recolored, all into buffers allocated once.
    """
    region_l, region_t, region_r, region_b = spread.region
    region_w = region_r - region_l
    channels = spread.nodes.shape[2]
    rows = max(1, STRIP_BYTES // (region_w * 12 * 4))
    planes = np.empty((channels, rows, region_w), np.float32)
    work = np.empty((5, rows, region_w), np.float32) if spread.mode != "motion" else None
    moved = np.empty((rows, region_w, 3), np.uint8) if spread.mode == "both" else None
    xs = np.arange(region_l, region_r, dtype=np.float32)
    for first in range(region_t, region_b, rows):
        last = min(region_b, first + rows)
        count = last - first
        strip = planes[:, :count]
        for plane, nodes in zip(strip, cv2.split(spread.rows(first, last))):
            for node_a, node_b, column_a, column_b in spread.segments:
                view = plane[:, column_a:column_b]
                _written(view, cv2.resize(nodes[:, node_a:node_b], (column_b - column_a, count),
                                          dst=view, interpolation=cv2.INTER_LINEAR))
        target = out[first:last, region_l:region_r]
        if spread.mode == "color":
            pixels = photo[first:last, region_l:region_r]
        else:
            map_x, map_y = strip[-2], strip[-1]
            map_x += xs
            map_y += np.arange(first, last, dtype=np.float32)[:, None]
            # Bicubic, as in apply_field; straight into `out` when there is nothing to recolor.
            view = target if moved is None else moved[:count]
            pixels = _written(view, cv2.remap(photo, map_x, map_y, cv2.INTER_CUBIC, dst=view,
                                              borderMode=cv2.BORDER_REPLICATE))
        if work is not None:
            recolor(strip[:12], pixels, out=target, work=work[:, :count])


def _written(view: np.ndarray, result: np.ndarray) -> np.ndarray:
    """`view`, holding `result`: OpenCV writes into a `dst` view it can use (and returns it);
    should it ever allocate instead, the result is copied in."""
    if result is not view:
        view[...] = result
    return view

