"""Writing images: PNG and JPEG files, palette PNGs, PNG bytes, and animations (GIF, MP4, frames).

Files are written atomically (`igan_app.files`): on failure the target is left untouched and no
temporary file remains; parent folders are created.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from igan_app.files import PathLike, atomic_path, write_atomic
from igan_app.imaging.reading import ImageError
from igan_app.messages import describe_value

ANIMATION_SUFFIXES = (".gif", ".mp4")

_WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def write_image(path: PathLike, array: np.ndarray, *, quality: int = 95) -> None:
    """Write uint8 (H, W, 3) RGB or (H, W) gray as PNG or JPEG (by suffix), atomically.

    (H, W, 4) RGBA is accepted for PNG only. `quality` (1-100) applies to JPEG. Parent folders
    are created. On failure the target is left untouched and no temporary file remains.
    """
    fmt = _WRITE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ImageError(path, f"unsupported suffix {Path(path).suffix!r}; use .png, .jpg or .jpeg")
    im = _pixels(array, fmt, (3, 4) if fmt == "PNG" else (3,))
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1-100, got {quality}")
    options = {"quality": quality} if fmt == "JPEG" else {}
    write_atomic(path, lambda f: im.save(f, format=fmt, **options))


def encode_png(array: np.ndarray) -> bytes:
    """The bytes of a PNG file of uint8 (H, W) gray, (H, W, 2) gray + alpha, (H, W, 3) RGB or
    (H, W, 4) RGBA pixels; `reading.decode_rgba` reads them back."""
    im = _pixels(array, "PNG", (2, 3, 4))
    buffer = io.BytesIO()
    im.save(buffer, format="PNG")
    return buffer.getvalue()


def _pixels(array: np.ndarray, fmt: str, channels: tuple[int, ...]) -> Image.Image:
    """`array` as a Pillow image, or ValueError when it is not uint8 (H, W) or (H, W, C) with C
    one of `channels`."""
    if (
        not isinstance(array, np.ndarray)
        or array.dtype != np.uint8
        or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in channels))
    ):
        shapes = ["(H, W)", *(f"(H, W, {c})" for c in channels)]
        listed = f"{', '.join(shapes[:-1])} or {shapes[-1]}"
        raise ValueError(
            f"{fmt} images need a uint8 array of shape {listed}; got {describe_value(array)}"
        )
    return Image.fromarray(np.ascontiguousarray(array))


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
    write_atomic(path, lambda f: im.save(f, format="PNG"))


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
        write_atomic(target, lambda f: images[0].save(
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

    # VideoWriter picks the container by the file name's suffix, so the temporary ends in .mp4.
    with atomic_path(target, suffix=".mp4") as temporary:
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(str(temporary), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                 (width, height))
        if not writer.isOpened():
            raise ImageError(target, "OpenCV cannot write MP4 on this machine; use .gif or a "
                             "folder of PNG frames")
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
