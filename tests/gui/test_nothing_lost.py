"""Nothing the user made is lost: Save writes what the canvas shows, replacing unsaved work asks
first and can be undone, the autosaved sessions rotate, and a photo the model cannot take is
refused before it replaces anything (issue 14, items 1, 3 and 4).

The window runs on the tiny random manifold (tests/tiny_models.py); questions are answered by
replacing `QMessageBox.exec` with a function that clicks the button of the queued label, and the
file dialogs by replacing `QFileDialog`'s static functions, as the other window tests do.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from gui_input import drag
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from igan_app import imaging
from igan_app.engine.session import open_session
from igan_app.gui.autosave import KEEP_AUTOSAVES, autosave_names, rotate

PHOTOS = Path(__file__).resolve().parents[2] / "assets" / "photos"
DUNE, STORM = PHOTOS / "dune.jpg", PHOTOS / "storm.jpg"
WAIT_MS = 60_000
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier

pytestmark = pytest.mark.usefixtures("one_torch_thread", "tiny_models_dir")


@pytest.fixture
def window(open_window, tmp_path):
    win = open_window(tmp_path)
    yield win
    win.close()


@pytest.fixture
def answers(monkeypatch):
    """Questions asked through a QMessageBox: `queue` holds the labels of the buttons to click,
    in order; `asked` the text of each question."""
    queue: list[str] = []
    asked: list[str] = []

    def click(box: QMessageBox) -> int:
        asked.append(f"{box.text()} {box.informativeText()}")
        label = queue.pop(0)
        for button in box.buttons():
            if button.text().replace("&", "") == label:
                return box.standardButton(button)
        raise AssertionError(f"no button {label!r}: {[b.text() for b in box.buttons()]}")

    monkeypatch.setattr(QMessageBox, "exec", click)
    return SimpleNamespace(queue=queue, asked=asked)


@pytest.fixture
def dialogs(monkeypatch):
    """The file dialogs answer with `open` and `save` (None: the user cancels); `shown` counts
    the save dialogs."""
    answer = SimpleNamespace(open=None, save=None, shown=0)

    def get_open(parent, caption, folder, filters):
        return (str(answer.open), "") if answer.open else ("", "")

    def get_save(parent, caption, start, filters):
        answer.shown += 1
        return (str(answer.save), "") if answer.save else ("", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save))
    return answer


def wait_projected(qtbot, win) -> None:
    qtbot.waitUntil(lambda: win.editor.document is not None
                    and win.editor.document.anchor is not None, timeout=WAIT_MS)


def wait_candidates(qtbot, win) -> None:
    qtbot.waitUntil(lambda: win.editor.candidates is not None
                    and win.editor.candidates.iteration == win.editor.candidates.total
                    and win.editor.busy == "", timeout=WAIT_MS)


def paint_sky(win) -> None:
    """A color-brush drag across the upper part of the region."""
    canvas = win.editor_view.canvas
    left, top, right, bottom = win.editor.document.frame.box
    y = top + (bottom - top) * 0.2
    points = [canvas.widget_point((left + (right - left) * f, y)) for f in (0.2, 0.4, 0.6, 0.8)]
    win.editor_view.actions["tool:color"].trigger()
    drag(canvas, [(p.x(), p.y()) for p in points])


def painted(qtbot, win, photo: Path = DUNE):
    """Open `photo`, paint the sky and wait for the candidates: the document."""
    assert win.open_photo(photo)
    wait_projected(qtbot, win)
    paint_sky(win)
    wait_candidates(qtbot, win)
    return win.editor.document


def chosen_edit_shown(qtbot, win) -> np.ndarray:
    """Paint, click the best candidate's thumbnail and wait for its edit carried onto the photo:
    the picture the canvas shows."""
    painted(qtbot, win)
    grid = win.editor_view.grid
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=grid.visualItemRect(grid.item(0)).center())
    qtbot.waitUntil(lambda: win.editor.preview_photo() is not None and win.editor.busy == "",
                    timeout=WAIT_MS)
    shown = win.editor_view.shown_picture()
    assert shown is win.editor.preview_photo()
    assert not np.array_equal(shown, win.editor.document.photo)  # the edit changes the photo
    return shown


def open_and_stop_the_projection(qtbot, win, photo: Path) -> None:
    """Open `photo` and press Stop while it is being projected: it stays without a latent."""
    win.settings.projection_steps = 400  # long enough to stop midway
    win._apply_options()
    assert win.open_photo(photo)
    qtbot.waitUntil(lambda: win.editor.busy == "projecting", timeout=WAIT_MS)
    win.editor_view.actions["stop"].trigger()
    qtbot.waitUntil(lambda: win.editor.busy == "", timeout=WAIT_MS)
    assert win.editor.document.anchor is None


def drop(win, path: Path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    win.dropEvent(QDropEvent(QPointF(win.rect().center()), Qt.DropAction.CopyAction, data,
                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


# --- 1. Save writes what the user sees, or asks --------------------------------------------------

def test_save_before_apply_asks_and_apply_and_save_writes_the_edit_shown(
        qtbot, window, answers, dialogs, tmp_path):
    shown = chosen_edit_shown(qtbot, window)
    dialogs.save = tmp_path / "result.png"
    answers.queue.append("Apply and save")
    qtbot.keyClick(window, "s", CTRL)
    qtbot.waitUntil(dialogs.save.is_file, timeout=WAIT_MS)
    assert "not applied" in answers.asked[0]
    assert np.array_equal(imaging.read_image(dialogs.save), shown)
    assert window.editor.document.photo is shown  # applied: the document is what was saved


def test_apply_and_save_waits_for_an_edit_not_computed_yet(qtbot, window, answers, dialogs,
                                                          tmp_path):
    chosen_edit_shown(qtbot, window)
    before = window.editor.document.photo
    window.editor_view.slider.setValue(3)  # a new position: its edit is computed by Apply
    assert window.editor.preview_photo() is None
    dialogs.save = tmp_path / "partial.png"
    answers.queue.append("Apply and save")
    qtbot.keyClick(window, "s", CTRL)
    qtbot.waitUntil(dialogs.save.is_file, timeout=WAIT_MS)
    applied = window.editor.document.photo
    assert applied is not before
    assert np.array_equal(imaging.read_image(dialogs.save), applied)


def test_save_without_the_edit_writes_the_photo_and_cancel_writes_nothing(
        qtbot, window, answers, dialogs, tmp_path):
    chosen_edit_shown(qtbot, window)
    photo = window.editor.document.photo
    dialogs.save = tmp_path / "plain.png"
    answers.queue.append("Cancel")
    qtbot.keyClick(window, "s", CTRL)
    assert dialogs.shown == 0 and not dialogs.save.exists()
    answers.queue.append("Save without the edit")
    qtbot.keyClick(window, "s", CTRL)
    assert np.array_equal(imaging.read_image(dialogs.save), photo)
    assert window.editor.chosen == 0  # the edit is still there to apply


# --- 3. replacing work asks, can be undone, and the autosaves rotate ----------------------------

def test_opening_a_photo_over_unsaved_work_asks_and_undo_brings_the_work_back(
        qtbot, window, answers, dialogs):
    work = painted(qtbot, window)
    dialogs.open = STORM
    answers.queue.append("Cancel")
    qtbot.keyClick(window, "o", CTRL)
    assert window.editor.document is work
    assert "unsaved" in answers.asked[0] and "dune.jpg" in answers.asked[0]

    answers.queue.append("Replace")
    qtbot.keyClick(window, "o", CTRL)
    assert window.editor.document.path == str(STORM)
    wait_projected(qtbot, window)
    storm = window.editor.document
    assert "open storm.jpg" in window.undo_action.text()

    qtbot.keyClick(window, "z", CTRL)
    back = window.editor.document
    assert back.path == str(DUNE) and back.strokes == work.strokes
    assert back.anchor is work.anchor and back.photo is work.photo  # the model state comes back
    wait_candidates(qtbot, window)  # and the strokes' edit is shown again
    assert window.editor.candidates.latents.shape[1] == work.anchor.shape[0]

    qtbot.keyClick(window, "z", CTRL | SHIFT)
    assert window.editor.document.path == str(STORM)
    assert window.editor.document.anchor is storm.anchor  # projected once, not again
    assert window.editor.busy == ""


def test_undo_while_the_new_photo_is_projected_keeps_each_document_with_its_own_latent(
        qtbot, window):
    assert window.open_photo(DUNE)
    wait_projected(qtbot, window)
    dune = window.editor.document
    assert window.open_photo(STORM)  # nothing of the user's on the dune: no question
    qtbot.keyClick(window, "z", CTRL)  # at once, while the storm is being projected
    qtbot.waitUntil(lambda: window.editor.busy == "", timeout=WAIT_MS)
    assert window.editor.document is dune  # the storm's latent did not land on the dune
    qtbot.keyClick(window, "z", CTRL | SHIFT)
    assert window.editor.document.path == str(STORM)
    wait_projected(qtbot, window)  # projected again: it had been left before its latent came
    assert window.editor.document.anchor is not dune.anchor


def test_a_dropped_photo_and_a_paint_render_ask_before_replacing_work(qtbot, window, answers):
    work = painted(qtbot, window)
    answers.queue.append("Cancel")
    drop(window, STORM)
    assert window.editor.document is work
    render = np.full((96, 128, 3), 70, np.uint8)
    answers.queue.append("Cancel")
    window.paint_view.editRequested.emit(render)  # the paint tab's "Edit in editor"
    assert window.editor.document is work and len(answers.asked) == 2

    answers.queue.append("Replace")
    window.paint_view.editRequested.emit(render)
    assert window.editor.document.photo is render
    assert window.tabs.currentWidget() is window.editor_view
    qtbot.keyClick(window, "z", CTRL)
    assert window.editor.document.strokes == work.strokes


def test_replaced_work_is_autosaved_and_the_autosaves_rotate(qtbot, window, answers, dialogs,
                                                           tmp_path):
    work = painted(qtbot, window)
    dialogs.open = STORM
    answers.queue.append("Replace")
    qtbot.keyClick(window, "o", CTRL)
    kept = open_session(tmp_path / "last.igan")  # the replaced work, autosaved
    assert kept.strokes == work.strokes and np.array_equal(kept.anchor, work.anchor)
    wait_projected(qtbot, window)
    qtbot.waitUntil(lambda: window.editor.busy == "", timeout=WAIT_MS)
    window.close()
    assert open_session(tmp_path / "last.igan").photo_path == str(STORM)
    assert open_session(tmp_path / "last.igan.1").strokes == work.strokes
    assert window.settings.last_session == str(tmp_path / "last.igan")


def test_a_document_that_never_projected_does_not_replace_the_autosave(qtbot, open_window,
                                                                       tmp_path):
    first = open_window(tmp_path)
    first.open_photo(DUNE)
    wait_projected(qtbot, first)
    qtbot.waitUntil(lambda: first.editor.busy == "", timeout=WAIT_MS)
    first.close()
    good = (tmp_path / "last.igan").read_bytes()

    second = open_window(tmp_path)
    open_and_stop_the_projection(qtbot, second, STORM)
    second.close()
    assert (tmp_path / "last.igan").read_bytes() == good


def test_rotating_keeps_the_newest_autosaves_and_drops_the_oldest(tmp_path):
    newest = tmp_path / "last.igan"
    names = autosave_names(newest)
    assert names[:3] == [newest, tmp_path / "last.igan.1", tmp_path / "last.igan.2"]
    assert len(names) == KEEP_AUTOSAVES
    for generation in range(KEEP_AUTOSAVES + 2):
        rotate(newest)
        newest.write_text(str(generation))
    assert [n.read_text() for n in names] == [str(KEEP_AUTOSAVES + 1 - i)
                                              for i in range(KEEP_AUTOSAVES)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n.name for n in names)


# --- 4. a photo the model cannot take is refused before anything changes ------------------------

def test_a_photo_smaller_than_the_frame_is_refused_before_it_replaces_the_work(
        qtbot, window, answers, dialogs, tmp_path):
    work = painted(qtbot, window)
    small = tmp_path / "small.png"
    imaging.write_image(small, np.full((20, 20, 3), 200, np.uint8))
    requests = window.worker.latest_request
    dialogs.open = small
    qtbot.keyClick(window, "o", CTRL)
    assert answers.asked == []  # refused before asking to replace anything
    assert window.editor.document is work and window.worker.latest_request == requests
    assert "small.png" in window.last_error and "64×64" in window.last_error
    assert "\n" not in window.last_error
    assert "color stroke" in window.undo_action.text()


def test_the_size_is_checked_before_the_model_is_loaded(qtbot, window, tmp_path):
    small = tmp_path / "small.png"
    imaging.write_image(small, np.full((40, 50, 3), 128, np.uint8))
    assert not window.open_photo(small)
    assert window.editor.document is None and window.worker.latest_request == 0
    assert "small.png is 50×40" in window.last_error


def test_painting_on_a_photo_whose_projection_stopped_projects_it_and_edits(qtbot, window):
    open_and_stop_the_projection(qtbot, window, DUNE)
    window.settings.projection_steps = 3
    window._apply_options()
    paint_sky(window)  # the brush is not silently ignored: the photo is projected, then edited
    wait_projected(qtbot, window)
    wait_candidates(qtbot, window)
    assert len(window.editor.document.strokes.items) == 1
