"""The layer rules: which pixels of an image a color or sketch layer asks for, from a layer file
or from the PNG a strokes file embeds, and a `Layer` back to such a PNG.

A layer is an image of the photo's size (the README, "Strokes files", "PNG layers"). Color
layer: every pixel with alpha > 0 asks for its RGB. Sketch layer: every opaque pixel that is
dark is a line. `layers` builds stroke sets from layer files; `strokes_file` embeds layers as
PNGs (`layer_png`, `layer_from_png`).
"""

from __future__ import annotations

import os

import numpy as np

from igan_app.engine.stroke_items import LAYER_KINDS, Layer, StrokesError
from igan_app.imaging import (
    ImageError,
    PathLike,
    decode_rgba,
    encode_png,
    image_size,
    read_rgba,
)

# Sketch layers: an opaque pixel is a line when its luma (ITU-R 601, 0-255) is below this.
DARK_LUMA = 128

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_layer(path: PathLike, kind: str, photo_size: tuple[int, int]) -> Layer:
    """Read a layer PNG (any format `imaging` reads) of the photo's size.

    Color layer ("color"): RGBA; every pixel with alpha > 0 asks for its RGB. A file without
    transparency is refused, since it would ask for every pixel of the photo.
    Sketch layer ("sketch"): every opaque pixel (alpha > 0 when the file has alpha, else every
    pixel) that is dark (luma < 128) is a line.
    Raises StrokesError naming the file for a wrong size or a color layer without alpha, and
    `imaging.ImageError` for a file that is not a readable image.
    """
    if kind not in LAYER_KINDS:
        raise ValueError(f"layer kind must be one of {LAYER_KINDS}, got {kind!r}")
    try:
        _check_layer_size(image_size(path), photo_size)  # from the header, before decoding
        rgba, has_alpha = read_rgba(path)
        return _layer_from_rgba(rgba, has_alpha, kind, photo_size)
    except StrokesError as exc:
        raise StrokesError(f"{os.fspath(path)}: {kind} layer: {exc}") from None


def layer_png(layer: Layer) -> bytes:
    """The layer as PNG bytes that `layer_from_png` reads back to the same layer."""
    alpha = np.where(layer.mask, 255, 0).astype(np.uint8)
    if layer.kind == "color":
        return encode_png(np.dstack([layer.colors, alpha]))
    gray = np.where(layer.mask, 0, 255).astype(np.uint8)  # black lines
    return encode_png(np.dstack([gray, alpha]))


def layer_from_png(data: bytes, kind: str, photo_size: tuple[int, int]) -> Layer:
    """A layer from the bytes of the PNG a strokes file holds in its "png" field, by the layer
    rules; raises StrokesError for data that is not a readable PNG of the photo's size."""
    if not data.startswith(_PNG_SIGNATURE):
        raise StrokesError("\"png\" holds no PNG image")
    if data[12:16] == b"IHDR" and len(data) >= 24:
        # The size from the header first, so that a layer far larger than the photo (a few
        # kilobytes can hold a picture of a billion pixels) is refused before it is decoded.
        size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        _check_layer_size(size, photo_size)
    try:
        rgba, has_alpha = decode_rgba(data, '"png"')
    except ImageError as exc:
        raise StrokesError(f"\"png\" is not a readable PNG: {exc.reason}") from None
    return _layer_from_rgba(rgba, has_alpha, kind, photo_size)


def _check_layer_size(size: tuple[int, int], photo_size: tuple[int, int]) -> None:
    """size: (width, height), as `image_size` gives it; photo_size: (height, width)."""
    if (size[1], size[0]) != tuple(photo_size):
        raise StrokesError(f"the layer is {size[0]}×{size[1]} pixels, the photo is "
                           f"{photo_size[1]}×{photo_size[0]}; a layer must be the photo's size")


def _layer_from_rgba(rgba: np.ndarray, has_alpha: bool, kind: str,
                     photo_size: tuple[int, int]) -> Layer:
    _check_layer_size((rgba.shape[1], rgba.shape[0]), photo_size)
    opaque = rgba[..., 3] > 0
    if kind == "color":
        if not has_alpha:
            raise StrokesError("a color layer needs transparency (RGBA): every pixel with "
                               "alpha > 0 is a color constraint")
        return Layer("color", opaque, np.ascontiguousarray(rgba[..., :3]))
    luma = rgba[..., :3].astype(np.int32) @ np.array([299, 587, 114], np.int32)
    dark = luma < DARK_LUMA * 1000
    return Layer("sketch", dark & opaque if has_alpha else dark)
