"""The session file: exact round trips, atomic saves, one-line errors for damaged files."""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import replace

import numpy as np
import pytest

import igan_app
from igan_app.engine import session as session_module
from igan_app.engine.session import (
    SESSION_FORMAT,
    SESSION_SUFFIX,
    EditorSession,
    MorphPart,
    MorphPhoto,
    PaintPart,
    SessionError,
    open_session,
    save_session,
)
from igan_app.engine.strokes import Layer, Stroke, StrokeSet, Warp
from igan_app.imaging import encode_png

H, W = 30, 40


def photo(seed: int = 0, size: tuple[int, int] = (H, W)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def strokes(size: tuple[int, int] = (H, W)) -> StrokeSet:
    mask = np.zeros(size, bool)
    mask[5:9, 6:12] = True
    return StrokeSet(size, (
        Stroke("color", ((1.5, 2.25), (20.0, 11.0)), 4.0, (255, 140, 40)),
        Stroke("sketch", ((3.0, 3.0),), 2.0),
        Warp((10.0, 10.0), 8.0, (14.5, 12.0)),
        Layer("sketch", mask),
    ))


def full_session() -> EditorSession:
    rng = np.random.default_rng(7)
    return EditorSession(
        photo=photo(1), original=photo(2), photo_path="/photos/lake.jpg", model="landscape64",
        box=(2, 3, 38, 29), strokes=strokes(),
        anchor=rng.standard_normal(16).astype(np.float32),
        current=rng.integers(0, 256, (8, 8, 3), dtype=np.uint8),
        candidates=rng.standard_normal((3, 16)).astype(np.float32),
        costs=(0.125, 0.3333333333333333, 2.5e-7), chosen=1, position=0.37)


def minimal_session() -> EditorSession:
    return EditorSession(photo=photo(3), original=None, photo_path=None, model="landscape64",
                         box=(0, 0, W, H), strokes=StrokeSet((H, W)))


def assert_same(a: EditorSession, b: EditorSession) -> None:
    for name in ("photo", "original", "anchor", "current", "candidates"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None:
            assert y is None, name
        else:
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), name
    for name in ("photo_path", "model", "box", "strokes", "costs", "chosen", "position"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("make", [full_session, minimal_session])
def test_round_trip_is_exact(tmp_path, make):
    path = tmp_path / f"s{SESSION_SUFFIX}"
    session = make()
    save_session(path, session)
    assert_same(open_session(path), session)
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary left behind


def test_the_file_holds_the_documented_members(tmp_path):
    path = tmp_path / "s.igan"
    save_session(path, full_session())
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["session.json", "photo.png", "original.png",
                                      "strokes.json", "latents.npz"]
        meta = json.loads(archive.read("session.json"))
        with np.load(io.BytesIO(archive.read("latents.npz")), allow_pickle=False) as npz:
            assert sorted(npz.files) == ["anchor", "candidates", "current"]
    assert meta == {"format": SESSION_FORMAT, "model": "landscape64", "box": [2, 3, 38, 29],
                    "photo_path": "/photos/lake.jpg", "chosen": 1, "position": 0.37,
                    "costs": [0.125, 0.3333333333333333, 2.5e-7], "has_original": True,
                    "saved_with": igan_app.__version__}

    save_session(path, minimal_session())
    with zipfile.ZipFile(path) as archive:
        assert "original.png" not in archive.namelist()
        assert not json.loads(archive.read("session.json"))["has_original"]


def test_save_creates_folders_and_replaces_an_earlier_file(tmp_path):
    path = tmp_path / "new" / "folder" / "s.igan"
    save_session(path, full_session())
    save_session(path, minimal_session())
    assert open_session(path).original is None


@pytest.mark.parametrize("where", ["encoding", "rename"])
def test_a_failing_save_leaves_the_earlier_file_untouched(tmp_path, monkeypatch, where):
    path = tmp_path / "s.igan"
    save_session(path, minimal_session())
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    if where == "encoding":
        monkeypatch.setattr(session_module, "_npz_bytes", fail)
    else:
        monkeypatch.setattr(session_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_session(path, full_session())
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.igan"]


def test_a_failure_while_writing_the_zip_leaves_no_temporary(tmp_path, monkeypatch):
    calls = []

    def fail_late(self, name, data, **kwargs):
        calls.append(name)
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail_late)
    with pytest.raises(OSError):
        save_session(tmp_path / "s.igan", full_session())
    assert calls and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Damaged files


def rewrite(path, replace: dict[str, bytes | None]) -> None:
    """Rewrite the zip at `path` with members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data in replace.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def meta_with(**changes) -> bytes:
    meta = json.loads(session_module._session_json(full_session()))
    meta.update(changes)
    return json.dumps(meta).encode()


def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def damaged_cases():
    # (id, members to replace or remove, words the message must hold)
    return [
        ("no-session-json", {"session.json": None}, "not an iGAN session (no session.json)"),
        ("no-photo", {"photo.png": None}, "no photo.png"),
        ("no-original", {"original.png": None}, "no original.png"),
        ("no-strokes", {"strokes.json": None}, "no strokes.json"),
        ("no-latents", {"latents.npz": None}, "no latents.npz"),
        ("bad-json", {"session.json": b"{\"format\": "}, "session.json is not valid JSON"),
        ("nan-json", {"session.json": meta_with(position=float("nan"))}, "NaN"),
        ("json-list", {"session.json": b"[1, 2]"}, "must hold a JSON object"),
        ("not-utf8", {"session.json": b"\xff\xfe"}, "not UTF-8"),
        ("wrong-format", {"session.json": meta_with(format="igan-session/9")},
         "format 'igan-session/9'"),
        ("no-format", {"session.json": meta_with(format=None)}, "format"),
        ("missing-key", {"session.json": json.dumps({"format": SESSION_FORMAT}).encode()},
         "no \"model\""),
        ("wrong-type", {"session.json": meta_with(chosen="1")}, "\"chosen\" has the wrong type"),
        ("bool-chosen", {"session.json": meta_with(chosen=True)}, "\"chosen\""),
        ("corrupt-png", {"photo.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 40}, "photo.png"),
        ("not-png", {"original.png": b"hello"}, "original.png"),
        ("truncated-png", {"photo.png": encode_png(photo())[:200]}, "photo.png"),
        ("strokes-garbage", {"strokes.json": b"hello"}, "strokes.json"),
        ("strokes-bad", {"strokes.json": b"{\"format\": \"igan-strokes/1\"}"},
         "strokes.json: the file has no \"photo_size\""),
        ("latents-garbage", {"latents.npz": b"garbage"}, "latents.npz is not an npz archive"),
        ("latents-broken-zip", {"latents.npz": b"PK\x03\x04junk"}, "latents.npz cannot be read"),
        ("latents-npy", {"latents.npz": npy_bytes()}, "latents.npz is not an npz archive"),
        ("latents-pickle", {"latents.npz": npz(anchor=np.array([{}], dtype=object))},
         "latents.npz cannot be read"),
        ("latents-unknown", {"latents.npz": npz(other=np.zeros(3))}, "unknown array 'other'"),
        ("latent-dtype", {"latents.npz": npz(anchor=np.zeros(16))},
         "inconsistent session: anchor"),
        ("box-outside", {"session.json": meta_with(box=[0, 0, 400, 30])}, "inside the 40×30"),
        ("costs-count", {"session.json": meta_with(costs=[1.0])},
         "costs (1) differs from the number of candidates (3)"),
        ("strokes-size", {"strokes.json": StrokeSet((10, 10)).to_json().encode()},
         "the strokes are for a 10×10 photo"),
    ]


PAINT_LABELS = np.random.default_rng(3).integers(0, 7, (24, 32), dtype=np.uint8)


def new_member_cases():
    meta = json.loads(session_module._session_json(full_session()))
    paint = {"seed": 1, "deterministic": False, "panes": []}
    morph = {"frames": 8, "size": 64, "photos": [{"member": "morph-a.png", "name": "a"}, None]}
    labels = encode_png(PAINT_LABELS)
    small = encode_png(photo(0, (70, 70)))

    def with_meta(**changes):
        return json.dumps({**meta, **changes}).encode()

    return [
        ("no-paint-png", {"session.json": with_meta(paint=paint)}, "no paint.png"),
        ("paint-not-object", {"session.json": with_meta(paint=[1])}, "\"paint\" must be"),
        ("paint-seed-type", {"session.json": with_meta(paint={**paint, "seed": "1"}),
                             "paint.png": labels}, "\"seed\" has the wrong type"),
        ("paint-colour", {"session.json": with_meta(paint=paint), "paint.png": small},
         "paint.png must be a gray picture"),
        ("paint-ids", {"session.json": with_meta(paint=paint),
                       "paint.png": encode_png(np.full((4, 4), 250, np.uint8))},
         "label ids run from 0"),
        ("no-morph-photo", {"session.json": with_meta(morph=morph)}, "no morph-a.png"),
        ("morph-member", {"session.json": with_meta(morph={**morph, "photos": [
            {"member": "photo.png", "name": None}, None]})}, "names the member 'photo.png'"),
        ("morph-count", {"session.json": with_meta(morph={**morph, "photos": [None]})},
         "must hold 2 photos"),
        ("morph-frames", {"session.json": with_meta(morph={**morph, "frames": 1}),
                          "morph-a.png": small}, "frames must be an integer of at least 2"),
        ("morph-broken", {"session.json": with_meta(morph=morph),
                          "morph-a.png": small[:100]}, "morph-a.png"),
        ("pictures-shape", {"latents.npz": npz(
            anchor=full_session().anchor, current=full_session().current,
            candidates=full_session().candidates, pictures=np.zeros((2, 8, 8, 3), np.uint8))},
         "pictures must be 3 square"),
    ]


def npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3, np.float32))
    return buffer.getvalue()


@pytest.mark.parametrize(("replace", "words"),
                         [c[1:] for c in damaged_cases() + new_member_cases()],
                         ids=[c[0] for c in damaged_cases() + new_member_cases()])
def test_damage_gives_one_line_naming_the_file(tmp_path, replace, words):
    path = tmp_path / "s.igan"
    save_session(path, full_session())
    rewrite(path, replace)
    with pytest.raises(SessionError) as info:
        open_session(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert words in message


def test_a_file_that_is_no_zip(tmp_path):
    for data in (b"", b"just text", b"PK\x03\x04broken"):
        path = tmp_path / "s.igan"
        path.write_bytes(data)
        with pytest.raises(SessionError, match=r"s\.igan: not an iGAN session \(not a zip file"):
            open_session(path)


def test_a_truncated_file(tmp_path):
    path = tmp_path / "s.igan"
    save_session(path, full_session())
    path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])
    with pytest.raises(SessionError) as info:
        open_session(path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_a_corrupt_member_fails_its_check(tmp_path):
    path = tmp_path / "s.igan"
    save_session(path, full_session())
    data = bytearray(path.read_bytes())
    start = data.index(b"latents.npz") + len(b"latents.npz") + 40  # inside its deflated data
    data[start:start + 8] = b"\xa5" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(SessionError, match=r"damaged session: latents\.npz"):
        open_session(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SessionError, match=r"nope\.igan: file not found$"):
        open_session(tmp_path / "nope.igan")
    with pytest.raises(SessionError, match="is a folder"):
        open_session(tmp_path)


# ---------------------------------------------------------------------------------------------
# Validation


def invalid_cases():
    rng = np.random.default_rng(0)
    latent = rng.standard_normal(16).astype(np.float32)
    candidates = rng.standard_normal((3, 16)).astype(np.float32)
    return [
        ({"photo": photo().astype(np.float32)}, "photo must be an RGB uint8"),
        ({"photo": photo()[..., 0]}, "photo must be an RGB uint8"),
        ({"original": np.zeros((H, W, 4), np.uint8)}, "original must be"),
        ({"photo_path": 3}, "photo_path"),
        ({"model": ""}, "model"),
        ({"box": (0, 0, W + 1, H)}, "inside the 40×30 photo"),
        ({"box": (5, 0, 5, H)}, "non-empty"),
        ({"box": (0, 0, 1.5, 2)}, "four integers"),
        ({"box": (0, 0, 10)}, "four integers"),
        ({"strokes": StrokeSet((H + 1, W))}, "the strokes are for a 40×31 photo"),
        ({"strokes": "x"}, "StrokeSet"),
        ({"anchor": latent.astype(np.float64)}, "anchor must be a (d,) float32"),
        ({"anchor": latent[None]}, "anchor"),
        ({"current": np.zeros((8, 8, 3), np.uint8)}, "there is no anchor"),
        ({"anchor": latent, "current": np.zeros((8, 9, 3), np.uint8)}, "square"),
        ({"candidates": candidates[0]}, "candidates must be (K, d)"),
        ({"anchor": latent[:4], "candidates": candidates, "costs": (1, 2, 3)}, "4"),
        ({"candidates": candidates}, "costs (0) differs from the number of candidates (3)"),
        ({"costs": (1.0,)}, "costs (1) differs from the number of candidates (0)"),
        ({"candidates": candidates, "costs": (1, 2, float("inf"))}, "finite"),
        ({"candidates": candidates, "costs": (1, 2, 3), "chosen": 3}, "chosen"),
        ({"candidates": candidates, "costs": (1, 2, 3), "chosen": True}, "chosen"),
        ({"chosen": 0}, "one of the 0 candidates"),
        ({"position": 1.5}, "position"),
        ({"position": float("nan")}, "position"),
    ]


@pytest.mark.parametrize(("changes", "words"), invalid_cases())
def test_validation(changes, words):
    fields = {"photo": photo(), "original": None, "photo_path": None, "model": "landscape64",
              "box": (0, 0, W, H), "strokes": StrokeSet((H, W)), **changes}
    with pytest.raises(SessionError) as info:
        EditorSession(**fields)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_values_are_normalised():
    session = EditorSession(photo(), None, None, "m", [np.int64(1), 2, 3, 4], StrokeSet((H, W)),
                            candidates=np.zeros((2, 4), np.float32), costs=[1, 2],
                            chosen=np.int64(1), position=1)
    assert session.box == (1, 2, 3, 4) and type(session.box[0]) is int
    assert session.costs == (1.0, 2.0) and type(session.chosen) is int
    assert type(session.position) is float


# ---------------------------------------------------------------------------------------------
# The candidates' pictures, the paint and morph tabs' parts, the previous format (issue 14, 7)



def jpeg_bytes(picture: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def decoded(data: bytes) -> np.ndarray:
    from igan_app.imaging import decode_rgba

    return np.ascontiguousarray(decode_rgba(data, "test")[0][..., :3])


def everything_session() -> EditorSession:
    base = full_session()
    rng = np.random.default_rng(11)
    morph_a = photo(20, (70, 90))
    morph_b_file = jpeg_bytes(photo(21, (80, 64)))
    return EditorSession(
        **{name: getattr(base, name) for name in (
            "photo", "original", "photo_path", "model", "box", "strokes", "anchor", "current",
            "candidates", "costs", "chosen", "position")},
        pictures=rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8),
        paint=PaintPart(PAINT_LABELS, seed=42, deterministic=True, panes=("spade64", None)),
        morph=MorphPart((MorphPhoto(morph_a, "a.png"),
                         MorphPhoto(decoded(morph_b_file), "b.jpg", morph_b_file)), 12, 192))


def test_everything_round_trips_exactly(tmp_path):
    path = tmp_path / "all.igan"
    session = everything_session()
    save_session(path, session)
    again = open_session(path)
    assert_same(again, session)
    assert again.pictures.tobytes() == session.pictures.tobytes()
    paint = again.paint
    assert np.array_equal(paint.labels, PAINT_LABELS) and paint.labels.dtype == np.uint8
    assert (paint.seed, paint.deterministic, paint.panes) == (42, True, ("spade64", None))
    morph = again.morph
    assert (morph.frames, morph.size) == (12, 192)
    for kept, given in zip(morph.photos, session.morph.photos, strict=True):
        assert np.array_equal(kept.photo, given.photo) and kept.name == given.name
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        meta = json.loads(archive.read("session.json"))
        stored_b = archive.read("morph-b.jpg")
    assert names[5:] == ["paint.png", "morph-a.png", "morph-b.jpg"]
    assert meta["format"] == SESSION_FORMAT == "igan-session/2"
    assert meta["paint"] == {"seed": 42, "deterministic": True, "panes": ["spade64", None]}
    assert meta["morph"]["photos"][1] == {"member": "morph-b.jpg", "name": "b.jpg"}
    assert stored_b == session.morph.photos[1].encoded  # the JPEG as it was read, not a PNG


def test_a_morph_photo_whose_bytes_are_not_its_pixels_is_kept_as_png(tmp_path):
    pixels = photo(5, (70, 70))
    other = jpeg_bytes(photo(6, (70, 70)))
    session = replace(minimal_session(), morph=MorphPart((MorphPhoto(pixels, "x", other), None)))
    save_session(tmp_path / "s.igan", session)
    with zipfile.ZipFile(tmp_path / "s.igan") as archive:
        assert "morph-a.png" in archive.namelist() and "morph-a.jpg" not in archive.namelist()
    assert np.array_equal(open_session(tmp_path / "s.igan").morph.photos[0].photo, pixels)


def test_a_session_of_the_previous_format_opens(tmp_path):
    """A file as "igan-session/1" wrote it (its five members, its session.json keys)."""
    session = full_session()
    meta = json.loads(session_module._session_json(session))
    meta["format"] = "igan-session/1"
    path = tmp_path / "old.igan"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("session.json", json.dumps(meta))
        archive.writestr("photo.png", encode_png(session.photo))
        archive.writestr("original.png", encode_png(session.original))
        archive.writestr("strokes.json", session.strokes.to_json())
        archive.writestr("latents.npz", npz(anchor=session.anchor, current=session.current,
                                            candidates=session.candidates))
    opened = open_session(path)
    assert_same(opened, session)
    assert opened.pictures is None and opened.paint is None and opened.morph is None


@pytest.mark.parametrize(("make", "words"), [
    (lambda: PaintPart(np.zeros((4, 4), np.int32)), "(H, W) uint8"),
    (lambda: PaintPart(np.zeros((4, 4), np.uint8), seed=True), "seed"),
    (lambda: PaintPart(np.zeros((4, 4), np.uint8), panes=("a", 3)), "panes"),
    (lambda: MorphPhoto(np.zeros((4, 4), np.uint8)), "morph photo must be an RGB"),
    (lambda: MorphPart((None,)), "two MorphPhoto"),
    (lambda: MorphPart(size=0), "size must be an integer of at least 1"),
    (lambda: replace(minimal_session(), pictures=np.zeros((1, 8, 8, 3), np.uint8)),
     "there are no candidates"),
    (lambda: replace(full_session(), pictures=np.zeros((3, 9, 9, 3), np.uint8)),
     "the candidates' pictures are 9 px"),
    (lambda: replace(minimal_session(), paint="map"), "paint must be a PaintPart"),
])
def test_new_parts_are_checked(make, words):
    with pytest.raises(SessionError, match=None) as info:
        make()
    assert words in str(info.value) and "\n" not in str(info.value)
