"""Edit transfer: carry the change along a sequence of generated frames onto the full photo.

iGAN (section 4.3) does not paste the generated image over the photo: between each pair of
consecutive frames it estimates a flow and a local affine color change, accumulates them over the
sequence at the model's resolution, and applies the accumulated field to the photo at full
resolution, so the photo moves and recolors the way the generated picture did and keeps its own
detail. The frames I(0..T) run from the reconstruction of the photo's box (frame 0) to the edited
result (frame T); the box is the `Frame.box` that was stretched to the model's square.

Units: field positions are model pixels (x, y), a pixel's centre at its integer index; colors
in the color model are in [0, 1]. Large photos are processed in horizontal strips, so memory
beyond the photo and its copy stays at a few tens of MB (bench/transfer.py measures it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.flow import (
    COLOR_EPS,
    COLOR_RADIUS,
    DEFAULT_FLOW_METHOD,
    apply_affine,
    check_frame,
    check_method,
    estimate_flow,
    fit_local_affine,
    invert_positions,
    pixel_grid,
    sample,
)

MODES = ("both", "color", "motion")

# Photo rows per strip are chosen so that the 12 color coefficients of a strip take about this
# many bytes (float32); the other per-strip arrays are smaller.
STRIP_BYTES = 8 << 20

# Feather width when none is given, as a fraction of the box's shorter side.
FEATHER_FRACTION = 0.03


@dataclass(frozen=True, eq=False)  # eq would compare arrays elementwise
class EditField:
    """The change from frame 0 to some frame t, at the model's resolution (h, w).

    source: (h, w, 2) float32, for each pixel of frame t the position (x, y) in frame 0, in model
        pixels, that its content came from.
    color: (h, w, 3, 4) float32, per pixel of frame t the affine map taking frame 0's color at
        `source` to frame t's color: I_t(x) ≈ color(x) · [I_0(source(x)), 1], colors in [0, 1].
    """

    source: np.ndarray
    color: np.ndarray

    def __post_init__(self) -> None:
        height, width = self.source.shape[:2]
        if self.source.shape != (height, width, 2) or self.color.shape != (height, width, 3, 4):
            raise ValueError(f"an EditField needs source (h, w, 2) and color (h, w, 3, 4), got "
                             f"{self.source.shape} and {self.color.shape}")

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in model pixels."""
        return self.source.shape[0], self.source.shape[1]

    @classmethod
    def identity(cls, height: int, width: int) -> EditField:
        """No motion and no color change."""
        color = np.zeros((height, width, 3, 4), np.float32)
        color[..., :3] = np.eye(3, dtype=np.float32)
        return cls(pixel_grid(height, width), color)

    def color_in_place(self) -> np.ndarray:
        """(h, w, 3, 4) color maps indexed by frame-0 position instead of frame-t position.

        `color` is read where frame 0's content went, so that applying the result to the photo
        without moving it gives each part of the photo the color change that its own content got
        (a sky that a rising mountain covers keeps the sky's change, not the mountain's).
        """
        height, width = self.size
        forward = invert_positions(self.source)
        flat = sample(self.color.reshape(height, width, 12), forward)
        return flat.reshape(height, width, 3, 4)


def accumulate(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW_METHOD, *,
               refine: bool = True, radius: int = COLOR_RADIUS,
               eps: float = COLOR_EPS) -> Iterator[EditField]:
    """The cumulative change from frames[0] to frames[t], for t = 1 .. T, one field per step.

    frames: a sequence (or (T+1, h, w, 3) array) of at least two RGB uint8 frames of one size.
    method: the flow estimator ("dis" or "farneback"). refine: after chaining each step's flow,
    also estimate the flow left between frame 0 carried along the chain (and recolored) and
    frame t, and fold it in, so that the errors of the steps do not pile up (twice the flow
    work; bench/transfer.py measures what it buys). radius (model pixels) and eps (color
    variance) regularise the color model, see `fit_local_affine`.

    The frames are checked before anything is computed; the fields are computed lazily, one
    pair of frames per step, so a morph can use every intermediate field.
    """
    check_method(method)
    frames = _check_frames(frames)
    return _accumulate(frames, method, refine, radius, eps)


