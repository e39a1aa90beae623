"""Reading image files: any common format and mode in, RGB (or RGBA, or label ids) uint8 out.

Bad files raise `ImageError`, one line naming the file and what is wrong; the pixel limit is
checked from the header, before any pixel is decoded.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import struct
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from igan_app.files import PathLike

# Pillow's decompression-bomb guard fires inside Image.open with its own limit (~89 MP warns,
# ~179 MP raises), which would shadow the limit a user set with IGAN_MAX_PIXELS. We check the
# header size ourselves before any pixel is decoded, so the guard is switched off for the process;
# it is a plain module global, and a per-call toggle would race with other reading threads.
# ImageFile.LOAD_TRUNCATED_IMAGES is left at its default (False): that is what makes a truncated
# file raise instead of coming back half grey.
Image.MAX_IMAGE_PIXELS = None

DEFAULT_MAX_PIXELS = 100_000_000
MAX_PIXELS_ENV = "IGAN_MAX_PIXELS"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")

# Restricting the decoders keeps Pillow from handing odd files to plugins such as EPS, which
# runs Ghostscript. JPEG covers MPO (multi-picture JPEGs from cameras) too.
_READ_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF")
_SIGNATURES = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"RIFF": "WebP",
}
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# Decoders report damaged data with any of these; none of them means a bug of ours.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_ORIENTATION_TAG = 0x0112


class ImageError(ValueError):
    """A file that cannot be used as an image; str() is "<path>: <reason>"."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[type[ImageError], tuple[str, str]]:
        # The default pickling would call __init__ with the message alone; data-loader worker
        # processes send exceptions back by pickling them.
        return (type(self), (self.path, self.reason))


