"""Sessions remember everything (issue 14, item 7): a session saved through the window and opened
in a new window brings back the chosen candidate (without running the edit again), the paint
tab's label map and style, and the morph tab's two photos and options; the autosave at close
keeps them too, and a session of the previous format still opens.

The windows run on the tiny random manifold (tests/tiny_models.py). Each test saves through one
window, closes it, and opens the session in a new window with settings of its own, so that what
comes back can only have come from the session file.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QSpinBox
from tiny_models import TINY_MANIFOLD

from igan_app import imaging
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.session import open_session
from igan_app.engine.strokes import Stroke, StrokeSet
from igan_app.gui.editor import jobs

PHOTOS = Path(__file__).resolve().parents[2] / "assets" / "photos"
DUNE, STORM = PHOTOS / "dune.jpg", PHOTOS / "storm.jpg"
WAIT_MS = 60_000
FAST_MORPH = ProjectionConfig(method="encoder")

pytestmark = pytest.mark.usefixtures("one_torch_thread", "tiny_models_dir")


@pytest.fixture
def windows(open_window, tmp_path):
    """new(): a new window with its own settings folder; all are closed at the end."""
    opened = []

    def new():
        folder = tmp_path / f"window{len(opened)}"
        folder.mkdir()
        opened.append(open_window(folder))
        return opened[-1]

    yield new
    for win in opened:
        win.close()


def idle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.editor.busy, timeout=WAIT_MS)


def edit_and_choose(qtbot, win, index: int) -> None:
    """Open the dune, paint the sky, let the edit end, choose candidate `index`, wait for its
    preview."""
    assert win.open_photo(DUNE)
    qtbot.waitUntil(lambda: win.editor.document.anchor is not None, timeout=WAIT_MS)
    left, top, right, bottom = win.editor.document.frame.box
    y = top + (bottom - top) * 0.2
    win.editor.add_stroke(Stroke("color", tuple((left + (right - left) * f, y)
                                                for f in (0.2, 0.5, 0.8)), 12.0, (250, 120, 30)))
    qtbot.waitUntil(lambda: win.editor.candidates is not None, timeout=WAIT_MS)
    idle(qtbot, win)
    win.editor.choose(index)
    win.editor.set_position(5)
    qtbot.waitUntil(lambda: win.editor.preview_photo() is not None, timeout=WAIT_MS)


def test_the_chosen_candidate_comes_back_without_editing_again(qtbot, windows, tmp_path):
    first = windows()
    edit_and_choose(qtbot, first, 2)
    shown = first.editor.candidates
    preview, path = first.editor.preview_photo(), first.editor.path
    session = tmp_path / "chosen.igan"
    assert first.save_session(session)
    first.close()

    second = windows()
    kinds: list[str] = []
    second.editor.busyChanged.connect(kinds.append)
    assert second.open_session(session)
    restored = second.editor.candidates
    assert restored is not None, "the candidates were not restored"
    assert np.array_equal(restored.latents, shown.latents)
    assert np.array_equal(restored.images, shown.images)
    assert restored.costs == shown.costs
    assert second.editor.chosen == 2 and second.editor.position == 5
    # The path and the preview are computed again, for the same candidate at the same place.
    qtbot.waitUntil(lambda: second.editor.preview_photo() is not None, timeout=WAIT_MS)
    assert np.array_equal(second.editor.path.latents, path.latents)
    assert np.abs(second.editor.preview_photo().astype(int) - preview).max() <= 1
    assert jobs.busy_text("edit") not in kinds, "the edit ran again from scratch"
    assert np.array_equal(second.editor.candidates.latents, shown.latents)


def test_the_paint_map_and_its_style_come_back(qtbot, windows, tmp_path):
    first = windows()
    assert first.open_photo(DUNE)
    paint = first.paint_view
    paint.random_scene(11)
    paint.model.set_label(3)
    paint.model.press((10.0, 10.0))
    paint.model.move((120.0, 90.0))
    paint.model.release()
    paint.set_seed(42)
    paint.model.set_deterministic(True)
    labels = paint.labels()
    session = tmp_path / "paint.igan"
    assert first.save_session(session)
    first.close()

    second = windows()
    assert not np.array_equal(second.paint_view.labels(), labels)
    assert second.paint_view.model.seed != 42 and not second.paint_view.model.deterministic
    assert second.open_session(session)
    assert np.array_equal(second.paint_view.labels(), labels)
    assert second.paint_view.model.seed == 42 and second.paint_view.model.deterministic
    # Opening the session is one undo step of the paint tab: its map before comes back.
    second.tabs.setCurrentWidget(second.paint_view)
    second.undo_action.trigger()
    assert not np.array_equal(second.paint_view.labels(), labels)


def morph_options(win) -> tuple[int, int]:
    view = win.morph_view
    return view.findChild(QSpinBox, "frames").value(), view.findChild(QSpinBox, "size").value()


def test_the_morph_photos_and_options_come_back(qtbot, windows, tmp_path):
    first = windows()
    assert first.open_photo(DUNE)
    morph = first.morph_view
    morph.set_options(5, 128, FAST_MORPH)
    assert morph.open_photo(0, STORM) and morph.open_photo(1, DUNE)
    with qtbot.waitSignal(morph.busyChanged, timeout=WAIT_MS, check_params_cb=lambda b: not b):
        assert morph.start()
    assert morph.frame_count() == 5
    session = tmp_path / "morph.igan"
    assert first.save_session(session)
    first.close()

    second = windows()
    assert second.morph_view.model.photo(0) is None and morph_options(second) != (5, 128)
    assert second.open_session(session)
    model = second.morph_view.model
    assert np.array_equal(model.photo(0), imaging.read_image(STORM))
    assert np.array_equal(model.photo(1), imaging.read_image(DUNE))
    assert morph_options(second) == (5, 128)
    # The frames are not kept; the morph runs again from the restored photos.
    second.morph_view.set_options(5, 128, FAST_MORPH)
    with qtbot.waitSignal(second.morph_view.busyChanged, timeout=WAIT_MS,
                          check_params_cb=lambda b: not b):
        assert second.morph_view.start()
    assert second.morph_view.frame_count() == 5
    # The photos are kept as they were read: the JPEG files' bytes, not a larger PNG.
    with zipfile.ZipFile(session) as archive:
        kept = {info.filename: info.file_size for info in archive.infolist()}
    assert kept["morph-a.jpg"] == STORM.stat().st_size
    assert kept["morph-b.jpg"] == DUNE.stat().st_size


def test_the_autosave_at_close_keeps_all_of_it(qtbot, windows, open_window, tmp_path):
    first = windows()
    edit_and_choose(qtbot, first, 1)
    first.paint_view.random_scene(5)
    assert first.morph_view.open_photo(0, STORM)
    labels, latents = first.paint_view.labels(), first.editor.candidates.latents
    assert first.files.autosave()
    assert not first.files.autosave(), "the same state was autosaved twice"
    first.paint_view.random_scene(6)  # a change of another tab is worth a new autosave
    assert first.files.autosave()
    first.paint_view.undo()
    labels = first.paint_view.labels()
    first.close()  # autosaves
    assert Path(str(tmp_path / "window0" / "last.igan") + ".2").is_file()

    again = open_window(tmp_path / "window0")  # the same settings: it reopens the autosave
    try:
        again.files.open_start()
        assert again.editor.chosen == 1
        assert np.array_equal(again.editor.candidates.latents, latents)
        assert np.array_equal(again.paint_view.labels(), labels)
        assert np.array_equal(again.morph_view.model.photo(0), imaging.read_image(STORM))
        assert again.morph_view.model.photo(1) is None
        idle(qtbot, again)
    finally:
        again.close()


def previous_format_session(path: Path) -> None:
    """A session as the previous format ("igan-session/1") wrote it: its five members only."""
    photo = imaging.read_image(DUNE)
    height, width = photo.shape[:2]
    side = min(height, width)
    box = [(width - side) // 2, (height - side) // 2, (width + side) // 2, (height + side) // 2]
    strokes = StrokeSet((height, width), (
        Stroke("color", ((box[0] + 20.0, box[1] + 30.0), (box[2] - 20.0, box[1] + 30.0)), 12.0,
               (250, 120, 30)),))
    meta = {"format": "igan-session/1", "model": "tiny-manifold64", "box": box,
            "photo_path": str(DUNE), "chosen": None, "position": 1.0, "costs": [],
            "has_original": False, "saved_with": "0.4.0"}
    latents = io.BytesIO()
    np.savez(latents)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("session.json", json.dumps(meta))
        archive.writestr("photo.png", imaging.encode_png(photo))
        archive.writestr("strokes.json", strokes.to_json())
        archive.writestr("latents.npz", latents.getvalue())


def test_a_session_of_the_previous_format_opens_and_saves_in_the_new(qtbot, windows, tmp_path):
    old = tmp_path / "old.igan"
    previous_format_session(old)
    win = windows()
    assert win.open_session(old), win.last_error
    doc = win.editor.document
    assert np.array_equal(doc.photo, imaging.read_image(DUNE)) and len(doc.strokes.items) == 1
    # It has no latents: the photo is projected, then its stroke edited.
    qtbot.waitUntil(lambda: win.editor.candidates is not None, timeout=WAIT_MS)
    idle(qtbot, win)
    again = tmp_path / "again.igan"
    assert win.save_session(again)
    with zipfile.ZipFile(again) as archive:
        assert json.loads(archive.read("session.json"))["format"] == "igan-session/2"
    assert open_session(again).strokes == doc.strokes


def test_igan_gui_given_a_session_file_opens_the_session(qtbot, windows, tmp_path, monkeypatch):
    # `igan gui FILE` takes a session as it takes a dropped one, not as a photo to decode.
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from igan_app.gui import app, main_window, settings

    first = windows()
    edit_and_choose(qtbot, first, 1)
    session = tmp_path / "chosen.igan"
    assert first.save_session(session)
    shown = []
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the autosave at close
    real = settings.Settings
    monkeypatch.setattr(settings, "Settings", lambda: real(QSettings(
        str(tmp_path / "run.ini"), QSettings.Format.IniFormat)))
    monkeypatch.setattr(main_window.MainWindow, "show", lambda win: shown.append(win))
    monkeypatch.setattr(QApplication, "exec", lambda _app: 0)
    assert app.run(session, model=TINY_MANIFOLD, device="cpu") == 0
    win = shown[0]
    qtbot.addWidget(win)
    assert win.last_error == ""
    assert win.editor.document.path == first.editor.document.path
    assert win.editor.chosen == 1 and win.editor.candidates is not None
    win.close()
