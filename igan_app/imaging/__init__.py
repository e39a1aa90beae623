"""The one place that reads, writes and converts images.

Everything else in the project sees images as numpy arrays: RGB uint8 of shape (H, W, 3), or
torch tensors in NCHW float32 in [-1, 1] made by `to_tensor`. Bad files raise `ImageError`, one
line naming the file and what is wrong. Files are written atomically. torch is imported inside
the functions that need it, so `igan --help` does not pay for it.

`reading` reads files and in-memory files, `writing` writes files and PNG bytes, `arrays`
converts arrays to and from tensors; their public names are this package's.
"""

from igan_app.files import PathLike
from igan_app.imaging.arrays import tile, to_tensor, to_uint8
from igan_app.imaging.reading import (
    DEFAULT_MAX_PIXELS,
    IMAGE_SUFFIXES,
    MAX_PIXELS_ENV,
    ImageError,
    decode_rgba,
    image_size,
    max_pixels_default,
    read_image,
    read_label_source,
    read_rgba,
)
from igan_app.imaging.writing import (
    ANIMATION_SUFFIXES,
    encode_png,
    write_animation,
    write_image,
    write_palette_png,
)

__all__ = [
    "ANIMATION_SUFFIXES", "DEFAULT_MAX_PIXELS", "IMAGE_SUFFIXES", "MAX_PIXELS_ENV", "ImageError",
    "PathLike", "decode_rgba", "encode_png", "image_size", "max_pixels_default", "read_image",
    "read_label_source", "read_rgba", "tile", "to_tensor", "to_uint8", "write_animation",
    "write_image", "write_palette_png",
]
