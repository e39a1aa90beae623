"""The one place that reads, writes and converts images.

Everything else in the project sees images as numpy arrays: RGB uint8 of shape (H, W, 3), or
torch tensors in NCHW float32 in [-1, 1] made by `to_tensor`. Bad files raise `ImageError`, one
line naming the file and what is wrong. Files are written atomically. torch is imported inside
the functions that need it, so `igan --help` does not pay for it.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from igan_app.messages import describe_value

if TYPE_CHECKING:
    import torch

# Pillow's decompression-bomb guard fires inside Image.open with its own limit (~89 MP warns,
# ~179 MP raises), which would shadow the limit a user set with IGAN_MAX_PIXELS. We check the
# header size ourselves before any pixel is decoded, so the guard is switched off for the process;
# it is a plain module global, and a per-call toggle would race with other reading threads.
# ImageFile.LOAD_TRUNCATED_IMAGES is left at its default (False): that is what makes a truncated
# file raise instead of coming back half grey.
Image.MAX_IMAGE_PIXELS = None

PathLike = str | os.PathLike[str]

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
_WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
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


def write_image(path: PathLike, array: np.ndarray, *, quality: int = 95) -> None:
    """Write uint8 (H, W, 3) RGB or (H, W) gray as PNG or JPEG (by suffix), atomically.

    (H, W, 4) RGBA is accepted for PNG only. `quality` (1-100) applies to JPEG. Parent folders
    are created. On failure the target is left untouched and no temporary file remains.
    """
    fmt = _WRITE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ImageError(path, f"unsupported suffix {Path(path).suffix!r}; use .png, .jpg or .jpeg")
    channels = (3, 4) if fmt == "PNG" else (3,)
    if (
        not isinstance(array, np.ndarray)
        or array.dtype != np.uint8
        or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in channels))
    ):
        shapes = "(H, W), (H, W, 3) or (H, W, 4)" if fmt == "PNG" else "(H, W) or (H, W, 3)"
        raise ValueError(
            f"{fmt} images need a uint8 array of shape {shapes}; got {describe_value(array)}"
        )
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1-100, got {quality}")
    im = Image.fromarray(np.ascontiguousarray(array))
    options = {"quality": quality} if fmt == "JPEG" else {}
    _write_atomic(path, lambda f: im.save(f, format=fmt, **options))


ANIMATION_SUFFIXES = (".gif", ".mp4")


def write_animation(path: PathLike, frames: Sequence[np.ndarray], *, fps: float = 10.0) -> list[Path]:
    """Write RGB uint8 frames of one size as a looping GIF, an MP4 (by suffix), or, for a path
    without a suffix, a folder of PNG frames (frame_000.png …). Returns the files written.

    Files are written atomically; the MP4 uses OpenCV's MPEG-4 Part 2 encoder ("mp4v"), which
    every opencv-python build carries.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    shape = frames[0].shape
    for frame in frames:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or frame.shape != shape:
            raise ValueError(f"animation frames must be uint8 (H, W, 3) of one size; got "
                             f"{describe_value(frame)} after {shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".gif":
        images = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
        duration = round(1000 / fps)
        _write_atomic(target, lambda f: images[0].save(
            f, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0))
        return [target]
    if suffix == ".mp4":
        _write_video(target, frames, fps)
        return [target]
    if suffix:
        raise ImageError(path, f"unsupported animation suffix {suffix!r}; use .gif, .mp4 or a "
                         "folder name for PNG frames")
    written = []
    for i, frame in enumerate(frames):
        written.append(target / f"frame_{i:03d}.png")
        write_image(written[-1], frame)
    return written


def _write_video(target: Path, frames: list[np.ndarray], fps: float) -> None:
    import cv2

    target.parent.mkdir(parents=True, exist_ok=True)
    # VideoWriter needs a file name with the container's suffix, so the temporary is a sibling.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".mp4")
    os.close(fd)
    try:
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        if not writer.isOpened():
            raise ImageError(target, "OpenCV cannot write MP4 on this machine; use .gif or a "
                             "folder of PNG frames")
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_palette_png(path: PathLike, indices: np.ndarray, palette: np.ndarray) -> None:
    """Write (H, W) uint8 `indices` as a palette ('P' mode) PNG, atomically.

    `palette` is (N, 3) uint8 with 1 <= N <= 256, padded with black to 256 entries in the file.
    Every index must name one of the N entries.
    """
    if not isinstance(indices, np.ndarray) or indices.dtype != np.uint8 or indices.ndim != 2:
        raise ValueError(f"indices must be a uint8 array of shape (H, W); got {describe_value(indices)}")
    if (
        not isinstance(palette, np.ndarray)
        or palette.dtype != np.uint8
        or palette.ndim != 2
        or palette.shape[1] != 3
        or not 1 <= palette.shape[0] <= 256
    ):
        raise ValueError(
            f"palette must be a uint8 array of shape (N, 3), N <= 256; got {describe_value(palette)}"
        )
    if indices.size and int(indices.max()) >= len(palette):
        raise ValueError(f"index {int(indices.max())} is beyond the {len(palette)} palette entries")
    padded = np.zeros((256, 3), np.uint8)
    padded[: len(palette)] = palette
    im = Image.fromarray(np.ascontiguousarray(indices))
    im.putpalette(padded.tobytes())  # turns the 'L' image into a 'P' one
    _write_atomic(path, lambda f: im.save(f, format="PNG"))


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write `text` as UTF-8 to `path`, atomically: parent folders are created, and on failure
    the target is left untouched and no temporary file remains."""
    data = text.encode("utf-8")
    _write_atomic(path, lambda f: f.write(data))


def to_tensor(
    images: np.ndarray | Sequence[np.ndarray], device: torch.device | str | None = None
) -> torch.Tensor:
    """uint8 (H, W, 3) or (N, H, W, 3) (array or sequence) → float32 NCHW in [-1, 1].

    A single image gives N=1. `device` None leaves the tensor on the CPU.
    """
    import torch

    batch = np.asarray(images)
    if batch.ndim == 3:
        batch = batch[None]
    if batch.dtype != np.uint8 or batch.ndim != 4 or batch.shape[3] != 3:
        raise ValueError(f"to_tensor needs uint8 (H, W, 3) or (N, H, W, 3); got {describe_value(batch)}")
    if not batch.flags.writeable:  # torch warns about sharing memory it could write to
        batch = batch.copy()
    # Move the uint8 pixels, a quarter of the float bytes, before widening them.
    pixels = torch.from_numpy(batch)
    if device is not None:
        pixels = pixels.to(device)
    return (pixels.permute(0, 3, 1, 2).float() / 127.5 - 1.0).contiguous()


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """float NCHW or CHW in [-1, 1] → uint8 (N, H, W, 3) or (H, W, 3) on the CPU.

    Values are rounded to nearest and clamped; one channel (C=1) is repeated as gray.
    """
    import torch

    if tensor.ndim not in (3, 4) or tensor.shape[-3] not in (1, 3):
        raise ValueError(
            f"to_uint8 needs a (N, C, H, W) or (C, H, W) tensor with C 1 or 3; "
            f"got shape {tuple(tensor.shape)}"
        )
    scaled = ((tensor.detach().float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)
    scaled = scaled.expand(*scaled.shape[:-3], 3, *scaled.shape[-2:]).movedim(-3, -1)
    return np.ascontiguousarray(scaled.cpu().numpy())


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


def _write_atomic(path: PathLike, save: Callable[[IO[bytes]], None]) -> None:
    """Write through `save` into a temporary sibling, then rename it onto `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A ".tmp" suffix keeps folder scans (by IMAGE_SUFFIXES) from picking up a half-written file.
    with tempfile.NamedTemporaryFile(
        delete=False, dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    ) as tmp:
        try:
            save(tmp)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()  # Windows cannot remove an open file
            os.unlink(tmp.name)
            raise
    try:
        # NamedTemporaryFile is private (0600); give the file the mode a plain open() would.
        os.chmod(tmp.name, 0o666 & ~_UMASK)
        os.replace(tmp.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise


def _read_umask() -> int:
    # There is no read-only query for the umask; read it once, at import, and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def tile(images: Sequence[np.ndarray], cols: int, *, pad: int = 2, background: int = 255) -> np.ndarray:
    """Lay (H, W, 3) uint8 images of one size out in a grid, row by row, `pad` pixels apart."""
    if not images:
        raise ValueError("tile() needs at least one image")
    h, w = images[0].shape[:2]
    rows = -(-len(images) // cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, 3), background, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = image
    return out
