"""The editor's session file: the photo, the strokes and the latents, saved to be opened later.

A session file ("igan-session/1", suffix `SESSION_SUFFIX`) is a zip holding
  session.json   {"format", "model", "box", "photo_path", "chosen", "position", "costs",
                  "has_original", "saved_with"}
  photo.png      the current photo
  original.png   the photo as first opened (only when it differs)
  strokes.json   the strokes, "igan-strokes/1" (`StrokeSet.to_json`)
  latents.npz    anchor, current and candidates, those that are set (read without pickles)
`save_session` writes it atomically; `open_session` reads it back exactly, and raises one
`SessionError` line naming the file and the problem for anything damaged.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from numbers import Integral, Real
from typing import IO

import numpy as np

import igan_app
from igan_app.engine import strict_json
from igan_app.engine.frame import check_box
from igan_app.engine.strokes import StrokesError, StrokeSet
from igan_app.files import write_atomic
from igan_app.imaging import ImageError, PathLike, decode_rgba, encode_png
from igan_app.messages import describe_value, one_line

SESSION_FORMAT = "igan-session/1"
SESSION_SUFFIX = ".igan"

_LATENTS = ("anchor", "current", "candidates")
# What a damaged zip member can raise while it is decompressed and checked.
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                  NotImplementedError)
# A member may inflate to this many bytes, plus this many times its compressed size: far above
# what deflate gives our members, far below what a zip bomb claims (checked before reading).
_INFLATE_FLOOR = 32 << 20
_INFLATE_RATIO = 100


class SessionError(ValueError):
    """A session that cannot be saved or opened; the message is one line (naming the file when
    there is one)."""


@dataclass(frozen=True, eq=False)
class EditorSession:
    """Everything needed to pick an editing session up again. Arrays are kept as given, not
    copied; the caller treats them as read-only.

    photo: the current photo (after any applied edits), RGB uint8 (H, W, 3).
    original: the photo as first opened, RGB uint8 (H', W', 3), when it differs from `photo`;
        None: the same as `photo`.
    photo_path: where the photo came from (for the title; the file may no longer exist).
    model: the manifold's name, e.g. "landscape64".
    box: the region given to the model, photo pixels (left, top, right, bottom), inside the photo.
    strokes: what the user asked for; its photo_size is the photo's (H, W).
    anchor: (d,) float32, the latent of the photo's projection (or of the last applied edit).
    current: (r, r, 3) uint8, the generator's picture at `anchor` (needs `anchor`).
    candidates: (K, d) float32 candidate latents, best first.
    costs: the K candidates' costs (empty without candidates).
    chosen: the index of the chosen candidate, or None.
    position: the interpolation slider, 0 = anchor, 1 = the chosen candidate.
    """

    photo: np.ndarray
    original: np.ndarray | None
    photo_path: str | None
    model: str
    box: tuple[int, int, int, int]
    strokes: StrokeSet
    anchor: np.ndarray | None = None
    current: np.ndarray | None = None
    candidates: np.ndarray | None = None
    costs: tuple[float, ...] = ()
    chosen: int | None = None
    position: float = 1.0

    def __post_init__(self) -> None:
        _check_rgb(self.photo, "photo")
        height, width = self.photo.shape[:2]
        if self.original is not None:
            _check_rgb(self.original, "original")
        if self.photo_path is not None and not isinstance(self.photo_path, str):
            raise SessionError(f"photo_path must be a string or None, got {self.photo_path!r}")
        if not isinstance(self.model, str) or not self.model.strip():
            raise SessionError(f"model must be a manifold's name, got {self.model!r}")
        object.__setattr__(self, "box", _box(self.box, width, height))
        if not isinstance(self.strokes, StrokeSet):
            raise SessionError(f"strokes must be a StrokeSet, got {type(self.strokes).__name__}")
        if self.strokes.photo_size != (height, width):
            raise SessionError(f"the strokes are for a {self.strokes.photo_size[1]}×"
                               f"{self.strokes.photo_size[0]} photo, the photo is "
                               f"{width}×{height}")
        self._check_latents()
        object.__setattr__(self, "costs", _costs(self.costs, self.candidates))
        object.__setattr__(self, "chosen", _chosen(self.chosen, self.candidates))
        position = self.position
        if not _is_number(position) or not 0 <= position <= 1:
            raise SessionError(f"position must be a number in [0, 1], got {position!r}")
        object.__setattr__(self, "position", float(position))

    def _check_latents(self) -> None:
        anchor, current, candidates = self.anchor, self.current, self.candidates
        if anchor is not None and not _is_array(anchor, np.float32, 1):
            raise SessionError(f"anchor must be a (d,) float32 latent, got {describe_value(anchor)}")
        if current is not None:
            if anchor is None:
                raise SessionError("current is the picture at the anchor, and there is no anchor")
            if not _is_array(current, np.uint8, 3) or current.shape[2] != 3 or (
                    current.shape[0] != current.shape[1]):
                raise SessionError(f"current must be a square (r, r, 3) uint8 picture, got "
                                   f"{describe_value(current)}")
        if candidates is not None:
            if not _is_array(candidates, np.float32, 2):
                raise SessionError(f"candidates must be (K, d) float32 latents, got "
                                   f"{describe_value(candidates)}")
            if anchor is not None and candidates.shape[1] != anchor.shape[0]:
                raise SessionError(f"candidates have {candidates.shape[1]} dimensions, the "
                                   f"anchor {anchor.shape[0]}")


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_array(value: object, dtype: type, ndim: int) -> bool:
    return (isinstance(value, np.ndarray) and value.dtype == dtype and value.ndim == ndim
            and value.size > 0)


def _check_rgb(value: object, what: str) -> None:
    if not _is_array(value, np.uint8, 3) or value.shape[2] != 3:
        raise SessionError(f"{what} must be an RGB uint8 (H, W, 3) image, got {describe_value(value)}")


def _box(value: object, width: int, height: int) -> tuple[int, int, int, int]:
    if (isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list))
            or len(value) != 4 or not all(_is_int(v) for v in value)):
        raise SessionError(f"box must be four integers (left, top, right, bottom), got {value!r}")
    try:
        return check_box(value, (height, width))
    except ValueError as err:
        raise SessionError(str(err)) from None


def _costs(value: object, candidates: np.ndarray | None) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise SessionError(f"costs must be a sequence of numbers, got {value!r}")
    if not all(_is_number(v) for v in value):
        raise SessionError(f"costs must be finite numbers, got {list(value)!r}")
    count = 0 if candidates is None else candidates.shape[0]
    if len(value) != count:
        raise SessionError(f"the number of costs ({len(value)}) differs from the number of "
                           f"candidates ({count})")
    return tuple(float(v) for v in value)


def _chosen(value: object, candidates: np.ndarray | None) -> int | None:
    if value is None:
        return None
    count = 0 if candidates is None else candidates.shape[0]
    if not _is_int(value) or not 0 <= value < count:
        raise SessionError(f"chosen must index one of the {count} candidates, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Saving


def save_session(path: PathLike, session: EditorSession) -> None:
    """Write `session` to `path` as one zip file, atomically: parent folders are created, and on
    failure an earlier file at `path` is left untouched and no temporary file remains.
    Raises OSError when the file cannot be written."""
    if not isinstance(session, EditorSession):
        raise TypeError(f"save_session needs an EditorSession, got {type(session).__name__}")
    members = {"session.json": (_session_json(session).encode("utf-8"), zipfile.ZIP_DEFLATED),
               "photo.png": (encode_png(session.photo), zipfile.ZIP_STORED)}
    if session.original is not None:
        members["original.png"] = (encode_png(session.original), zipfile.ZIP_STORED)
    members["strokes.json"] = (session.strokes.to_json().encode("utf-8"), zipfile.ZIP_DEFLATED)
    members["latents.npz"] = (_npz_bytes(session), zipfile.ZIP_DEFLATED)

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w") as archive:
            for name, (data, compression) in members.items():
                archive.writestr(name, data, compress_type=compression)

    write_atomic(path, write)


def _session_json(session: EditorSession) -> str:
    data = {"format": SESSION_FORMAT, "model": session.model, "box": list(session.box),
            "photo_path": session.photo_path, "chosen": session.chosen,
            "position": session.position, "costs": list(session.costs),
            "has_original": session.original is not None}
    version = getattr(igan_app, "__version__", None)
    if version is not None:
        data["saved_with"] = version
    return json.dumps(data, indent=2) + "\n"


def _npz_bytes(session: EditorSession) -> bytes:
    arrays = {name: getattr(session, name) for name in _LATENTS}
    buffer = io.BytesIO()
    np.savez(buffer, **{name: a for name, a in arrays.items() if a is not None})
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Opening


def open_session(path: PathLike) -> EditorSession:
    """Read a session file back exactly as it was saved (arrays bit-identical).

    Raises SessionError, one line "<path>: <problem>", for a missing file, a file that is not a
    session, a newer format, or any damaged or inconsistent part.
    """
    name = os.fspath(path)
    try:
        return _open(name)
    except SessionError as exc:
        raise SessionError(f"{name}: {exc}") from None


def _open(path: str) -> EditorSession:
    if os.path.isdir(path):
        raise SessionError("is a folder, not a session file")
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SessionError("file not found") from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise SessionError("not an iGAN session (not a zip file, or a truncated one)") from None
    except OSError as exc:
        raise SessionError(f"cannot be read ({exc.strerror or exc})") from None
    with archive:
        names = archive.namelist()
        if "session.json" not in names:
            raise SessionError("not an iGAN session (no session.json)")
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise SessionError(f"damaged session: it holds {twice[0]} twice")
        meta = _read_meta(_member(archive, "session.json"))
        photo = _read_png(_member(archive, "photo.png"), "photo.png")
        original = None
        if meta["has_original"]:
            original = _read_png(_member(archive, "original.png"), "original.png")
        strokes = _read_strokes(_member(archive, "strokes.json"))
        latents = _read_latents(_member(archive, "latents.npz"))
    try:
        return EditorSession(photo=photo, original=original, photo_path=meta["photo_path"],
                             model=meta["model"], box=meta["box"], strokes=strokes,
                             costs=meta["costs"], chosen=meta["chosen"],
                             position=meta["position"], **latents)
    except SessionError as exc:
        raise SessionError(f"inconsistent session: {exc}") from None


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise SessionError(f"damaged session: no {name}") from None
    try:
        _check_inflated_size(info, name)
        return archive.read(info)
    except _MEMBER_ERRORS as exc:
        raise SessionError(f"damaged session: {name} cannot be read ({one_line(exc)})") from None


def _check_inflated_size(info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a member whose claimed size is out of proportion to its compressed size, before
    it is inflated (zipfile never inflates past the claimed size)."""
    if info.file_size > _INFLATE_FLOOR + _INFLATE_RATIO * info.compress_size:
        raise SessionError(f"damaged session: {name} is too large ({info.file_size:,} bytes "
                           f"from {info.compress_size:,} compressed); refused unread")


