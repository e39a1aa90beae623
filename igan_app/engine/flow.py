"""Motion and color between two generated frames: dense flow and a local affine color model.

The pieces of the edit transfer (iGAN, section 4.3) that look at one pair of frames. Frames are
RGB uint8 (h, w, 3) at the model's resolution; positions and flows are in pixels of that frame,
(x, y) with x to the right, y down and a pixel's centre at its integer index (cv2.remap's
convention). `edit_field.py` chains these pairs over a sequence and `transfer.py` applies the
result to a photo.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

FLOW_METHODS = ("dis", "farneback")
DEFAULT_FLOW_METHOD = "dis"

# Both estimators work on frames upscaled to at least this side: DIS's 8-pixel patches are too
# coarse for a 64-pixel frame (tuned on bench/transfer.py's 2 px pairs: DIS EPE 0.18 px on the
# 64 px frames, 0.11 px upscaled to 128; 4× gained nothing more and took 4× the time).
FLOW_MIN_SIDE = 128

# Regularisation of the local color model: window radius in model pixels and the ridge weight
# in units of color variance (colors in [0, 1]); see `fit_local_affine`.
COLOR_RADIUS = 2
COLOR_EPS = 1e-3


def check_frame(frame: np.ndarray, what: str = "frame") -> None:
    """Raise ValueError unless `frame` is RGB uint8 of shape (h, w, 3) with h, w >= 2.

    Something that is not a numpy array at all raises TypeError.
    """
    if not isinstance(frame, np.ndarray):
        raise TypeError(f"{what} must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise ValueError(f"{what} must be uint8 RGB, got dtype {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 2:
        raise ValueError(f"{what} must have shape (height, width, 3), got {frame.shape}")


def check_method(method: str) -> None:
    """Raise ValueError unless `method` is one of FLOW_METHODS."""
    if method not in FLOW_METHODS:
        raise ValueError(f"unknown flow method {method!r}; choose one of {', '.join(FLOW_METHODS)}")


def pixel_grid(height: int, width: int) -> np.ndarray:
    """(height, width, 2) float32: each pixel's own (x, y) position."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([xs, ys], axis=-1)


