"""The tuned generator in a session file: its weights kept exactly beside the base's name (a
float16 file read too), refused one line at a time when damaged; a session without it reads as
before."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from safetensors.numpy import save

from igan_app.engine.session import (
    SESSION_FORMAT,
    EditorSession,
    SessionError,
    open_session,
    save_session,
)
from igan_app.engine.session_tuned import TUNED_MEMBER, TunedWeights
from igan_app.engine.strokes import StrokeSet


def full_session() -> EditorSession:
    rng = np.random.default_rng(7)
    return EditorSession(
        photo=rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), original=None,
        photo_path=None, model="landscape64", box=(2, 3, 38, 29), strokes=StrokeSet((30, 40)),
        anchor=rng.standard_normal(16).astype(np.float32),
        current=rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))


def rewrite(path, changes: dict[str, bytes | None]) -> None:
    """The zip at `path` with members replaced (bytes) or left out (None)."""
    with zipfile.ZipFile(path) as archive:
        members = {**{name: archive.read(name) for name in archive.namelist()}, **changes}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in ((n, d) for n, d in members.items() if d is not None):
            archive.writestr(name, data)


def weights() -> TunedWeights:
    rng = np.random.default_rng(3)
    return TunedWeights("landscape64", {
        "net.0.weight": rng.standard_normal((16, 8, 4, 4)).astype(np.float32),
        "net.1.running_mean": rng.standard_normal(8).astype(np.float32),
        "net.1.num_batches_tracked": np.array(12, np.int64)})


def test_the_tuned_weights_come_back_exactly_beside_their_base(tmp_path):
    kept = weights()
    save_session(tmp_path / "s.igan", replace(full_session(), tuned=kept))
    back = open_session(tmp_path / "s.igan").tuned
    assert back.base == "landscape64" and back.generator.keys() == kept.generator.keys()
    for key, value in kept.generator.items():
        read = back.generator[key]
        # safetensors gives a scalar back as one value; the cache reshapes it to fit
        assert read.dtype == value.dtype and np.array_equal(read.reshape(value.shape), value)
    with zipfile.ZipFile(tmp_path / "s.igan") as archive:
        meta = json.loads(archive.read("session.json"))
        stored = archive.getinfo(TUNED_MEMBER).compress_type == zipfile.ZIP_STORED
    assert meta["format"] == SESSION_FORMAT and meta["tuned"] == {"base": "landscape64",
                                                                   "dtype": "float32"}
    assert stored  # deflating weights costs the autosave time for little


def test_float16_weights_are_read_as_kept(tmp_path):
    path = tmp_path / "s.igan"
    save_session(path, replace(full_session(), tuned=weights()))
    half = {k: v.astype(np.float16) if v.dtype.kind == "f" else v
            for k, v in weights().generator.items()}
    rewrite(path, {TUNED_MEMBER: save(half)})
    back = open_session(path).tuned.generator
    assert back["net.0.weight"].dtype == np.float16
    assert np.array_equal(back["net.0.weight"], half["net.0.weight"])


def test_a_session_without_a_tuned_generator_has_none(tmp_path):
    save_session(tmp_path / "s.igan", full_session())
    assert open_session(tmp_path / "s.igan").tuned is None
    with zipfile.ZipFile(tmp_path / "s.igan") as archive:
        assert TUNED_MEMBER not in archive.namelist()
        assert "tuned" not in json.loads(archive.read("session.json"))


@pytest.mark.parametrize("damage, words", [
    ({TUNED_MEMBER: None}, f"no {TUNED_MEMBER}"),
    ({TUNED_MEMBER: save({})}, "weights must be a non-empty"),
    ({TUNED_MEMBER: save({"w": np.full(2, np.inf, np.float16)})}, "'w' is not finite"),
    ({TUNED_MEMBER: b"not weights at all"}, f"{TUNED_MEMBER} cannot be read"),
])
def test_a_damaged_tuned_member_is_one_line_naming_it(tmp_path, damage, words):
    path = tmp_path / "s.igan"
    save_session(path, replace(full_session(), tuned=weights()))
    rewrite(path, damage)
    with pytest.raises(SessionError, match=words) as caught:
        open_session(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_tuned_entry_without_its_base_is_refused(tmp_path):
    path = tmp_path / "s.igan"
    save_session(path, replace(full_session(), tuned=weights()))
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("session.json"))
    meta["tuned"] = {"dtype": "float16"}
    rewrite(path, {"session.json": json.dumps(meta).encode()})
    with pytest.raises(SessionError, match='"tuned" has no "base"'):
        open_session(path)
