"""Edit transfer: carry the change along a sequence of generated frames onto the full photo.

iGAN (section 4.3) does not paste the generated image over the photo: it accumulates the flow
and local color change between the frames at the model's resolution and applies that field to
the photo at full resolution, so the photo moves and recolors the way the generated picture did
and keeps its own detail (engine/edit_field.py). The frames I(0..T) run from the reconstruction
of the photo's box (frame 0) to the edited result (frame T); the box is the `Frame.box` that was
stretched to the model's square.

The model sees only the box, but the edit is of the photo: `transfer` also carries the change
beyond the box, fading over a `spread` distance (see `apply_to_photo`; the machinery is
engine/spread.py's), so that a recolored sky does not end in a square's hard edges. With no
spread the change stops at the box, faded into the photo inside its edges as `paste_region`
fades in a pasted result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from igan_app.engine.edit_field import MODES, EditField, accumulate, apply_field
from igan_app.engine.flow import DEFAULT_FLOW_METHOD, check_frame
from igan_app.engine.frame import check_box
from igan_app.engine.spread import DEFAULT_SPREAD, apply_spread, spread_distance

# Feather width when none is given, as a fraction of the box's shorter side.
FEATHER_FRACTION = 0.03


def transfer(photo: np.ndarray, box: tuple[int, int, int, int], frames: Sequence[np.ndarray],
             mode: str = "both", method: str = DEFAULT_FLOW_METHOD, *,
             feather: float | None = None, spread: float = DEFAULT_SPREAD) -> np.ndarray:
    """The photo with the change from frames[0] to frames[-1] carried onto it.

    photo: RGB uint8 (H, W, 3); box: (left, top, right, bottom), the region that frames[0]
    reconstructs (`Frame.box`); frames: at least two RGB uint8 frames of one size; mode and
    method as in `apply_field` and `accumulate`; feather and spread as in `apply_to_photo`.
    Returns a new uint8 photo.
    """
    if mode not in MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of {', '.join(MODES)}")
    check_frame(photo, "photo")
    box = check_box(box, photo.shape[:2])
    feather_width(box, feather)
    spread_distance(box, spread)
    *_, field = accumulate(frames, method)
    return apply_to_photo(photo, box, field, mode, feather=feather, spread=spread)


def apply_to_photo(photo: np.ndarray, box: tuple[int, int, int, int], field: EditField,
                   mode: str = "both", *, feather: float | None = None,
                   spread: float = DEFAULT_SPREAD) -> np.ndarray:
    """A copy of the photo with `field`, the change of its box at the model's resolution, applied.

    photo: RGB uint8 (H, W, 3); box: (left, top, right, bottom), the region the field's grid is
    stretched over (`Frame.box`); mode as in `apply_field`.
    spread: how far beyond the box the change reaches, as a fraction of the box's shorter side.
    Outside the box each pixel gets the change of the nearest part of the box's edge (the
    edge's color maps and motion, replicated outwards and smoothed the more the farther out),
    at a strength falling smoothly from 1 at the box to 0 at that distance. The color maps are
    functions of color, so a sky outside the box gets the sky's change; the motion dies out
    without tearing. Pixels farther than the spread distance from the box are bit-identical to
    `photo`; the work grows with the area of the box grown by that distance, within the photo.
    feather: with spread = 0 only: the change then stops at the box, fading into the photo over
    this many photo pixels inside its edges (None: 3% of the box's shorter side; 0: a hard
    edge), as in `paste_region`, and every pixel outside the box is bit-identical to `photo`.
    With spread > 0 it is checked but not used: the change already fades outside the box.
    """
    if mode not in MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of {', '.join(MODES)}")
    check_frame(photo, "photo")
    left, top, right, bottom = box = check_box(box, photo.shape[:2])
    width = feather_width(box, feather)
    distance = spread_distance(box, spread)
    out = photo.copy()
    if distance == 0:
        apply_field(photo[top:bottom, left:right], field, mode, out=out[top:bottom, left:right])
        feather_box(out, photo, box, width)
        return out
    apply_spread(photo, out, box, field, mode, distance)
    return out


def paste_region(photo: np.ndarray, box: tuple[int, int, int, int], result: np.ndarray,
                 feather: float | None = None) -> np.ndarray:
    """A copy of `photo` with `result` in its box, blended into the photo at the box's edges.

    photo: RGB uint8 (H, W, 3); box: (left, top, right, bottom) in photo pixels, right and bottom
    exclusive; result: uint8 (bottom − top, right − left, 3). feather: width in photo pixels of
    the band inside the box where the result fades into the photo (None: 3% of the box's shorter
    side; 0: a hard edge). Sides of the box on the photo's border are not faded. Every pixel
    outside the box is bit-identical to `photo`.
    """
    check_frame(photo, "photo")
    left, top, right, bottom = check_box(box, photo.shape[:2])
    check_frame(result, "result")
    if result.shape[:2] != (bottom - top, right - left):
        raise ValueError(f"result is {result.shape[1]}×{result.shape[0]}, the box "
                         f"{tuple(box)} is {right - left}×{bottom - top}")
    width = feather_width((left, top, right, bottom), feather)
    out = photo.copy()
    out[top:bottom, left:right] = result
    feather_box(out, photo, (left, top, right, bottom), width)
    return out


def feather_width(box: tuple[int, int, int, int], feather: float | None) -> float:
    """The feather in photo pixels: `feather` checked, or 3% of the box's shorter side."""
    left, top, right, bottom = box
    if feather is None:
        return FEATHER_FRACTION * min(bottom - top, right - left)
    if not feather >= 0:
        raise ValueError(f"feather must be >= 0 photo pixels, got {feather}")
    return float(feather)


