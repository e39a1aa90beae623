"""Where the manifold's square frame sits on a photo.

A photo of any size is edited through a model that sees `resolution`² pixels. The Frame keeps the
box of the photo that was cropped and resized into that square, so that strokes drawn on the
photo can be brought into the model's frame and generated pictures carried back onto the photo.
Coordinates are in pixels, x to the right and y down; a pixel's centre is at (i + 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def resize_square(region: np.ndarray, side: int) -> np.ndarray:
    """`region` resized to side × side: area averaging when shrinking (every photo pixel under a
    model pixel counts, so big photos do not alias), bicubic when growing."""
    shrinking = region.shape[0] >= side and region.shape[1] >= side
    return cv2.resize(region, (side, side),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def check_box(box, photo_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """`box` as four ints (left, top, right, bottom); ValueError unless it is a non-empty region
    inside a photo of `photo_size` (height, width), right and bottom exclusive."""
    height, width = photo_size
    if len(box) != 4:
        raise ValueError(f"a region is four integers (left, top, right, bottom), got {box!r}")
    left, top, right, bottom = (int(v) for v in box)
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise ValueError(f"region {(left, top, right, bottom)} is not inside the {width}×{height} "
                         f"photo (it must be a non-empty (left, top, right, bottom) box)")
    return left, top, right, bottom


def check_fits(photo_size: tuple[int, int], resolution: int, name: str = "the photo") -> None:
    """ValueError when a photo of `photo_size` (height, width) is smaller than the model's frame:
    the frame would have to be upscaled from it."""
    height, width = photo_size
    if min(height, width) < resolution:
        raise ValueError(f"{name} is {width}×{height}, smaller than the model's "
                         f"{resolution}×{resolution} frame")


@dataclass(frozen=True)
class Frame:
    """photo_size: (height, width) of the photo; box: (left, top, right, bottom), the region of
    the photo shown to the model (right and bottom exclusive, inside the photo; any aspect, it is
    stretched to the square); resolution: the model's side in pixels."""

    photo_size: tuple[int, int]
    box: tuple[int, int, int, int]
    resolution: int

    def __post_init__(self) -> None:
        check_box(self.box, self.photo_size)
        if self.resolution <= 0:
            raise ValueError(f"resolution must be positive, got {self.resolution}")

    @classmethod
    def centre(cls, photo_size: tuple[int, int], resolution: int) -> Frame:
        """The largest centred square of the photo."""
        height, width = photo_size
        side = min(height, width)
        left, top = (width - side) // 2, (height - side) // 2
        return cls((height, width), (left, top, left + side, top + side), resolution)

    @property
    def box_size(self) -> tuple[int, int]:
        """(height, width) of the box in photo pixels."""
        left, top, right, bottom = self.box
        return bottom - top, right - left

    @property
    def scale(self) -> tuple[float, float]:
        """(x, y) model pixels per photo pixel."""
        height, width = self.box_size
        return self.resolution / width, self.resolution / height

    def crop(self, photo: np.ndarray) -> np.ndarray:
        """The photo's box as the model sees it: (resolution, resolution, channels) uint8."""
        if photo.shape[:2] != tuple(self.photo_size):
            raise ValueError(f"photo is {photo.shape[1]}×{photo.shape[0]}, this frame was made "
                             f"for {self.photo_size[1]}×{self.photo_size[0]}")
        left, top, right, bottom = self.box
        return resize_square(photo[top:bottom, left:right], self.resolution)

    def to_model(self, points: np.ndarray) -> np.ndarray:
        """Photo pixel coordinates (..., 2) as (x, y) → model pixel coordinates."""
        sx, sy = self.scale
        left, top = self.box[:2]
        points = np.asarray(points, dtype=np.float64)
        return np.stack([(points[..., 0] - left) * sx, (points[..., 1] - top) * sy], -1)

    def to_photo(self, points: np.ndarray) -> np.ndarray:
        """Model pixel coordinates (..., 2) as (x, y) → photo pixel coordinates."""
        sx, sy = self.scale
        left, top = self.box[:2]
        points = np.asarray(points, dtype=np.float64)
        return np.stack([points[..., 0] / sx + left, points[..., 1] / sy + top], -1)

    def length_to_model(self, length: float) -> float:
        """A photo length (a brush width) in model pixels; the mean of the two axis scales."""
        sx, sy = self.scale
        return float(length) * 0.5 * (sx + sy)

    def to_dict(self) -> dict:
        return {"photo_size": list(self.photo_size), "box": list(self.box),
                "resolution": self.resolution}

    @classmethod
    def from_dict(cls, data: dict) -> Frame:
        return cls(tuple(data["photo_size"]), tuple(data["box"]), int(data["resolution"]))
