"""What a session keeps of the other tabs: the paint tab's label map and style, the morph tab's two
photos and options. Each part is a frozen value checked when it is made, with its entry in
session.json and its zip members (see `engine.session` for the file):

  "paint": {"seed", "deterministic", "panes"}       paint.png: the label ids, a gray PNG
  "morph": {"frames", "size", "photos": [A, B]}     A, B: null or {"member", "name"};
                                                    morph-a.jpg (.png, …): photo A's file
A morph photo is kept as the file it was read from when its bytes are given and decode to its
pixels (a JPEG stays a JPEG: a PNG of a camera photo is several times larger), else as a PNG.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

import numpy as np

from igan_app.engine.session_members import (
    IMAGE_SUFFIXES,
    SessionError,
    check_fields,
    check_rgb,
    decode_labels,
    decode_picture,
    image_suffix,
    is_array,
    is_int,
    read_member,
)
from igan_app.imaging import encode_png
from igan_app.messages import describe_value
from igan_app.world.palette import NUM_LABELS

PAINT_MEMBER = "paint.png"
MORPH_SLOTS = ("a", "b")
MAX_PANES = 16
Members = dict[str, tuple[bytes, int]]  # member name → (bytes, zip compression)


@dataclass(frozen=True, eq=False)
class PaintPart:
    """The paint tab: labels (H, W) uint8 world label ids; seed: the style seed; deterministic:
    pix2pix without its seeded variation; panes: each render pane's model name (None: empty)."""

    labels: np.ndarray
    seed: int = 0
    deterministic: bool = False
    panes: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        labels = self.labels
        if not is_array(labels, np.uint8, 2):
            raise SessionError(f"the paint map must be (H, W) uint8 label ids, got "
                               f"{describe_value(labels)}")
        if int(labels.max()) >= NUM_LABELS:
            raise SessionError(f"the paint map's label ids run from 0 to {NUM_LABELS - 1}, "
                               f"it holds {int(labels.max())}")
        if not is_int(self.seed):
            raise SessionError(f"the paint seed must be an integer, got {self.seed!r}")
        if not isinstance(self.deterministic, bool):
            raise SessionError(f"deterministic must be true or false, got {self.deterministic!r}")
        panes = self.panes
        if (isinstance(panes, (str, bytes)) or not isinstance(panes, (tuple, list))
                or len(panes) > MAX_PANES
                or not all(p is None or isinstance(p, str) for p in panes)):
            raise SessionError(f"panes must be at most {MAX_PANES} model names or nulls, got "
                               f"{panes!r}")
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "panes", tuple(panes))


@dataclass(frozen=True, eq=False)
class MorphPhoto:
    """A morph photo: photo RGB uint8 (H, W, 3); name: what it was opened as (for its label);
    encoded: the bytes of the file it was read from, kept when they decode to `photo`."""

    photo: np.ndarray
    name: str | None = None
    encoded: bytes | None = None

    def __post_init__(self) -> None:
        check_rgb(self.photo, "a morph photo")
        if self.name is not None and not isinstance(self.name, str):
            raise SessionError(f"a morph photo's name must be a string or None, got "
                               f"{self.name!r}")
        if self.encoded is not None and not isinstance(self.encoded, bytes):
            raise SessionError(f"a morph photo's file must be bytes, got "
                               f"{type(self.encoded).__name__}")


@dataclass(frozen=True, eq=False)
class MorphPart:
    """The morph tab: photos A and B (None: not opened); frames and size of its last morph
    (None: not run)."""

    photos: tuple[MorphPhoto | None, MorphPhoto | None] = (None, None)
    frames: int | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        photos = self.photos
        if (not isinstance(photos, (tuple, list)) or len(photos) != len(MORPH_SLOTS)
                or not all(p is None or isinstance(p, MorphPhoto) for p in photos)):
            raise SessionError(f"the morph photos must be two MorphPhoto or None, got "
                               f"{photos!r}")
        object.__setattr__(self, "photos", tuple(photos))
        for what, value, low in (("frames", self.frames, 2), ("size", self.size, 1)):
            if value is not None and (not is_int(value) or value < low):
                raise SessionError(f"the morph's {what} must be an integer of at least {low}, "
                                   f"got {value!r}")
            object.__setattr__(self, what, None if value is None else int(value))


