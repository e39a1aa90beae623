"""The session file: the editor's photo, strokes, latents and candidates, and what the paint and
morph tabs hold, saved to be opened later.

A session file ("igan-session/2", suffix `SESSION_SUFFIX`) is a zip holding
  session.json   {"format", "model", "box", "photo_path", "chosen", "position", "costs",
                  "has_original", "saved_with"}, and "paint" and "morph" when kept
  photo.png      the current photo
  original.png   the photo as first opened (only when it differs)
  strokes.json   the strokes, "igan-strokes/1" (`StrokeSet.to_json`)
  latents.npz    anchor, current, candidates and the candidates' pictures, those that are set
                 (read without pickles)
  paint.png, morph-a.jpg, morph-b.png, …   the paint and morph tabs' (`engine.session_parts`)
  tuned.safetensors   the generator tuned on the photo, with "tuned" in session.json
                      (`engine.session_tuned`); a reader that does not know it edits on the base
"igan-session/1" files (the same without pictures, paint and morph) are read as well.
`save_session` writes it atomically; `open_session` reads it back exactly, and raises one
`SessionError` line naming the file and the problem for anything damaged.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import IO

import numpy as np

import igan_app
from igan_app.engine import strict_json
from igan_app.engine.frame import check_box
from igan_app.engine.session_members import (
    NPZ_ARRAYS,
    SessionError,
    check_fields,
    check_rgb,
    decode_picture,
    is_array,
    is_int,
    is_number,
    npz_bytes,
    read_member,
    read_npz,
    read_strokes,
)
from igan_app.engine.session_parts import (
    MorphPart,
    MorphPhoto,
    PaintPart,
    morph_entry,
    paint_entry,
    read_morph,
    read_paint,
)
from igan_app.engine.session_tuned import TunedWeights, read_tuned, tuned_entry
from igan_app.engine.strokes import StrokeSet
from igan_app.files import write_atomic
from igan_app.imaging import PathLike, encode_png
from igan_app.messages import describe_value

SESSION_FORMAT = "igan-session/2"
READABLE_FORMATS = ("igan-session/1", SESSION_FORMAT)  # the previous format is still read
SESSION_SUFFIX = ".igan"


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
    pictures: (K, r, r, 3) uint8, the candidates' generated pictures (needs `candidates`), or
        None (they are rendered again).
    paint: the paint tab's map and style, or None (not kept).
    morph: the morph tab's photos and options, or None (not kept).
    tuned: the generator tuned on the photo (`current` is its picture at `anchor`), or None.
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
    pictures: np.ndarray | None = None
    paint: PaintPart | None = None
    morph: MorphPart | None = None
    tuned: TunedWeights | None = None

    def __post_init__(self) -> None:
        check_rgb(self.photo, "photo")
        height, width = self.photo.shape[:2]
        if self.original is not None:
            check_rgb(self.original, "original")
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
        if not is_number(position) or not 0 <= position <= 1:
            raise SessionError(f"position must be a number in [0, 1], got {position!r}")
        object.__setattr__(self, "position", float(position))
        for name, kind in (("paint", PaintPart), ("morph", MorphPart), ("tuned", TunedWeights)):
            part = getattr(self, name)
            if part is not None and not isinstance(part, kind):
                raise SessionError(f"{name} must be a {kind.__name__} or None, got "
                                   f"{type(part).__name__}")

    def _check_latents(self) -> None:
        anchor, current, candidates = self.anchor, self.current, self.candidates
        if anchor is not None and not is_array(anchor, np.float32, 1):
            raise SessionError(f"anchor must be a (d,) float32 latent, got {describe_value(anchor)}")
        if current is not None:
            if anchor is None:
                raise SessionError("current is the picture at the anchor, and there is no anchor")
            if not is_array(current, np.uint8, 3) or current.shape[2] != 3 or (
                    current.shape[0] != current.shape[1]):
                raise SessionError(f"current must be a square (r, r, 3) uint8 picture, got "
                                   f"{describe_value(current)}")
        if candidates is not None:
            if not is_array(candidates, np.float32, 2):
                raise SessionError(f"candidates must be (K, d) float32 latents, got "
                                   f"{describe_value(candidates)}")
            if anchor is not None and candidates.shape[1] != anchor.shape[0]:
                raise SessionError(f"candidates have {candidates.shape[1]} dimensions, the "
                                   f"anchor {anchor.shape[0]}")
        self._check_pictures()

    def _check_pictures(self) -> None:
        pictures, candidates, current = self.pictures, self.candidates, self.current
        if pictures is None:
            return
        if candidates is None:
            raise SessionError("pictures are the candidates', and there are no candidates")
        if (not is_array(pictures, np.uint8, 4) or pictures.shape[3] != 3
                or pictures.shape[1] != pictures.shape[2]
                or pictures.shape[0] != candidates.shape[0]):
            raise SessionError(f"pictures must be {candidates.shape[0]} square (K, r, r, 3) "
                               f"uint8 pictures, got {describe_value(pictures)}")
        if current is not None and pictures.shape[1] != current.shape[0]:
            raise SessionError(f"the candidates' pictures are {pictures.shape[1]} px, the "
                               f"anchor's {current.shape[0]} px")


def _box(value: object, width: int, height: int) -> tuple[int, int, int, int]:
    if (isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list))
            or len(value) != 4 or not all(is_int(v) for v in value)):
        raise SessionError(f"box must be four integers (left, top, right, bottom), got {value!r}")
    try:
        return check_box(value, (height, width))
    except ValueError as err:
        raise SessionError(str(err)) from None


def _costs(value: object, candidates: np.ndarray | None) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise SessionError(f"costs must be a sequence of numbers, got {value!r}")
    if not all(is_number(v) for v in value):
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
    if not is_int(value) or not 0 <= value < count:
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
    parts: dict[str, tuple[bytes, int]] = {}
    extra = {}
    if session.paint is not None:
        extra["paint"] = paint_entry(session.paint, parts)
    if session.morph is not None:
        extra["morph"] = morph_entry(session.morph, parts)
    if session.tuned is not None:
        extra["tuned"] = tuned_entry(session.tuned, parts)
    members = {"session.json": (_session_json(session, extra).encode("utf-8"),
                                zipfile.ZIP_DEFLATED),
               "photo.png": (encode_png(session.photo), zipfile.ZIP_STORED)}
    if session.original is not None:
        members["original.png"] = (encode_png(session.original), zipfile.ZIP_STORED)
    members["strokes.json"] = (session.strokes.to_json().encode("utf-8"), zipfile.ZIP_DEFLATED)
    members["latents.npz"] = (_npz_bytes(session), zipfile.ZIP_DEFLATED)
    members.update(parts)

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w") as archive:
            for name, (data, compression) in members.items():
                archive.writestr(name, data, compress_type=compression)

    write_atomic(path, write)


def _session_json(session: EditorSession, extra: dict | None = None) -> str:
    data = {"format": SESSION_FORMAT, "model": session.model, "box": list(session.box),
            "photo_path": session.photo_path, "chosen": session.chosen,
            "position": session.position, "costs": list(session.costs),
            "has_original": session.original is not None}
    version = getattr(igan_app, "__version__", None)
    if version is not None:
        data["saved_with"] = version
    data.update(extra or {})
    return json.dumps(data, indent=2) + "\n"


def _npz_bytes(session: EditorSession) -> bytes:
    return npz_bytes({name: getattr(session, name) for name in NPZ_ARRAYS})


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
        meta = _read_meta(read_member(archive, "session.json"))
        photo = decode_picture(read_member(archive, "photo.png"), "photo.png")
        original = None
        if meta["has_original"]:
            original = decode_picture(read_member(archive, "original.png"), "original.png")
        strokes = read_strokes(read_member(archive, "strokes.json"))
        arrays = read_npz(read_member(archive, "latents.npz"))
        parts = {}
        if meta.get("paint") is not None:
            parts["paint"] = read_paint(meta["paint"], archive)
        if meta.get("morph") is not None:
            parts["morph"] = read_morph(meta["morph"], archive)
        if meta.get("tuned") is not None:
            parts["tuned"] = read_tuned(meta["tuned"], archive)
    try:
        return EditorSession(photo=photo, original=original, photo_path=meta["photo_path"],
                             model=meta["model"], box=meta["box"], strokes=strokes,
                             costs=meta["costs"], chosen=meta["chosen"],
                             position=meta["position"], **arrays, **parts)
    except SessionError as exc:
        raise SessionError(f"inconsistent session: {exc}") from None


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
    if tag not in READABLE_FORMATS:
        found = "has no \"format\"" if tag is None else f"has format {tag!r}"
        raise SessionError(f"not an iGAN session: session.json {found}, expected "
                           f"{' or '.join(map(repr, READABLE_FORMATS))} (a newer iGAN Studio "
                           f"may read it)")
    return check_fields(meta, "session.json", _META_TYPES)


__all__ = ["READABLE_FORMATS", "SESSION_FORMAT", "SESSION_SUFFIX", "EditorSession",
           "MorphPart", "MorphPhoto", "PaintPart", "SessionError", "open_session",
           "save_session"]
