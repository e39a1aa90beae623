"""Session files (.igan), random and damaged: each one opens (and then saves and opens again the
same) or fails with one SessionError line naming the file. Zip bombs are refused unread."""

from __future__ import annotations

import io
import json
import struct
import tempfile
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from property.fuzzing import fuzz, loads_or_one_line, mutated, wrong_values

from igan_app.engine.session import EditorSession, SessionError, open_session, save_session
from igan_app.engine.session_parts import MorphPart, MorphPhoto, PaintPart
from igan_app.engine.strokes import Layer, Stroke, StrokeSet, Warp

H, W = 12, 16


def valid_session() -> EditorSession:
    rng = np.random.default_rng(5)
    mask = np.zeros((H, W), bool)
    mask[2:5, 3:7] = True
    strokes = StrokeSet((H, W), (Stroke("color", ((1.5, 2.0), (9.0, 7.0)), 3.0, (250, 20, 5)),
                                 Warp((6.0, 6.0), 4.0, (8.0, 7.5)), Layer("sketch", mask)))
    return EditorSession(
        photo=rng.integers(0, 256, (H, W, 3), dtype=np.uint8),
        original=rng.integers(0, 256, (H, W, 3), dtype=np.uint8), photo_path="/photos/a.jpg",
        model="landscape64", box=(1, 1, 15, 11), strokes=strokes,
        anchor=rng.standard_normal(6).astype(np.float32),
        current=rng.integers(0, 256, (4, 4, 3), dtype=np.uint8),
        candidates=rng.standard_normal((2, 6)).astype(np.float32), costs=(0.5, 0.75), chosen=1,
        position=0.25, pictures=rng.integers(0, 256, (2, 4, 4, 3), dtype=np.uint8),
        paint=PaintPart(rng.integers(0, 5, (6, 8), dtype=np.uint8), 3, True, ("a", None)),
        morph=MorphPart((MorphPhoto(rng.integers(0, 256, (5, 7, 3), dtype=np.uint8), "a.png"),
                         None), 4, 64))


def session_bytes(session: EditorSession) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.igan"
        save_session(path, session)
        return path.read_bytes()


VALID = session_bytes(valid_session())


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


VALID_MEMBERS = members(VALID)


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": wanted here
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def check(tmp_path, data: bytes) -> EditorSession | None:
    path = tmp_path / "work.igan"
    path.write_bytes(data)
    session = loads_or_one_line(open_session, path, SessionError)
    if session is not None:  # what opens, saves and opens again the same
        again = tmp_path / "again.igan"
        save_session(again, session)
        reopened = open_session(again)
        for name in ("photo", "original", "anchor", "current", "candidates", "pictures"):
            a, b = getattr(session, name), getattr(reopened, name)
            assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b))
        for name in ("photo_path", "model", "box", "strokes", "costs", "chosen", "position"):
            assert getattr(session, name) == getattr(reopened, name), name
        assert_same_parts(session, reopened)
    return session


def assert_same_parts(a: EditorSession, b: EditorSession) -> None:
    """The paint and morph parts of two sessions hold the same values."""
    assert (a.paint is None) == (b.paint is None) and (a.morph is None) == (b.morph is None)
    if a.paint is not None:
        assert np.array_equal(a.paint.labels, b.paint.labels)
        assert (a.paint.seed, a.paint.deterministic, a.paint.panes) == (
            b.paint.seed, b.paint.deterministic, b.paint.panes)
    if a.morph is not None:
        assert (a.morph.frames, a.morph.size) == (b.morph.frames, b.morph.size)
        for x, y in zip(a.morph.photos, b.morph.photos, strict=True):
            assert (x is None and y is None) or (
                np.array_equal(x.photo, y.photo) and x.name == y.name)


def test_the_valid_file_opens(tmp_path):
    assert check(tmp_path, VALID) is not None


@fuzz(60)
@given(data=mutated(VALID))
def test_damaged_session_files(tmp_path, data):
    check(tmp_path, data)


MEMBER_NAMES = sorted(VALID_MEMBERS)


@fuzz(80)
@given(st.data())
def test_members_missing_duplicated_or_damaged(tmp_path, data):
    entries = list(VALID_MEMBERS.items())
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        how = data.draw(st.sampled_from(("drop", "duplicate", "damage", "add")), label="how")
        if how == "add":
            name = data.draw(st.sampled_from([*MEMBER_NAMES, "other.bin"]), label="name")
            entries.append((name, data.draw(st.binary(max_size=64), label="bytes")))
            continue
        if not entries:
            break
        index = data.draw(st.integers(0, len(entries) - 1), label="member")
        name, content = entries[index]
        if how == "drop":
            del entries[index]
        elif how == "duplicate":
            entries.append((name, content))
        else:
            entries[index] = (name, data.draw(mutated(content), label="damaged"))
    check(tmp_path, zipped(entries))


