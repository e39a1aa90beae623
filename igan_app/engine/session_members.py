"""The session file's zip members, read defensively: each one is size-checked before it is
inflated, decoded, and checked; anything damaged becomes one `SessionError` line naming the member.

`engine.session` puts the members together (and writes them); this module knows how each one is
encoded: pictures as image files (PNG, or a photo's file kept as it was read), the strokes as
"igan-strokes/1" text, the latents as an npz archive read without pickles.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from numbers import Integral, Real

import numpy as np

from igan_app.engine.strokes import StrokesError, StrokeSet
from igan_app.imaging import ImageError, decode_rgba
from igan_app.messages import describe_value, one_line

# The arrays latents.npz may hold: the session's latents and the candidates' pictures.
NPZ_ARRAYS = ("anchor", "current", "candidates", "pictures")
# What a damaged zip member can raise while it is decompressed and checked.
MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                 NotImplementedError)
# A member may inflate to this many bytes, plus this many times its compressed size: far above
# what deflate gives our members, far below what a zip bomb claims (checked before reading).
_INFLATE_FLOOR = 32 << 20
_INFLATE_RATIO = 100
# The image files a picture member may be kept as (its first bytes → the member's suffix).
IMAGE_SUFFIXES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"BM": ".bmp",
                  b"II*\x00": ".tif", b"MM\x00*": ".tif"}


class SessionError(ValueError):
    """A session that cannot be saved or opened; the message is one line (naming the file when
    there is one)."""


# --- checks of values -------------------------------------------------------------------------

def is_number(value: object) -> bool:
    """A finite real number that is not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: object) -> bool:
    """An integer that is not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_array(value: object, dtype: type, ndim: int) -> bool:
    """A non-empty numpy array of `dtype` with `ndim` dimensions."""
    return (isinstance(value, np.ndarray) and value.dtype == dtype and value.ndim == ndim
            and value.size > 0)


def check_rgb(value: object, what: str) -> None:
    """Raise SessionError unless `value` is an RGB uint8 (H, W, 3) picture."""
    if not is_array(value, np.uint8, 3) or value.shape[2] != 3:
        raise SessionError(f"{what} must be an RGB uint8 (H, W, 3) image, got "
                           f"{describe_value(value)}")


def check_fields(value: dict, where: str, types: dict[str, tuple[type, ...]]) -> dict:
    """`value` (a JSON object read from `where`, e.g. 'session.json') when it has every key of
    `types` with a value of one of its types (a bool is not an int); else SessionError."""
    for key, allowed in types.items():
        if key not in value:
            raise SessionError(f"damaged session: {where} has no \"{key}\"")
        item = value[key]
        if not isinstance(item, allowed) or (isinstance(item, bool) and bool not in allowed):
            raise SessionError(f"damaged session: {where}: \"{key}\" has the wrong type: "
                               f"{item!r}")
    return value


# --- members ----------------------------------------------------------------------------------

def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of member `name`, refused unread when it claims too much."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise SessionError(f"damaged session: no {name}") from None
    try:
        check_inflated_size(info, name)
        return archive.read(info)
    except MEMBER_ERRORS as exc:
        raise SessionError(f"damaged session: {name} cannot be read ({one_line(exc)})") from None


def check_inflated_size(info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a member whose claimed size is out of proportion to its compressed size, before
    it is inflated (zipfile never inflates past the claimed size)."""
    if info.file_size > _INFLATE_FLOOR + _INFLATE_RATIO * info.compress_size:
        raise SessionError(f"damaged session: {name} is too large ({info.file_size:,} bytes "
                           f"from {info.compress_size:,} compressed); refused unread")


def image_suffix(data: bytes) -> str | None:
    """The suffix of the image file `data` is (".png", ".jpg", …), None for another kind."""
    return next((suffix for magic, suffix in IMAGE_SUFFIXES.items() if data.startswith(magic)),
                None)


