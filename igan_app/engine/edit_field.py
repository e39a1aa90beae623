"""The edit field: the change along a sequence of generated frames, at the model's resolution.

iGAN (section 4.3) does not paste the generated image over the photo: between each pair of
consecutive frames it estimates a flow and a local affine color change and accumulates them over
the sequence (`accumulate`, giving an `EditField`); the accumulated field is then applied to the
photo at full resolution (`apply_field`), so the photo moves and recolors the way the generated
picture did and keeps its own detail. This module is that core, for one region the field's grid
is stretched over; engine/transfer.py puts it on a photo, and engine/spread.py carries it beyond
the region.

Units: field positions are model pixels (x, y), a pixel's centre at its integer index; colors
in the color model are in [0, 1]. Large regions are processed in horizontal strips, so memory
beyond the photo and its copy stays at a few tens of MB (bench/transfer.py measures it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.choices import CARRIED_MODES
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

MODES = CARRIED_MODES

# Photo rows per strip are chosen so that the 12 color coefficients of a strip take about this
# many bytes (float32); the other per-strip arrays are smaller.
STRIP_BYTES = 8 << 20


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
    frames = check_frames(frames)
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


def _to_uint8(colors: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(colors * 255), 0, 255).astype(np.uint8)


def check_frames(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The frames as a list, checked: at least two RGB uint8 frames of one size."""
    frames = list(frames)
    if len(frames) < 2:
        raise ValueError(f"an edit transfer needs at least 2 frames, got {len(frames)}")
    for i, frame in enumerate(frames):
        check_frame(frame, f"frame {i}")
        if frame.shape != frames[0].shape:
            raise ValueError(f"frame {i} is {frame.shape[1]}×{frame.shape[0]}, frame 0 is "
                             f"{frames[0].shape[1]}×{frames[0].shape[0]}; all frames must match")
    return frames


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
            recolor(coeffs, pixels, out=out[top:bottom])
    return out


def recolor(coeffs: Sequence[np.ndarray], pixels: np.ndarray, out: np.ndarray | None = None,
            work: np.ndarray | None = None) -> np.ndarray:
    """Per-pixel affine colors: coeffs, 12 (n, W) float32 planes of the 3×4 maps, row-major,
    offsets in 0..255; pixels (n, W, 3) uint8 → (n, W, 3) uint8, rounded and clipped.

    out: an optional uint8 (n, W, 3) array (or view) to write into; work: an optional float32
    (5, n, W) scratch array. A strip loop (engine/spread.py's) passes both so that nothing
    large is allocated per strip: allocating and faulting in fresh megabytes for every strip
    costs more than the arithmetic (12 MP in a fresh process: 0.5 s against 0.1 s).
    """
    if out is None:
        out = np.empty_like(pixels)
    if work is None:
        work = np.empty((5, *pixels.shape[:2]), np.float32)
    values, channel, scratch = work[:3], work[3], work[4]
    for i, plane in enumerate(cv2.split(pixels)):
        values[i][...] = plane
    for c in range(3):
        np.add(coeffs[4 * c + 3], np.float32(0.5), out=channel)  # + 0.5: the cast truncates
        for i in range(3):
            np.multiply(coeffs[4 * c + i], values[i], out=scratch)
            channel += scratch
        np.clip(channel, 0, 255, out=channel)
        np.copyto(out[..., c], channel, casting="unsafe")
    return out
