"""Settings: defaults, values kept between runs, garbage read back as defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from igan_app.gui.settings import MAX_RECENT, Settings


def ini(path: Path) -> Settings:
    return Settings(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return ini(tmp_path / "s.ini")


def test_defaults(settings):
    assert_defaults(settings)


def assert_defaults(settings: Settings) -> None:
    assert settings.last_folder == str(Path.home())
    assert [settings.brush_width(t) for t in ("color", "sketch", "warp", "eraser")] == [
        24.0, 6.0, 48.0, 32.0]
    assert settings.brush_color == (255, 140, 40)
    assert settings.device == "auto"
    assert settings.starts == 16 and settings.candidates == 8
    assert settings.edit_sizes() == (16, 8)
    assert settings.model == "landscape64"
    assert settings.projection_steps == 30
    assert settings.recent_files() == [] and settings.recent_files(existing_only=True) == []
    assert settings.last_session is None
    assert settings.window_geometry is None and settings.window_state is None
    assert settings.transfer_mode == "auto"


def set_everything(settings: Settings, folder: Path) -> None:
    settings.last_folder = folder
    settings.set_brush_width("sketch", 3.5)
    settings.set_brush_width("warp", 100)
    settings.brush_color = (1, 2, 255)
    settings.device = "cuda:1"
    settings.starts = 4
    settings.candidates = 2
    settings.model = "faces64"
    settings.projection_steps = 0
    settings.add_recent(folder / "a.jpg")
    settings.add_recent(folder / "b.igan")
    settings.last_session = folder / "auto.igan"
    settings.window_geometry = b"\x00\x01geometry\xff"
    settings.window_state = QByteArray(b"state")
    settings.transfer_mode = "motion"


def check_everything(settings: Settings, folder: Path) -> None:
    assert settings.last_folder == str(folder)
    assert settings.brush_width("sketch") == 3.5 and settings.brush_width("warp") == 100.0
    assert settings.brush_width("color") == 24.0
    assert settings.brush_color == (1, 2, 255)
    assert settings.device == "cuda:1"
    assert (settings.starts, settings.candidates, settings.edit_sizes()) == (4, 2, (4, 2))
    assert settings.model == "faces64"
    assert settings.projection_steps == 0
    assert settings.recent_files() == [str(folder / "b.igan"), str(folder / "a.jpg")]
    assert settings.last_session == str(folder / "auto.igan")
    assert settings.window_geometry == b"\x00\x01geometry\xff"
    assert settings.window_state == b"state"
    assert settings.transfer_mode == "motion"


def test_values_survive_a_new_settings_object(tmp_path):
    first = ini(tmp_path / "s.ini")
    set_everything(first, tmp_path)
    first.sync()
    check_everything(ini(tmp_path / "s.ini"), tmp_path)
    # Qt shares one cache per file within a process; a copy is read from disk, as a later run
    # reads it, with every value a string.
    shutil.copy(tmp_path / "s.ini", tmp_path / "later.ini")
    check_everything(ini(tmp_path / "later.ini"), tmp_path)


GARBAGE = """\
[files]
last_folder=/no/such/folder/anywhere
recent=not json
last_session=a, b

[brush]
color_width=wide
sketch_width=-3
warp_width=nan
eraser_width=1e9
color=orange

[edit]
device=quantum
starts=abc
candidates=1000
projection_steps=-3
model=
transfer_mode=sideways

[window]
geometry=plain text
state=12
"""


def test_garbage_reads_as_defaults(tmp_path):
    (tmp_path / "bad.ini").write_text(GARBAGE)
    assert_defaults(ini(tmp_path / "bad.ini"))


@pytest.mark.parametrize("recent", ['{"a": 1}', "[1, null, \"\"]", "@Invalid()", "42"])
def test_recent_files_of_the_wrong_shape_read_as_none(tmp_path, recent):
    (tmp_path / "bad.ini").write_text(f"[files]\nrecent={recent}\n")
    assert ini(tmp_path / "bad.ini").recent_files() == []


def test_numbers_read_back_from_text(tmp_path):
    (tmp_path / "s.ini").write_text("[edit]\nstarts= 32 \ncandidates=64\n[brush]\ncolor_width=7\n"
                                    "color=#FFa000\n")
    settings = ini(tmp_path / "s.ini")
    assert settings.starts == 32 and settings.candidates == 64
    assert settings.edit_sizes() == (32, 32)  # K never above the starts
    assert settings.brush_width("color") == 7.0
    assert settings.brush_color == (255, 160, 0)


def test_recent_files_order_duplicates_and_limit(settings, tmp_path):
    for i in range(MAX_RECENT + 3):
        settings.add_recent(tmp_path / f"{i}.jpg")
    settings.add_recent(tmp_path / "5.jpg")
    recent = settings.recent_files()
    assert len(recent) == MAX_RECENT
    assert recent[0] == str(tmp_path / "5.jpg")
    assert recent[1:4] == [str(tmp_path / f"{i}.jpg") for i in (12, 11, 10)]
    assert len(set(recent)) == MAX_RECENT
    settings.clear_recent()
    assert settings.recent_files() == []


def test_recent_files_are_absolute_and_can_skip_missing_ones(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.jpg").write_bytes(b"x")
    settings.add_recent("here.jpg")
    settings.add_recent(tmp_path / "gone.jpg")
    settings.add_recent(str(tmp_path / "here.jpg"))  # the same file: moves to the front, once
    assert settings.recent_files() == [str(tmp_path / "here.jpg"), str(tmp_path / "gone.jpg")]
    assert settings.recent_files(existing_only=True) == [str(tmp_path / "here.jpg")]


def test_none_clears_optional_values(settings):
    settings.last_session = "/x/s.igan"
    settings.window_geometry = b"g"
    settings.last_session = None
    settings.window_geometry = None
    assert settings.last_session is None and settings.window_geometry is None


@pytest.mark.parametrize(("name", "value"), [
    ("starts", 0), ("starts", 257), ("starts", 2.0), ("starts", True), ("starts", "16"),
    ("candidates", 0), ("candidates", 65), ("projection_steps", -1), ("projection_steps", 501),
    ("device", "gpu"), ("device", "cuda:x"), ("device", 3), ("model", ""), ("model", "  "),
    ("transfer_mode", "all"), ("brush_color", (256, 0, 0)), ("brush_color", (1, 2)),
    ("brush_color", "#ff0000"), ("brush_color", (1.0, 2, 3)), ("window_state", "text"),
])
def test_setting_a_wrong_value_raises(settings, name, value):
    with pytest.raises(ValueError):
        setattr(settings, name, value)


@pytest.mark.parametrize("width", [0, 0.1, 5000, float("nan"), float("inf"), "24", True])
def test_a_wrong_brush_width_raises(settings, width):
    with pytest.raises(ValueError, match="brush width"):
        settings.set_brush_width("color", width)


def test_an_unknown_tool_raises(settings):
    with pytest.raises(ValueError, match="unknown brush tool 'pan'"):
        settings.brush_width("pan")
    with pytest.raises(ValueError, match="unknown brush tool"):
        settings.set_brush_width("pan", 3)


def test_device_is_normalised(settings):
    settings.device = " CUDA "
    assert settings.device == "cuda"