def feather_box(out: np.ndarray, photo: np.ndarray, box: tuple[int, int, int, int],
             feather: float) -> None:
    """Fade `out`'s box back towards `photo` over `feather` pixels inside its edges, in place.

    Only the bands along the edges are touched, so this costs little even on a 24 MP photo.
    """
    if feather == 0:
        return
    left, top, right, bottom = box
    box_h, box_w = bottom - top, right - left
    height, width = photo.shape[:2]
    # Weight of the result: rising linearly from 0 at the box's edge to 1 `feather` pixels in.
    wy = _ramp(box_h, feather, top > 0, bottom < height)
    wx = _ramp(box_w, feather, left > 0, right < width)
    band_y, band_x = min(box_h, math.ceil(feather)), min(box_w, math.ceil(feather))
    top_rows = slice(0, band_y)
    bottom_rows = slice(max(band_y, box_h - band_y), box_h)
    middle_rows = slice(band_y, max(band_y, box_h - band_y))
    left_cols, right_cols = slice(0, band_x), slice(max(band_x, box_w - band_x), box_w)
    all_cols = slice(0, box_w)
    for rows, cols in ((top_rows, all_cols), (bottom_rows, all_cols),
                       (middle_rows, left_cols), (middle_rows, right_cols)):
        weight = (wy[rows, None] * wx[None, cols])[..., None]
        if weight.size == 0 or weight.min() >= 1:
            continue
        target = out[top:bottom, left:right][rows, cols]
        original = photo[top:bottom, left:right][rows, cols].astype(np.float32)
        blended = original + weight * (target.astype(np.float32) - original)
        target[...] = np.rint(blended).astype(np.uint8)


def _ramp(length: int, feather: float, fade_start: bool, fade_end: bool) -> np.ndarray:
    """Per-pixel weights along one side of the box: (length,) float32 in (0, 1]."""
    index = np.arange(length, dtype=np.float32) + 0.5
    weight = np.ones(length, np.float32)
    if fade_start:
        weight = np.minimum(weight, index / feather)
    if fade_end:
        weight = np.minimum(weight, (length - index) / feather)
    return np.clip(weight, 0, 1)