def max_pixels_default() -> int:
    """The pixel limit for reads: IGAN_MAX_PIXELS if set, else DEFAULT_MAX_PIXELS."""
    raw = os.environ.get(MAX_PIXELS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(
            f"{MAX_PIXELS_ENV} must be a positive integer number of pixels, got {raw!r}"
        )
    return value


def read_image(path: PathLike, *, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file as RGB uint8 of shape (H, W, 3), C-contiguous, EXIF orientation applied.

    Reads JPEG, PNG, WebP, BMP and TIFF in any common mode: transparency is composited over
    white, CMYK is converted, 16-bit values are scaled (not clipped) to 8 bits. `max_pixels`
    (None: `max_pixels_default()`; 0: no limit) is checked from the header, before the pixels
    are decoded.
    Raises ImageError for a missing, empty, unreadable, corrupt or oversized file.
    """
    with _open(path, max_pixels) as im:
        return _to_rgb(_decode(im, path), path)


def read_rgba(path: PathLike, *, max_pixels: int | None = None) -> tuple[np.ndarray, bool]:
    """Read an image file as RGBA uint8 of shape (H, W, 4), C-contiguous, EXIF orientation
    applied, and whether the file has transparency (an alpha channel, or a transparent palette
    entry or color); without it, alpha is 255 everywhere.

    Nothing is composited: the color under a transparent pixel is kept. Same formats, pixel limit
    and errors as `read_image`.
    """
    with _open(path, max_pixels) as im:
        return _to_rgba(_decode(im, path), path)


def decode_rgba(data: bytes, name: str, *,
                max_pixels: int | None = None) -> tuple[np.ndarray, bool]:
    """`read_rgba` for the bytes of an image file held in memory; errors are ImageError naming
    `name` (what the bytes are called in the caller's terms, e.g. a field of a file)."""
    limit = _pixel_limit(max_pixels)
    if not data:
        raise ImageError(name, "empty (0 bytes)")
    with _open_header(io.BytesIO(data), name, limit) as im:
        return _to_rgba(_decode(im, name), name)


def image_size(path: PathLike) -> tuple[int, int]:
    """(width, height) as `read_image` would return it, from the file header only.

    Raises ImageError for a missing, empty or unidentifiable file; the pixel limit does not
    apply, since nothing is decoded.
    """
    with _open(path, max_pixels=0) as im:
        width, height = im.size
        return (height, width) if _orientation(im) in (5, 6, 7, 8) else (width, height)


def read_label_source(path: PathLike, max_pixels: int | None = None) -> np.ndarray:
    """Read a label map as stored, for matching ids or colors, EXIF orientation applied.

    Single-channel files (8-bit gray, gray+alpha, 1-bit as ids 0/1, 16-bit with every value
    below 256) give (H, W) uint8 ids. Everything else, palette files included (labels are
    matched by color), gives (H, W, 3) uint8 RGB with any alpha dropped, not composited.
    Same errors as `read_image`, plus ImageError for 16-bit values that do not fit 0..255.
    """
    with _open(path, max_pixels) as im:
        im = _decode(im, path)
        if im.mode in ("L", "LA"):
            return np.array(im.getchannel("L"))
        if im.mode == "1":
            return np.array(im, dtype=np.uint8)
        if im.mode in _SIXTEEN_BIT:
            values = np.asarray(im)
            top = int(values.max(initial=0))
            if top > 255 or int(values.min(initial=0)) < 0:
                raise ImageError(path, f"label values up to {top} do not fit 8-bit ids (0-255)")
            return values.astype(np.uint8)
        if im.mode in ("P", *_ALPHA_MODES):
            # Via RGBA: Pillow warns when a palette with per-entry alpha is converted to RGB.
            return np.ascontiguousarray(np.asarray(im.convert("RGBA"))[..., :3])
        return np.array(_convert(im, "RGB", path))



@contextlib.contextmanager
def _open(path: PathLike, max_pixels: int | None) -> Iterator[Image.Image]:
    """Open lazily (header only), refusing bad files; `max_pixels` 0 means no limit."""
    limit = _pixel_limit(max_pixels)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except OSError as exc:
        raise ImageError(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(path, "is a folder, not an image file")
    if info.st_size == 0:
        raise ImageError(path, "empty file (0 bytes)")
    with _open_header(path, path, limit) as im:
        yield im


def _pixel_limit(max_pixels: int | None) -> int:
    limit = max_pixels_default() if max_pixels is None else max_pixels
    if limit < 0:
        raise ValueError(f"max_pixels must be a number of pixels >= 0 (0: no limit), got {limit}")
    return limit


@contextlib.contextmanager
def _open_header(source: PathLike | io.BytesIO, name: PathLike,
                 limit: int) -> Iterator[Image.Image]:
    """Open a file or in-memory file lazily, refusing a bad header or more than `limit` pixels
    (0: no limit); errors name `name`."""
    try:
        im = Image.open(source, formats=_READ_FORMATS)
    except UnidentifiedImageError:
        raise ImageError(name, _unidentified_reason(source)) from None
    except PermissionError:
        raise ImageError(name, "cannot be read (permission denied)") from None
    except Image.DecompressionBombError as exc:  # only if someone restored Pillow's guard
        raise ImageError(name, f"too many pixels ({exc})") from None
    except _DECODE_ERRORS as exc:
        raise ImageError(name, f"corrupt image header ({exc})") from None
    with im:
        width, height = im.size
        if limit and width * height > limit:
            raise ImageError(
                name,
                f"{width}x{height} is {width * height:,} pixels, above the "
                f"limit of {limit:,} pixels (see max_pixels / {MAX_PIXELS_ENV})",
            )
        yield im


def _unidentified_reason(source: PathLike | io.BytesIO) -> str:
    if isinstance(source, io.BytesIO):
        head = source.getvalue()[:16]
    else:
        with open(source, "rb") as f:
            head = f.read(16)
    for magic, name in _SIGNATURES.items():
        if head.startswith(magic) and (name != "WebP" or head[8:12] == b"WEBP"):
            return f"corrupt {name} header (the file starts like a {name} image)"
    return "not an image, or not a supported format (JPEG, PNG, WebP, BMP, TIFF)"


def _decode(im: Image.Image, path: PathLike) -> Image.Image:
    """Decode the pixels and apply the EXIF orientation."""
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise ImageError(path, f"truncated or corrupt image data ({exc})") from None
    # exif_transpose copies even an upright image; skip it for those, which are most.
    return ImageOps.exif_transpose(im) if _orientation(im) in range(2, 9) else im


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8) from what has been read so far; 1 if absent or unreadable."""
    # PngImageFile.getexif() decodes the whole image to look for an eXIf chunk placed after the
    # pixel data; the base method uses only the chunks read so far (the header, before load()).
    getexif = Image.Image.getexif if im.format == "PNG" else type(im).getexif
    try:
        return int(getexif(im).get(_ORIENTATION_TAG, 1))
    except _DECODE_ERRORS:
        # Broken maker notes are common in camera files; viewers show the pixels as stored.
        return 1


def _to_rgb(im: Image.Image, path: PathLike) -> np.ndarray:
    if im.mode in _SIXTEEN_BIT:
        # Pillow's own I;16 → L conversion clips at 255 rather than scaling.
        wide = np.clip(np.asarray(im).astype(np.int64), 0, 65535)
        gray = ((wide * 255 + 32767) // 65535).astype(np.uint8)  # round(v / 257)
        return np.repeat(gray[..., None], 3, axis=2)
    if _has_alpha(im):
        rgba = np.asarray(_convert(im, "RGBA", path)).astype(np.uint16)
        alpha = rgba[..., 3:]
        blended = (rgba[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return blended.astype(np.uint8)
    return np.array(im if im.mode == "RGB" else _convert(im, "RGB", path))


def _to_rgba(im: Image.Image, path: PathLike) -> tuple[np.ndarray, bool]:
    return np.array(_convert(im, "RGBA", path)), _has_alpha(im)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in _ALPHA_MODES or "transparency" in im.info


def _convert(im: Image.Image, mode: str, path: PathLike) -> Image.Image:
    try:
        return im.convert(mode)
    except ValueError:
        raise ImageError(path, f"unsupported color mode {im.mode!r}") from None
