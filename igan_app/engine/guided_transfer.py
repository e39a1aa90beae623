"""The guided edit transfer: the frames' change carried onto the photo at its own resolution,
guided by its own edges.

engine/transfer.py carries iGAN's per-pixel field: 3×4 color maps fitted per model pixel and
stretched over the photo (the generator's pixel noise comes back as blotches the size of a model
pixel) and the frames' flow (noise in it bends the photo's lines). Here instead:

- color: the change from frame 0 to frame T, added to the photo seen at the model's resolution,
  is fitted as a bilateral grid of affine maps (engine/bilateral_grid.py), guided by that
  picture's luminance, and sliced with the photo as the guide: smooth inside regions, as sharp
  as the photo at its edges. Fitting the photo's own colors (not frame 0's) to them plus the
  change keeps the maps right where the reconstruction differs from the photo.
- chroma: the maps give each pixel its lightness; its chroma is the photo's own, shifted by
  the maps' change of chroma smoothed along the photo's surfaces (engine/lab.py). A map's gain
  would otherwise turn a surface's light and dark into colored texture: mottling, most of all
  on dark ground and on water recolored to a saturated color.
- locality: given the strokes' painted area, the change is weighted by engine/locality.py
  before the fit, so that it stays on what was painted and what looks like it.
- motion (modes "both" and "motion" only): the accumulated flow where it is confident and
  smooth (engine/motion_gate.py), applied as engine/transfer.py applies a field's motion.
- spread: beyond the box, each pixel reads the grid at the nearest point of the box and at its
  own luminance (so a sky outside the box gets the sky's change), at a strength fading smoothly
  to none at the spread distance (engine/spread.py's fade); with no spread the change stops at
  the box, feathered, as engine/transfer.py's does.

The grid is sliced at a working resolution of at most `GuidedConfig.working_pixels` over the
region it changes (the chroma is smoothed there too) and the per-pixel maps are stretched
bilinearly to the photo's pixels strip by strip, so memory stays bounded; a 12 MP photo takes
about 0.95 s, most of it the chroma's Lab conversions at full resolution (bench/transfer.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from igan_app.engine.bilateral_grid import ColorGrid, GridConfig, fit_grid, luma
from igan_app.engine.choices import CARRIED_MODES, TRANSFER_MODES
from igan_app.engine.edit_field import STRIP_BYTES, check_frames, recolor
from igan_app.engine.flow import DEFAULT_FLOW_METHOD, check_frame, check_method, sample
from igan_app.engine.frame import check_box
from igan_app.engine.lab import chroma_change, shift_chroma
from igan_app.engine.locality import LocalityConfig, stroke_weight
from igan_app.engine.motion_gate import MotionConfig, confident_motion
from igan_app.engine.spread import DEFAULT_SPREAD, fade, spread_distance
from igan_app.engine.transfer import apply_to_photo, feather_box, feather_width

IDENTITY = np.eye(3, 4, dtype=np.float32).reshape(12)
MAPS = 12  # planes of one 3×4 map; with chroma, 2 planes of Lab a, b offsets follow


@dataclass(frozen=True)
class GuidedConfig:
    """grid, locality, motion: the parts' configs. working_pixels: the most pixels the grid is
    sliced at (over the region it changes); beyond that the sliced maps are stretched. chroma:
    above 0, the maps give only the lightness and the chroma moves by their change smoothed
    along the photo's surfaces over this many model pixels (Gaussian sigma; see `apply_grid`),
    so that a surface recolored keeps its own chroma texture instead of taking its light and
    dark as color; 0: the maps' own chroma. On bench/fidelity.py's 68 colour edits it took the
    worst chroma mottling from 1.54 to 1.40 and the edits over 1.25 from 5 to 2 (an ocean
    painted orange 1.47 to 1.11), reach and spill unchanged; sigma 2 or 4 gave no better."""

    grid: GridConfig = field(default_factory=GridConfig)
    locality: LocalityConfig = field(default_factory=LocalityConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    working_pixels: int = 1 << 20
    chroma: float = 1.0


def carried_mode(mode: str, asks_for_shape: bool) -> str:
    """What a transfer `mode` carries: "auto" is "both" when the strokes ask for shape (sketch
    or warp strokes: `Targets.has_sketch`), else "color"; the others are themselves."""
    if mode not in TRANSFER_MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of "
                         f"{', '.join(TRANSFER_MODES)}")
    if mode == "auto":
        return "both" if asks_for_shape else "color"
    return mode


def guided_transfer(photo: np.ndarray, box: tuple[int, int, int, int],
                    frames: Sequence[np.ndarray], mode: str = "color", *,
                    painted: np.ndarray | None = None, method: str = DEFAULT_FLOW_METHOD,
                    feather: float | None = None, spread: float = DEFAULT_SPREAD,
                    config: GuidedConfig = GuidedConfig()) -> np.ndarray:
    """The photo with the change from frames[0] to frames[-1] carried onto it, edge-aware.

    photo: RGB uint8 (H, W, 3); box: the region frames[0] reconstructs (`Frame.box`); frames:
    at least two RGB uint8 frames of one size; mode: one of CARRIED_MODES ("color" moves
    nothing). painted: (h, w) in [0, 1] at the frames' size, where the strokes painted (None:
    the change is kept everywhere). method: the flow estimator, for motion. feather, spread: as
    in `transfer.apply_to_photo`; pixels beyond the spread distance (or, with spread 0, outside
    the box) are bit-identical to `photo`. Returns a new uint8 photo.
    """
    import cv2

    if mode not in CARRIED_MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of "
                         f"{', '.join(CARRIED_MODES)}")
    check_frame(photo, "photo")
    box = check_box(box, photo.shape[:2])
    width = feather_width(box, feather)
    distance = spread_distance(box, spread)
    check_method(method)
    frames = check_frames(frames)
    height, size = frames[0].shape[:2]
    left, top, right, bottom = box
    seen = cv2.resize(photo[top:bottom, left:right], (size, height),
                      interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    first, last = (f.astype(np.float32) / 255 for f in (frames[0], frames[-1]))
    base = photo
    if mode != "color":
        motion, _ = confident_motion(frames, method, config.motion)
        base = apply_to_photo(photo, box, motion, "motion", feather=feather, spread=spread)
        if mode == "motion":
            return base
        seen, first = sample(seen, motion.source), sample(first, motion.source)
    change = last - first
    if painted is not None:
        change *= stroke_weight(painted, seen, config.locality)[..., None]
    grid = fit_grid(seen, np.clip(seen + change, 0, 1), None, config.grid)
    out = base.copy()
    apply_grid(base, out, box, grid, distance, config.working_pixels,
               config.chroma * (right - left) / size)
    if distance == 0:
        feather_box(out, base, box, width)
    return out


def apply_grid(photo: np.ndarray, out: np.ndarray, box: tuple[int, int, int, int],
               grid: ColorGrid, distance: float, working_pixels: int = 1 << 20,
               chroma_sigma: float = 0.0) -> None:
    """Write `photo` recolored by `grid` (spanning `box`) into `out` (a copy of it), in place,
    over the box grown by `distance` photo pixels (within the photo), fading to no change there.

    chroma_sigma: above 0, the maps give only the lightness, and the chroma changes by their
    own change smoothed along the photo's surfaces over this many photo pixels
    (engine/lab.chroma_change), so that a recolored surface keeps the photo's chroma texture.
    """
    import cv2

    left, top, right, bottom = box
    photo_h, photo_w = photo.shape[:2]
    reach = math.ceil(distance)
    region_l, region_t = max(0, left - reach), max(0, top - reach)
    region_r, region_b = min(photo_w, right + reach), min(photo_h, bottom + reach)
    region_w, region_h = region_r - region_l, region_b - region_t
    scale = min(1.0, math.sqrt(working_pixels / (region_w * region_h)))
    work_w, work_h = max(2, round(region_w * scale)), max(2, round(region_h * scale))
    region = photo[region_t:region_b, region_l:region_r]
    if (work_w, work_h) == (region_w, region_h):
        guide = region
    else:
        guide = cv2.resize(region, (work_w, work_h), interpolation=cv2.INTER_AREA)
    # Working pixels' centres on the photo, then on the grid (clamped to it: beyond the box the
    # nearest edge's maps) and their distance from the box.
    xs = region_l + (np.arange(work_w) + 0.5) * region_w / work_w - 0.5
    ys = region_t + (np.arange(work_h) + 0.5) * region_h / work_h - 0.5
    cells_y, cells_x, _ = grid.shape
    gx = ((xs - left + 0.5) / (right - left) * cells_x).astype(np.float32)
    gy = ((ys - top + 0.5) / (bottom - top) * cells_y).astype(np.float32)
    dx = np.maximum(0, np.maximum(left - 0.5 - xs, xs - (right - 0.5)))
    dy = np.maximum(0, np.maximum(top - 0.5 - ys, ys - (bottom - 0.5)))
    outside = distance > 0 and (dx.any() or dy.any())
    count = MAPS + 2 if chroma_sigma > 0 else MAPS
    planes = np.empty((count, work_h, work_w), np.float32)
    rows = max(1, STRIP_BYTES // (work_w * MAPS * 4))
    for first in range(0, work_h, rows):  # the maps, faded, strip by strip
        last = min(work_h, first + rows)
        band, shape = np.s_[first:last], (last - first, work_w)
        maps = grid.coefficients(np.broadcast_to(gx, shape),
                                 np.broadcast_to(gy[band, None], shape),
                                 luma(guide[band].astype(np.float32) / 255))
        if outside:
            maps -= IDENTITY
            maps *= fade(np.hypot(dy[band, None], dx[None, :]) / distance)[..., None]
            maps += IDENTITY
        planes[:MAPS, first:last] = maps.transpose(2, 0, 1)
    if chroma_sigma > 0:
        recolored = recolor(list(planes[:MAPS]), guide)
        chroma = chroma_change(guide, recolored, chroma_sigma * scale)
        if guide is region:  # at the photo's own pixels the recolored guide is the answer
            shift_chroma(region, recolored, chroma,
                         out=out[region_t:region_b, region_l:region_r])
            return
        planes[MAPS:] = chroma.transpose(2, 0, 1)
    if guide is region:  # at the photo's own pixels
        work = np.empty((5, rows, region_w), np.float32)
        for first in range(0, region_h, rows):
            last = min(region_h, first + rows)
            _recolor(planes[:, first:last], region[first:last],
                     out[region_t + first:region_t + last, region_l:region_r],
                     work[:, :last - first])
        return
    _recolor_in_strips(photo, out, (region_l, region_t, region_r, region_b), planes)


def _recolor_in_strips(photo: np.ndarray, out: np.ndarray, region: tuple[int, int, int, int],
                       planes: np.ndarray) -> None:
    """Recolor `region` of `photo` into `out` with the coefficient planes (12 or 14, h, w),
    smaller than the region and spanning it, stretched bilinearly (cv2.resize's convention) to
    its pixels, strip by strip."""
    import cv2

    region_l, region_t, region_r, region_b = region
    region_w, region_h = region_r - region_l, region_b - region_t
    work_h = planes.shape[1]
    rows = max(1, STRIP_BYTES // (region_w * len(planes) * 4))
    strip = np.empty((len(planes), rows, region_w), np.float32)
    work = np.empty((5, rows, region_w), np.float32)
    for first in range(0, region_h, rows):
        last = min(region_h, first + rows)
        count = last - first
        position = np.clip((np.arange(first, last) + 0.5) * work_h / region_h - 0.5, 0,
                           work_h - 1)
        below = np.minimum(position.astype(np.intp), work_h - 2)
        weight = (position - below).astype(np.float32)[:, None]
        coeffs = strip[:, :count]
        for plane, target in zip(planes, coeffs):
            lower = plane[below]
            rows_here = lower + weight * (plane[below + 1] - lower)
            cv2.resize(rows_here, (region_w, count), dst=target, interpolation=cv2.INTER_LINEAR)
        _recolor(coeffs, photo[region_t + first:region_t + last, region_l:region_r],
                 out[region_t + first:region_t + last, region_l:region_r], work[:, :count])


def _recolor(planes: np.ndarray, pixels: np.ndarray, out: np.ndarray, work: np.ndarray) -> None:
    """`pixels` recolored by the per-pixel maps in `planes` (12 or 14, n, w) into `out`: the
    affine maps, then, with 2 chroma planes, the photo's own chroma shifted by them."""
    recolor(list(planes[:MAPS]), pixels, out=out, work=work)
    if len(planes) > MAPS:
        shift_chroma(pixels, out, np.moveaxis(planes[MAPS:], 0, -1), out=out)


__all__ = ["GuidedConfig", "apply_grid", "carried_mode", "guided_transfer"]