def sample(image: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`image` (h, w, C) read at `positions` (h', w', 2) float32 (x, y), bilinear.

    Positions outside the image read the nearest border pixel. C may be anything up to 512;
    the result has `image`'s dtype and shape (h', w', C) (C = 1 keeps its axis).
    """
    positions = np.ascontiguousarray(positions, dtype=np.float32)
    out = cv2.remap(image, positions[..., 0], positions[..., 1], cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(*positions.shape[:2], *image.shape[2:])


def estimate_flow(a: np.ndarray, b: np.ndarray, method: str = DEFAULT_FLOW_METHOD) -> np.ndarray:
    """Dense backward flow from frame `a` to the later frame `b`.

    a, b: RGB uint8 (h, w, 3) of the same shape. Returns (h, w, 2) float32 in pixels such that
    b(x) ≈ a(x + flow(x)): for each pixel of `b`, where its content was in `a`.
    method: "dis" (OpenCV's dense inverse search with variational refinement, the default, the
    more accurate on model frames) or "farneback" (polynomial expansion).
    """
    check_method(method)
    check_frame(a, "first frame")
    check_frame(b, "second frame")
    if a.shape != b.shape:
        raise ValueError(f"frames differ in size: {a.shape[1]}×{a.shape[0]} and "
                         f"{b.shape[1]}×{b.shape[0]}")
    height, width = a.shape[:2]
    scale = max(1, math.ceil(FLOW_MIN_SIDE / min(height, width)))
    # OpenCV estimates I1(x + f) ≈ I0(x), so the later frame goes first to get the backward flow.
    first, second = _gray(b, scale), _gray(a, scale)
    if method == "dis":
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        dis.setFinestScale(0)  # the upscaled frame's own resolution, not half of it
        flow = dis.calc(first, second, None)
    else:
        # Tuned like DIS on the bench's pairs; larger windows or more levels did not help.
        flow = cv2.calcOpticalFlowFarneback(first, second, None, pyr_scale=0.5, levels=3,
                                            winsize=15, iterations=5, poly_n=5, poly_sigma=1.1,
                                            flags=0)
    if scale > 1:
        # Averaging the scale×scale block of each frame pixel, then back to frame pixels.
        flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_AREA) / scale
    return flow.astype(np.float32, copy=False)


def fit_local_affine(src: np.ndarray, dst: np.ndarray, radius: int = COLOR_RADIUS,
                     eps: float = COLOR_EPS) -> np.ndarray:
    """Per-pixel affine color maps with dst(x) ≈ A(x) · [src(x), 1].

    src, dst: (h, w, 3) float32 colors in [0, 1] (src already aligned with dst, e.g. the earlier
    frame warped by the flow). radius: half side of the square windows, in pixels. eps: ridge
    weight in color variance units; it pulls each window's 3×3 part towards the identity (not
    towards zero, as in He et al.'s guided filter), so flat windows keep the source's detail and
    only shift its color. Returns (h, w, 3, 4) float32: rows are output channels, columns the
    three input channels and the offset (in [0, 1] units).

    This is the guided filter with a 3-channel guide (src) and a 3-channel output (the change
    dst − src): a regularised least-squares fit in every window, then the coefficients of all
    windows covering a pixel averaged, which makes A smooth in space.
    """
    if src.shape != dst.shape or src.ndim != 3 or src.shape[2] != 3:
        raise ValueError(f"src and dst must both be (h, w, 3), got {src.shape} and {dst.shape}")
    if radius < 1 or eps <= 0:
        raise ValueError(f"radius must be >= 1 and eps > 0, got {radius} and {eps}")
    guide = src.astype(np.float32, copy=False)
    change = dst.astype(np.float32) - guide
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.blur(x, size, borderType=cv2.BORDER_REFLECT).reshape(x.shape)

    mean_i, mean_p = mean(guide), mean(change)
    # Window covariances of the guide (3×3) and between guide and change (3 out × 3 in).
    ii = mean(np.einsum("hwi,hwj->hwij", guide, guide).reshape(*guide.shape[:2], 9))
    cov_ii = ii.reshape(*guide.shape[:2], 3, 3) - mean_i[..., :, None] * mean_i[..., None, :]
    pi = mean(np.einsum("hwc,hwi->hwci", change, guide).reshape(*guide.shape[:2], 9))
    cov_pi = pi.reshape(*guide.shape[:2], 3, 3) - mean_p[..., :, None] * mean_i[..., None, :]
    # (Σ + εI) aᵀ = cov(I, p)ᵀ, one small symmetric system per window.
    system = cov_ii + eps * np.eye(3, dtype=np.float32)
    gain = np.linalg.solve(system, np.swapaxes(cov_pi, -1, -2)).swapaxes(-1, -2)
    offset = mean_p - np.einsum("hwci,hwi->hwc", gain, mean_i)
    coeffs = np.concatenate([gain, offset[..., None]], axis=-1)  # (h, w, 3, 4)
    coeffs = mean(coeffs.reshape(*guide.shape[:2], 12).astype(np.float32))
    coeffs = coeffs.reshape(*guide.shape[:2], 3, 4)
    coeffs[..., :3] += np.eye(3, dtype=np.float32)
    return coeffs


def apply_affine(coeffs: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """A · [colors, 1] per pixel: coeffs (h, w, 3, 4), colors (h, w, 3) float → (h, w, 3)."""
    return np.einsum("hwci,hwi->hwc", coeffs[..., :3], colors) + coeffs[..., 3]


def invert_positions(source: np.ndarray, iterations: int = 30) -> np.ndarray:
    """The inverse of a smooth position map: (h, w, 2) float32 → (h, w, 2) float32.

    source(x) is where the content of pixel x came from; the result f(p) is where the content of
    pixel p went, so that source(f(p)) ≈ p. Solved by the fixed point f = p − d(f) with
    d = source − identity, which converges where the map does not fold (|∇d| < 1). Where content
    disappeared (occlusion) there is no exact inverse and the result is a nearby position.
    """
    grid = pixel_grid(*source.shape[:2])
    shift = source - grid
    forward = grid - shift
    for _ in range(iterations):
        forward = grid - sample(shift, forward)
    return forward


def _gray(frame: np.ndarray, scale: int) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale == 1:
        return gray
    height, width = gray.shape
    return cv2.resize(gray, (width * scale, height * scale), interpolation=cv2.INTER_CUBIC)
