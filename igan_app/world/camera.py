"""The broad world's camera: where the horizon sits in the frame, roll, zoom and depth of field.

A scene is painted on a canvas taller than the frame (and wider when the camera rolls); the frame
is a window onto it. Zoom is a canvas `zoom` frames tall, so everything in the scene is `zoom`
times larger in the frame, as through a longer lens. The horizon's place in the frame comes from
the canvas's horizon and the window's height in the canvas: a frame can show almost only land, or
only sky with the mountain tops along its lower edge.

Labels go through exactly the same geometry as the colours, sampled nearest (a crop without roll
is a plain slice); depth of field blurs colour only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from igan_app.world.scene import Scene

# The canvas horizons the kinds of land are drawn for: a frame's horizon beyond these comes from
# where the frame lies on a taller canvas, not from a land squeezed against an edge.
LOWEST, HIGHEST = 0.25, 0.78


@dataclass(frozen=True)
class Camera:
    horizon: float  # the horizon's row in the frame, 0 top .. 1 bottom; beyond 1 it is below
    zoom: float  # >= 1: the canvas is this many frames tall (a crop of a larger picture)
    roll: float  # degrees; positive turns the picture counter-clockwise
    focus: float  # depth in focus; 0: everything is sharp
    blur: float  # the blur of what is farthest from the focus, a Gaussian sigma in frame heights


@dataclass(frozen=True)
class Frame:
    """Where a frame of h x w pixels lies on its canvas."""

    canvas: tuple[int, int]  # (height, width) to paint
    center: tuple[float, float]  # the frame's centre on the canvas, (x, y) in pixels
    roll: float


def sample_camera(rng: np.random.Generator, scene: Scene) -> Scene:
    """`scene` with a camera and the canvas horizon that puts the horizon where the camera wants."""
    framing = rng.random()
    if framing < 0.40:
        wanted = scene.horizon  # the classic world's framing
    elif framing < 0.62:
        wanted = rng.uniform(0.68, 0.95)  # sky-dominated
    elif framing < 0.70:
        wanted = rng.uniform(1.0, 1.25)  # sky only, at most the mountain tops
    elif framing < 0.85:
        wanted = rng.uniform(0.12, 0.38)  # looking down on the land
    else:
        wanted = rng.uniform(0.3, 0.75)
    zoom = 1.0 if rng.random() < 0.6 else math.exp(rng.uniform(0.0, math.log(2.0)))
    zoom = max(zoom, wanted / HIGHEST)
    roll = 0.0 if rng.random() < 0.45 else float(np.clip(rng.normal(0.0, 2.5), -7.0, 7.0))
    focus_draw = rng.random()
    focus, blur = 0.0, 0.0
    if focus_draw < 0.15:  # focused far: the nearest things are soft
        focus, blur = rng.uniform(1.5, 6.0), rng.uniform(0.004, 0.016)
    elif focus_draw < 0.27:  # focused near: the distance is soft
        focus, blur = rng.uniform(0.12, 0.4), rng.uniform(0.004, 0.014)
    # The window's top may lie anywhere from the canvas's top to zoom - 1 frames below it.
    lo, hi = wanted / zoom, wanted / zoom + 1.0 - 1.0 / zoom
    horizon = float(np.clip(scene.horizon, max(lo, LOWEST), max(min(hi, HIGHEST), LOWEST)))
    camera = Camera(horizon=float(wanted), zoom=float(zoom), roll=roll, focus=float(focus),
                    blur=float(blur))
    return replace(scene, horizon=horizon, camera=camera)


def frame_for(scene: Scene, h: int, w: int) -> Frame:
    """The canvas to paint and the frame's place on it, for the scene's camera at h x w."""
    cam = scene.camera
    if cam is None:
        return Frame((h, w), ((w - 1) / 2.0, (h - 1) / 2.0), 0.0)
    angle = math.radians(abs(cam.roll))
    # The rolled frame's extent on the canvas.
    tall = h * math.cos(angle) + w * math.sin(angle)
    wide = w * math.cos(angle) + h * math.sin(angle)
    ch = math.ceil((cam.zoom - 1.0) * h + tall) + (2 if cam.roll else 0)
    cw = math.ceil(wide) + (2 if cam.roll else 0)
    # Put the scene's horizon (a fraction of the canvas) at the camera's row of the frame.
    cy = scene.horizon * ch - (cam.horizon - 0.5) * h
    half = tall / 2.0
    cy = float(np.clip(cy, half, ch - half))
    if not cam.roll:  # a whole-pixel offset: the frame is a plain slice of the canvas
        cy = round(cy - h / 2.0) + h / 2.0
    return Frame((ch, cw), ((cw - 1) / 2.0, cy - 0.5), cam.roll)


def take_frame(frame: Frame, rgb: np.ndarray, labels: np.ndarray, depth: np.ndarray, h: int, w: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frame's (3, h, w) colours, (h, w) labels and depth, cut out of the canvas's."""
    cx, cy = frame.center
    if not frame.roll:
        y0, x0 = round(cy - (h - 1) / 2.0), round(cx - (w - 1) / 2.0)
        rows, cols = slice(y0, y0 + h), slice(x0, x0 + w)
        return rgb[:, rows, cols], labels[rows, cols], depth[rows, cols]
    matrix = frame_matrix(frame, h, w)
    flags = cv2.WARP_INVERSE_MAP
    colour = np.stack([cv2.warpAffine(channel, matrix, (w, h), flags=flags | cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REPLICATE) for channel in rgb])
    nearest = flags | cv2.INTER_NEAREST
    return (colour,
            cv2.warpAffine(labels, matrix, (w, h), flags=nearest, borderMode=cv2.BORDER_REPLICATE),
            cv2.warpAffine(depth, matrix, (w, h), flags=nearest, borderMode=cv2.BORDER_REPLICATE))


def frame_matrix(frame: Frame, h: int, w: int) -> np.ndarray:
    """The 2 x 3 affine map from a frame pixel (x, y, 1) to the canvas point it shows."""
    t = math.radians(frame.roll)
    c, s = math.cos(t), math.sin(t)
    fx, fy = (w - 1) / 2.0, (h - 1) / 2.0
    cx, cy = frame.center
    # Turning the camera clockwise turns the picture counter-clockwise.
    return np.array([[c, s, cx - c * fx - s * fy],
                     [-s, c, cy + s * fx - c * fy]], np.float64)


def depth_of_field(rgb: np.ndarray, depth: np.ndarray, camera: Camera | None) -> np.ndarray:
    """`rgb` (3, h, w) blurred by each pixel's distance from the focus (a thin lens's circle of
    confusion, |1 - focus / depth|, capped at 1); unchanged when the camera has no focus."""
    if camera is None or camera.focus <= 0.0 or camera.blur <= 0.0:
        return rgb
    h = rgb.shape[1]
    sigma = camera.blur * h
    if sigma < 0.35:
        return rgb
    confusion = np.clip(np.abs(1.0 - np.float32(camera.focus) / np.maximum(depth, 1e-3)), 0.0, 1.0)
    # Soften the map too: a blurred object's edge spreads over what is behind it.
    confusion = cv2.GaussianBlur(confusion.astype(np.float32), (0, 0), sigma)
    soft = np.stack([cv2.GaussianBlur(channel, (0, 0), sigma * 0.5) for channel in rgb])
    softer = np.stack([cv2.GaussianBlur(channel, (0, 0), sigma) for channel in rgb])
    low, high = np.clip(confusion * 2.0, 0.0, 1.0), np.clip(confusion * 2.0 - 1.0, 0.0, 1.0)
    return rgb + (soft - rgb) * low + (softer - soft) * high
