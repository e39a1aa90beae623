"""The buffers a scene is painted into, and the pixel grid in scene units.

Color is stored channels-first, (3, H, W): numpy broadcasts a per-pixel (H, W) factor over the
leading axis several times faster than over a trailing one of length 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.world.light import Light
from igan_app.world.noise import fbm
from igan_app.world.scene import Scene

SKY_DEPTH = 60.0  # depth of sky and clouds: far enough that thick fog hides them


@dataclass(frozen=True)
class Band:
    """A run of rows a layer paints in: most layers cover only part of the picture."""

    rows: slice
    v: np.ndarray  # (n, 1) row centers of the band, 0 top .. 1 bottom of the image
    n: int


@dataclass
class Canvas:
    scene: Scene
    light: Light
    h: int
    w: int
    u: np.ndarray  # (w,) column centers in image heights, 0 .. w/h
    rgb: np.ndarray  # (3, h, w) float32
    labels: np.ndarray  # (h, w) uint8
    depth: np.ndarray  # (h, w) float32 distance from the viewer, for fog
    # What each pixel was labeled before its current label, and how much the current layer's
    # color differed from what it covered: a layer that fog or a matching color makes invisible
    # gives its pixels back to the layer beneath (see `settle_hidden_labels`).
    under: np.ndarray  # (h, w) uint8
    contrast: np.ndarray  # (h, w) float32, largest channel difference, 0..1

    @classmethod
    def new(cls, scene: Scene, light: Light, h: int, w: int) -> Canvas:
        return cls(
            scene=scene, light=light, h=h, w=w,
            u=(np.arange(w, dtype=np.float32) + 0.5) / np.float32(h),
            rgb=np.zeros((3, h, w), np.float32),
            labels=np.zeros((h, w), np.uint8),
            depth=np.full((h, w), SKY_DEPTH, np.float32),
            under=np.zeros((h, w), np.uint8),
            contrast=np.ones((h, w), np.float32),
        )

    @property
    def aspect(self) -> float:
        return self.w / self.h

    def band(self, top: float, bottom: float) -> Band:
        """The rows between image fractions top and bottom (at least one row)."""
        y0 = int(np.clip(np.floor(top * self.h), 0, self.h - 1))
        y1 = int(np.clip(np.ceil(bottom * self.h), y0 + 1, self.h))
        v = ((np.arange(y0, y1, dtype=np.float32) + 0.5) / np.float32(self.h))[:, None]
        return Band(slice(y0, y1), v, y1 - y0)

    def noise(self, rng: np.random.Generator, band: Band, cells: float, octaves: int,
              **kwargs) -> np.ndarray:
        """fbm over a band, with `cells` counted per image height so features keep their size."""
        return fbm(rng, band.n, self.w, cells * band.n / self.h, octaves, **kwargs)

    def put(self, band: Band, cover: np.ndarray, color: np.ndarray, label: int,
            depth: np.ndarray | float) -> None:
        """Paint over the band where cover (bool or 0..1 float, (n, w)) says this layer is in front.

        The color is blended by coverage, which anti-aliases edges; the label and depth change where
        coverage is above one half, so labels stay exactly aligned with what dominates each pixel.
        """
        cover = cover.astype(np.float32, copy=False)
        rgb = self.rgb[:, band.rows]
        difference = np.abs(color - rgb).max(axis=0)
        rgb += (color - rgb) * cover
        front = cover > 0.5
        labels = self.labels[band.rows]
        # Only where the label changes: another pass of the same layer keeps what it covered.
        changed = front & (labels != label)
        self.under[band.rows][changed] = labels[changed]
        self.contrast[band.rows][changed] = np.broadcast_to(difference, front.shape)[changed]
        labels[front] = label
        depth_rows = self.depth[band.rows]
        depth_rows[front] = depth if np.isscalar(depth) else np.broadcast_to(depth, front.shape)[front]


VISIBLE = 0.05  # smallest color difference (0..1) that still shows after fog, about 13/255


def settle_hidden_labels(cv: Canvas, fog: np.ndarray) -> None:
    """Give pixels whose layer cannot be seen (fogged out, or the color of what it covers) the
    label of the layer beneath: a label map should say what the picture shows."""
    hidden = cv.contrast * (1.0 - fog) < VISIBLE
    cv.labels[hidden] = cv.under[hidden]