def decode_picture(data: bytes, name: str) -> np.ndarray:
    """The RGB uint8 pixels of the image file `data`, as `imaging.read_image` gives them
    (transparency composited over white)."""
    try:
        rgba, alpha = decode_rgba(data, name)
    except ImageError as exc:
        raise SessionError(f"damaged session: {name}: {exc.reason}") from None
    if not alpha:
        return np.ascontiguousarray(rgba[..., :3])
    wide = rgba.astype(np.uint16)
    opacity = wide[..., 3:]
    return ((wide[..., :3] * opacity + 255 * (255 - opacity) + 127) // 255).astype(np.uint8)


def decode_labels(data: bytes, name: str) -> np.ndarray:
    """The (H, W) uint8 label ids of a gray PNG `data` (as `encode_png` writes a 2-D array)."""
    try:
        rgba, _ = decode_rgba(data, name)
    except ImageError as exc:
        raise SessionError(f"damaged session: {name}: {exc.reason}") from None
    if not (np.array_equal(rgba[..., 0], rgba[..., 1])
            and np.array_equal(rgba[..., 0], rgba[..., 2])):
        raise SessionError(f"damaged session: {name} must be a gray picture of label ids")
    return np.ascontiguousarray(rgba[..., 0])


def read_strokes(data: bytes) -> StrokeSet:
    """strokes.json's StrokeSet."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionError("damaged session: strokes.json is not UTF-8 text") from None
    # from_json takes a string that does not start like JSON for a path to open.
    if not text.lstrip().startswith("{"):
        raise SessionError("damaged session: strokes.json does not hold a strokes file")
    try:
        return StrokeSet.from_json(text)
    except StrokesError as exc:
        # from_json names text it was given "<strokes>"; the member's name says more here.
        problem = str(exc).removeprefix("<strokes>: ")
        raise SessionError(f"damaged session: strokes.json: {problem}") from None


def npz_bytes(arrays: dict[str, np.ndarray | None]) -> bytes:
    """An npz archive of the arrays that are set."""
    buffer = io.BytesIO()
    np.savez(buffer, **{name: a for name, a in arrays.items() if a is not None})
    return buffer.getvalue()


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    """latents.npz's arrays, by name (only NPZ_ARRAYS; read without pickles)."""
    # np.load guesses the kind of file from its first bytes, and reads anything but a zip as a
    # .npy array or a pickle; the refusal of a pickle would read as advice to trust the file.
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise SessionError("damaged session: latents.npz is not an npz archive")
    try:
        _check_npz_sizes(data)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            unknown = sorted(set(npz.files) - set(NPZ_ARRAYS))
            if unknown:
                raise SessionError(f"damaged session: latents.npz holds an unknown array "
                                   f"{unknown[0]!r}; it holds {', '.join(NPZ_ARRAYS)}")
            return {name: npz[name] for name in npz.files}
    except SessionError:
        raise
    except MEMBER_ERRORS as exc:
        raise SessionError(f"damaged session: latents.npz cannot be read "
                           f"({one_line(exc)})") from None


def _check_npz_sizes(data: bytes) -> None:
    """Refuse an array whose header claims more values than its member holds: np.load allocates
    the claimed size before reading (a few bytes could ask for terabytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as npz:
        for info in npz.infolist():
            where = f"latents.npz: {info.filename}"
            check_inflated_size(info, where)
            with npz.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
            if math.prod(shape) * dtype.itemsize > info.file_size:
                raise SessionError(f"damaged session: {where} claims a {dtype} array of shape "
                                   f"{shape}, more than its {info.file_size:,} bytes hold")


__all__ = ["MEMBER_ERRORS", "NPZ_ARRAYS", "SessionError", "check_fields", "check_inflated_size",
           "check_rgb",
           "decode_labels", "decode_picture", "image_suffix", "is_array", "is_int", "is_number",
           "npz_bytes", "read_member", "read_npz", "read_strokes"]