META = json.loads(VALID_MEMBERS["session.json"])
STROKES = json.loads(VALID_MEMBERS["strokes.json"])


def test_a_member_held_twice_is_refused(tmp_path):
    # zipfile would read the last copy; which one the file means is anyone's guess.
    entries = [*VALID_MEMBERS.items(), ("photo.png", VALID_MEMBERS["original.png"])]
    path = tmp_path / "twice.igan"
    path.write_bytes(zipped(entries))
    with pytest.raises(SessionError, match="holds photo.png twice"):
        open_session(path)


@fuzz(80)
@given(meta=wrong_values(META))
def test_session_json_with_wrong_values(tmp_path, meta):
    entries = {**VALID_MEMBERS, "session.json": json.dumps(meta).encode("utf-8")}
    check(tmp_path, zipped(list(entries.items())))


@fuzz(40)
@given(strokes=wrong_values(STROKES))
def test_strokes_json_with_wrong_values(tmp_path, strokes):
    entries = {**VALID_MEMBERS, "strokes.json": json.dumps(strokes).encode("utf-8")}
    check(tmp_path, zipped(list(entries.items())))


ARRAYS = st.sampled_from([
    np.zeros(0, np.float32), np.zeros(6, np.float64), np.zeros((6, 1), np.float32),
    np.zeros((2, 6), np.float32), np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8),
    np.zeros((3, 6), np.float32), np.array([np.nan] * 6, np.float32), np.zeros(6, np.int64),
    np.zeros((), np.float32), np.array(["a"]), np.zeros(6, np.complex64),
    np.zeros((0, 6), np.float32), np.zeros(6, ">f4"), np.zeros((2, 6), np.float16),
    np.zeros((2, 4, 4, 3), np.uint8), np.zeros((2, 5, 5, 3), np.uint8),
])


def npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@fuzz(60)
@given(arrays=st.dictionaries(st.sampled_from(("anchor", "current", "candidates", "pictures",
                                              "extra")),
                              ARRAYS, max_size=3))
def test_latents_of_wrong_shapes_and_types(tmp_path, arrays):
    entries = {**VALID_MEMBERS, "latents.npz": npz(arrays)}
    check(tmp_path, zipped(list(entries.items())))


def npy_claiming(shape: tuple[int, ...], payload: bytes = b"\0" * 64) -> bytes:
    """An .npy file whose header claims `shape` float32 values and holds only `payload`."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode("latin1")
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


@pytest.mark.parametrize("shape", [(10**12,), (2**31, 2**31), (-1,), (6,)])
def test_latents_whose_header_lies_about_their_size(tmp_path, shape):
    latents = zipped([("anchor.npy", npy_claiming(shape, b"\0" * 8))])
    entries = {**VALID_MEMBERS, "latents.npz": latents}
    path = tmp_path / "lying.igan"
    path.write_bytes(zipped(list(entries.items())))
    with pytest.raises(SessionError, match="latents.npz") as info:
        open_session(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def with_claimed_size(data: bytes, name: str, size: int) -> bytes:
    """The zip `data` with `name`'s uncompressed size in its central directory set to `size`."""
    data = bytearray(data)
    start = data.index(b"PK\x01\x02")
    while True:
        length = struct.unpack("<H", data[start + 28:start + 30])[0]
        if data[start + 46:start + 46 + length] == name.encode():
            data[start + 24:start + 28] = struct.pack("<I", size)
            return bytes(data)
        extra, comment = struct.unpack("<HH", data[start + 30:start + 34])
        start = data.index(b"PK\x01\x02", start + 46 + length + extra + comment)


@pytest.mark.parametrize("member", ["session.json", "photo.png", "strokes.json", "latents.npz",
                                    "paint.png", "morph-a.png"])
def test_a_member_claiming_gigabytes_is_refused_unread(tmp_path, member):
    path = tmp_path / "claims.igan"
    path.write_bytes(with_claimed_size(zipped(list(VALID_MEMBERS.items())), member, 4_000_000_000))
    with pytest.raises(SessionError, match=f"{member}.*too large") as info:
        open_session(path)
    assert str(path) in str(info.value)


def test_a_zip_bomb_is_refused_without_inflating(tmp_path):
    # 100 MB of zeros deflate to 100 kB; inflating them would take the memory and the time.
    path = tmp_path / "bomb.igan"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in VALID_MEMBERS.items():
            if name != "photo.png":
                archive.writestr(name, content)
        with archive.open("photo.png", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(100):
                member.write(zeros)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(SessionError, match="photo.png.*too large") as info:
            open_session(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, f"{peak:,} bytes allocated: inflated before refusing"
    assert str(path) in str(info.value)