def compose(source: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Positions in frame 0 of frame t + 1's pixels, from frame t's and the step's backward flow.

    source: (h, w, 2) float32, frame t's pixels' positions in frame 0; flow: (h, w, 2) float32,
    I_{t+1}(x) ≈ I_t(x + flow(x)). Returns source(x + flow(x)), (h, w, 2) float32.
    """
    grid = pixel_grid(*source.shape[:2])
    previous = grid + flow
    # Composing the displacement (not the absolute positions) extrapolates correctly where the
    # flow points outside the frame: a border-replicated shift, not a clamped position.
    return previous + sample(source - grid, previous)


def _accumulate(frames: list[np.ndarray], method: str, refine: bool, radius: int,
                eps: float) -> Iterator[EditField]:
    first = frames[0].astype(np.float32) / 255
    source = pixel_grid(*first.shape[:2])
    for before, after in itertools.pairwise(frames):
        target = after.astype(np.float32) / 255
        source = compose(source, estimate_flow(before, after, method))
        if refine:
            # Frame 0 brought to frame t + 1 by the chain (and recolored to match it) differs
            # from frame t + 1 by a small flow: the error the chain has piled up so far.
            carried = sample(first, source)
            carried = apply_affine(fit_local_affine(carried, target, radius, eps), carried)
            residual = estimate_flow(_to_uint8(carried), after, method)
            source = compose(source, residual)
        # The color change is fitted from frame 0 directly rather than composed step by step:
        # composing 3×4 fits of small, quantised changes piles up their noise (on the bench's
        # 9-frame sequences the photo's colors came out at 27-37 dB composed, 45-47 dB direct).
        color = fit_local_affine(sample(first, source), target, radius, eps)
        yield EditField(source, color)


def apply_field(region: np.ndarray, field: EditField, mode: str = "both", *,
                out: np.ndarray | None = None) -> np.ndarray:
    """The photo region moved and/or recolored the way the frames changed, at full resolution.

    region: RGB uint8 (H, W, 3), the photo's box (any size; the field's (h, w) grid is stretched
    over it). mode: "both" (move, then recolor: out(X) = C(X) · region(S(X))), "motion" (move
    only) or "color" (recolor in place with `EditField.color_in_place`, so edges stay where they
    are). out: an optional uint8 (H, W, 3) array to write into (it must not overlap `region`).
    Returns `out` or a new uint8 (H, W, 3) array. Works in strips of rows: the upsampled
    positions and colors never exist for the whole region at once.
    """
    if mode not in MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of {', '.join(MODES)}")
    check_frame(region, "region")
    big_h, big_w = region.shape[:2]
    if out is None:
        out = np.empty_like(region)
    elif out.shape != region.shape or out.dtype != np.uint8:
        raise ValueError(f"out must be uint8 {region.shape}, got {out.dtype} {out.shape}")
    height, width = field.size
    sx, sy = big_w / width, big_h / height
    # Both maps are first stretched to the region's height only (small: the model's width by
    # the photo's height); each strip then stretches its rows to the full width. Bilinear
    # resizing is separable, so this is the same as one full-size resize, strip by strip.
    shift = color = None
    if mode != "color":
        model_shift = (field.source - pixel_grid(height, width)) * np.float32([sx, sy])
        shift = cv2.resize(model_shift, (width, big_h), interpolation=cv2.INTER_LINEAR)
    if mode != "motion":
        maps = (field.color if mode == "both" else field.color_in_place()).copy()
        maps[..., 3] *= 255  # offsets in the photo's 0..255 units
        color = cv2.resize(maps.reshape(height, width, 12), (width, big_h),
                           interpolation=cv2.INTER_LINEAR)
    rows = max(1, STRIP_BYTES // (big_w * 12 * 4))
    xs = np.arange(big_w, dtype=np.float32)
    for top in range(0, big_h, rows):
        bottom = min(big_h, top + rows)
        if shift is None:
            pixels = region[top:bottom]
        else:
            moved = cv2.resize(shift[top:bottom], (big_w, bottom - top),
                               interpolation=cv2.INTER_LINEAR)
            map_x = moved[..., 0] + xs
            map_y = moved[..., 1] + np.arange(top, bottom, dtype=np.float32)[:, None]
            # Bicubic: a sub-pixel shift through bilinear weights visibly softens photo detail.
            pixels = cv2.remap(region, map_x, map_y, cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)
        if color is None:
            out[top:bottom] = pixels
        else:
            # Plane by plane: contiguous (rows, W) arrays are about twice as fast to combine as
            # strided channels of one interleaved (rows, W, 12) array.
            coeffs = [cv2.resize(plane, (big_w, bottom - top), interpolation=cv2.INTER_LINEAR)
                      for plane in cv2.split(color[top:bottom])]
            out[top:bottom] = _recolor(coeffs, pixels)
    return out


def _recolor(coeffs: list[np.ndarray], pixels: np.ndarray) -> np.ndarray:
    """Per-pixel affine colors: coeffs, 12 (n, W) float32 planes of the 3×4 maps, row-major,
    offsets in 0..255; pixels (n, W, 3) uint8 → (n, W, 3) uint8, rounded and clipped."""
    values = [plane.astype(np.float32) for plane in cv2.split(pixels)]
    scratch = np.empty(pixels.shape[:2], np.float32)
    channels = []
    for c in range(3):
        channel = coeffs[4 * c + 3] + np.float32(0.5)  # + 0.5: the cast below truncates
        for i in range(3):
            np.multiply(coeffs[4 * c + i], values[i], out=scratch)
            channel += scratch
        np.clip(channel, 0, 255, out=channel)
        channels.append(channel)
    return cv2.merge(channels).astype(np.uint8)


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
    left, top, right, bottom = _check_box(photo, box)
    check_frame(result, "result")
    if result.shape[:2] != (bottom - top, right - left):
        raise ValueError(f"result is {result.shape[1]}×{result.shape[0]}, the box "
                         f"{tuple(box)} is {right - left}×{bottom - top}")
    width = _feather_width((left, top, right, bottom), feather)
    out = photo.copy()
    out[top:bottom, left:right] = result
    _feather(out, photo, (left, top, right, bottom), width)
    return out


def transfer(photo: np.ndarray, box: tuple[int, int, int, int], frames: Sequence[np.ndarray],
             mode: str = "both", method: str = DEFAULT_FLOW_METHOD, *,
             feather: float | None = None) -> np.ndarray:
    """The photo with the change from frames[0] to frames[-1] carried onto its box.

    photo: RGB uint8 (H, W, 3); box: (left, top, right, bottom), the region that frames[0]
    reconstructs (`Frame.box`); frames: at least two RGB uint8 frames of one size; mode and
    method as in `apply_field` and `accumulate`; feather as in `paste_region`. Returns a new
    uint8 photo; nothing outside the box changes.
    """
    if mode not in MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; choose one of {', '.join(MODES)}")
    check_frame(photo, "photo")
    left, top, right, bottom = _check_box(photo, box)
    width = _feather_width((left, top, right, bottom), feather)
    *_, field = accumulate(frames, method)
    out = photo.copy()
    apply_field(photo[top:bottom, left:right], field, mode, out=out[top:bottom, left:right])
    _feather(out, photo, (left, top, right, bottom), width)
    return out


def _to_uint8(colors: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(colors * 255), 0, 255).astype(np.uint8)


def _check_frames(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    frames = list(frames)
    if len(frames) < 2:
        raise ValueError(f"an edit transfer needs at least 2 frames, got {len(frames)}")
    for i, frame in enumerate(frames):
        check_frame(frame, f"frame {i}")
        if frame.shape != frames[0].shape:
            raise ValueError(f"frame {i} is {frame.shape[1]}×{frame.shape[0]}, frame 0 is "
                             f"{frames[0].shape[1]}×{frames[0].shape[0]}; all frames must match")
    return frames


def _check_box(photo: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    height, width = photo.shape[:2]
    if len(box) != 4:
        raise ValueError(f"box must be (left, top, right, bottom), got {box!r}")
    left, top, right, bottom = (int(v) for v in box)
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise ValueError(f"box {tuple(box)} (left, top, right, bottom) is not inside the "
                         f"{width}×{height} photo")
    return left, top, right, bottom


def _feather_width(box: tuple[int, int, int, int], feather: float | None) -> float:
    left, top, right, bottom = box
    if feather is None:
        return FEATHER_FRACTION * min(bottom - top, right - left)
    if not feather >= 0:
        raise ValueError(f"feather must be >= 0 photo pixels, got {feather}")
    return float(feather)


def _feather(out: np.ndarray, photo: np.ndarray, box: tuple[int, int, int, int],
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
