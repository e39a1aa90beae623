"""Tests of igan_app.files: atomic writes through a callback, of bytes and text, and by name."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from igan_app.files import atomic_path, write_atomic, write_bytes_atomic, write_text_atomic


def test_a_write_goes_through_a_hidden_tmp_sibling(tmp_path: Path) -> None:
    target = tmp_path / "folder" / "out.bin"
    seen = []

    def save(f) -> None:
        seen.extend(os.listdir(target.parent))
        f.write(b"data")

    write_atomic(target, save)
    assert len(seen) == 1 and re.fullmatch(r"\.out\.bin\.[0-9a-f]{8}\.tmp", seen[0]), seen
    assert target.read_bytes() == b"data"
    assert os.listdir(target.parent) == ["out.bin"]


def test_bytes_and_text_replace_the_file_with_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    write_bytes_atomic(target, b"old")
    write_text_atomic(target, '{"name": "Zoë"}\n')
    assert target.read_text(encoding="utf-8") == '{"name": "Zoë"}\n'
    assert os.listdir(tmp_path) == ["a.json"]
    if os.name == "posix":
        plain = tmp_path / "plain"
        plain.write_bytes(b"")
        assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


@pytest.mark.parametrize("existing", [True, False])
def test_a_failed_write_leaves_the_target_untouched(tmp_path: Path, existing: bool) -> None:
    target = tmp_path / "keep.txt"
    if existing:
        target.write_text("before")

    def save(f) -> None:
        f.write(b"half of it")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, save)
    assert os.listdir(tmp_path) == (["keep.txt"] if existing else [])
    if existing:
        assert target.read_text() == "before"


def test_a_path_for_writers_that_open_the_file_themselves(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    with atomic_path(target, suffix=".mp4") as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".clip.mp4.")
        assert temporary.suffix == ".mp4" and temporary.read_bytes() == b""
        temporary.write_bytes(b"frames")
    assert target.read_bytes() == b"frames"
    assert os.listdir(tmp_path) == ["clip.mp4"]

    with pytest.raises(RuntimeError, match="encoder"), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("encoder failed")
    assert target.read_bytes() == b"frames"
    assert os.listdir(tmp_path) == ["clip.mp4"]