_META_TYPES = {"model": (str,), "box": (list,), "photo_path": (str, type(None)),
               "chosen": (int, type(None)), "position": (int, float), "costs": (list,),
               "has_original": (bool,)}


def _read_meta(data: bytes) -> dict:
    try:
        meta = strict_json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SessionError("damaged session: session.json is not UTF-8 text") from None
    except strict_json.JSONTextError as exc:
        raise SessionError(f"damaged session: session.json is {exc}") from None
    if not isinstance(meta, dict):
        raise SessionError(f"damaged session: session.json must hold a JSON object, got "
                           f"{type(meta).__name__}")
    tag = meta.get("format")
    if tag != SESSION_FORMAT:
        found = "has no \"format\"" if tag is None else f"has format {tag!r}"
        raise SessionError(f"not an iGAN session: session.json {found}, expected "
                           f"{SESSION_FORMAT!r}")
    for key, types in _META_TYPES.items():
        if key not in meta:
            raise SessionError(f"damaged session: session.json has no \"{key}\"")
        value = meta[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise SessionError(f"damaged session: session.json: \"{key}\" has the wrong type: "
                               f"{value!r}")
    return meta


def _read_png(data: bytes, name: str) -> np.ndarray:
    try:
        rgba, _ = decode_rgba(data, name)
    except ImageError as exc:
        raise SessionError(f"damaged session: {name}: {exc.reason}") from None
    return np.ascontiguousarray(rgba[..., :3])


def _read_strokes(data: bytes) -> StrokeSet:
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


def _read_latents(data: bytes) -> dict[str, np.ndarray]:
    # np.load guesses the kind of file from its first bytes, and reads anything but a zip as a
    # .npy array or a pickle; the refusal of a pickle would read as advice to trust the file.
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise SessionError("damaged session: latents.npz is not an npz archive")
    try:
        _check_npz_sizes(data)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            unknown = sorted(set(npz.files) - set(_LATENTS))
            if unknown:
                raise SessionError(f"damaged session: latents.npz holds an unknown array "
                                   f"{unknown[0]!r}; it holds {', '.join(_LATENTS)}")
            return {name: npz[name] for name in npz.files}
    except SessionError:
        raise
    except _MEMBER_ERRORS as exc:
        raise SessionError(f"damaged session: latents.npz cannot be read "
                           f"({one_line(exc)})") from None


def _check_npz_sizes(data: bytes) -> None:
    """Refuse an array whose header claims more values than its member holds: np.load allocates
    the claimed size before reading (a few bytes could ask for terabytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as npz:
        for info in npz.infolist():
            where = f"latents.npz: {info.filename}"
            _check_inflated_size(info, where)
            with npz.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
            if math.prod(shape) * dtype.itemsize > info.file_size:
                raise SessionError(f"damaged session: {where} claims a {dtype} array of shape "
                                   f"{shape}, more than its {info.file_size:,} bytes hold")