# --- writing ----------------------------------------------------------------------------------

def paint_entry(part: PaintPart, members: Members) -> dict:
    """session.json's "paint", its member added to `members`."""
    members[PAINT_MEMBER] = (encode_png(part.labels), zipfile.ZIP_DEFLATED)
    return {"seed": part.seed, "deterministic": part.deterministic, "panes": list(part.panes)}


def morph_entry(part: MorphPart, members: Members) -> dict:
    """session.json's "morph", its photos' members added to `members`."""
    photos = []
    for slot, photo in zip(MORPH_SLOTS, part.photos, strict=True):
        if photo is None:
            photos.append(None)
            continue
        data, suffix = _encoded(photo)
        name = f"morph-{slot}{suffix}"
        members[name] = (data, zipfile.ZIP_STORED)  # image files are compressed already
        photos.append({"member": name, "name": photo.name})
    return {"frames": part.frames, "size": part.size, "photos": photos}


def _encoded(photo: MorphPhoto) -> tuple[bytes, str]:
    """The photo's file as it was read when that reads back as its pixels, else a PNG."""
    data = photo.encoded
    suffix = None if data is None else image_suffix(data)
    if suffix is not None:
        try:
            if np.array_equal(decode_picture(data, "the morph photo"), photo.photo):
                return data, suffix
        except SessionError:
            pass  # bytes that are no picture of ours: the pixels are kept instead
    return encode_png(photo.photo), ".png"


# --- reading ----------------------------------------------------------------------------------

def read_paint(entry: object, archive: zipfile.ZipFile) -> PaintPart:
    """The PaintPart of session.json's "paint" `entry` and paint.png."""
    entry = _object(entry, "paint", {"seed": (int,), "deterministic": (bool,), "panes": (list,)})
    labels = decode_labels(read_member(archive, PAINT_MEMBER), PAINT_MEMBER)
    return _made(PaintPart, labels, entry["seed"], entry["deterministic"], tuple(entry["panes"]))


def read_morph(entry: object, archive: zipfile.ZipFile) -> MorphPart:
    """The MorphPart of session.json's "morph" `entry` and its photos' members."""
    entry = _object(entry, "morph", {"frames": (int, type(None)), "size": (int, type(None)),
                                     "photos": (list,)})
    slots = entry["photos"]
    if len(slots) != len(MORPH_SLOTS):
        raise SessionError(f"damaged session: session.json: \"morph\" must hold "
                           f"{len(MORPH_SLOTS)} photos, it holds {len(slots)}")
    photos = []
    for slot, value in zip(MORPH_SLOTS, slots, strict=True):
        if value is None:
            photos.append(None)
            continue
        value = _object(value, f"morph photo {slot.upper()}",
                        {"member": (str,), "name": (str, type(None))})
        member = value["member"]
        allowed = {f"morph-{slot}{suffix}" for suffix in IMAGE_SUFFIXES.values()}
        if member not in allowed:
            raise SessionError(f"damaged session: session.json: morph photo {slot.upper()} "
                               f"names the member {member!r}; it is one of "
                               f"{', '.join(sorted(allowed))}")
        data = read_member(archive, member)
        photos.append(MorphPhoto(decode_picture(data, member), value["name"], data))
    return _made(MorphPart, tuple(photos), entry["frames"], entry["size"])


def _made(kind: type, *fields: object) -> object:
    try:
        return kind(*fields)
    except SessionError as exc:
        raise SessionError(f"damaged session: {exc}") from None


def _object(value: object, what: str, types: dict[str, tuple[type, ...]]) -> dict:
    if not isinstance(value, dict):
        raise SessionError(f"damaged session: session.json: \"{what}\" must be a JSON object, "
                           f"got {type(value).__name__}")
    return check_fields(value, f"session.json: \"{what}\"", types)


__all__ = ["MORPH_SLOTS", "PAINT_MEMBER", "MorphPart", "MorphPhoto", "PaintPart",
           "morph_entry", "paint_entry", "read_morph", "read_paint"]
