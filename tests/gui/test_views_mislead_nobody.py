"""What the editor shows does not mislead (issue 14, item 6): the chosen thumbnail keeps its
colours and is marked with a border, tools that cannot act in a view are shown as unavailable,
and an empty editor says how to start."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gui_input import drag
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor

from igan_app.gui.editor.candidates import TILE, CandidateGrid
from igan_app.gui.editor.hint import START_HINT
from igan_app.gui.editor.model import EditorModel
from igan_app.gui.editor.view import EditorView
from igan_app.gui.settings import Settings
from igan_app.journeys.models import ModelCache

PEACH, BLUE = (250, 190, 150), (40, 60, 200)
PHOTO = np.full((120, 160, 3), 128, np.uint8)


@pytest.fixture
def view(qtbot, worker, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    model = EditorModel(worker, ModelCache())
    # No model to load: these tests look at the widgets, and a projection would only cost time.
    model.options = replace(model.options, model="no-such-model")
    widget = EditorView(model, settings)
    widget.resize(900, 600)
    with qtbot.waitExposed(widget):
        widget.show()
    ended = set()
    for report in (worker.finished, worker.failed, worker.cancelled):
        report.connect(lambda request, *_: ended.add(request))
    yield widget
    # The last projection fails at once (no such model); it must end before the view goes, so
    # the view is closed here rather than by qtbot (which closes it before fixtures end).
    qtbot.waitUntil(lambda: worker.latest_request in ended | {0}, timeout=60_000)
    widget.close()
    widget.deleteLater()


def pixel(image, x: int, y: int) -> tuple[int, int, int]:
    color = QColor(image.pixel(x, y))
    return color.red(), color.green(), color.blue()


def test_the_chosen_thumbnail_keeps_its_colours_and_is_marked_by_a_border(qtbot):
    grid = CandidateGrid()
    qtbot.addWidget(grid)
    grid.resize(300, 500)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_candidates(np.stack([np.full((64, 64, 3), PEACH, np.uint8),
                                  np.full((64, 64, 3), BLUE, np.uint8)]), (0.2, 0.3))
    chosen = []
    grid.candidateChosen.connect(chosen.append)
    rects = [grid.visualItemRect(grid.item(i)) for i in range(2)]
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rects[0].center())
    assert chosen == [0]
    grid.set_chosen(0)
    shot = grid.viewport().grab().toImage()
    inside = [(r.center().x(), r.top() + TILE // 2) for r in rects]
    assert pixel(shot, *inside[0]) == PEACH  # not tinted by the selection colour
    assert pixel(shot, *inside[1]) == BLUE
    highlight = grid.palette().color(grid.palette().ColorRole.Highlight)
    border = (highlight.red(), highlight.green(), highlight.blue())
    assert pixel(shot, rects[0].left() + 1, rects[0].center().y()) == border
    assert pixel(shot, rects[1].left() + 1, rects[1].center().y()) != border


def test_brushes_are_unavailable_in_the_side_by_side_view_and_say_why(qtbot, view):
    view.model.open_photo(PHOTO, "grey.png")
    qtbot.keyClick(view, "5")  # the side-by-side view's key
    assert view.view == "side by side"
    for name in ("color", "sketch", "warp", "eraser", "eyedropper"):
        action = view.actions[f"tool:{name}"]
        assert not action.isEnabled() and "side by side" in action.toolTip()
    assert view.actions["tool:pan"].isChecked()  # what the mouse does there
    qtbot.keyClick(view, "b")  # the color brush's key does not turn the hand into a brush
    assert view.actions["tool:pan"].isChecked()
    canvas = view.canvas
    drag(canvas, [(200.0, 200.0), (300.0, 220.0)])
    assert view.model.document.strokes.is_empty

    qtbot.keyClick(view, "3")  # back to the candidate view: the brush chosen before returns
    assert view.actions["tool:color"].isEnabled() and view.actions["tool:color"].isChecked()
    assert "side by side" not in view.actions["tool:color"].toolTip()


def test_an_empty_editor_says_how_to_start(qtbot, view):
    hint = view.hint
    assert hint.isVisible() and hint.text() == START_HINT
    assert "Ctrl+O" in START_HINT and "drop" in START_HINT and "paint" in START_HINT
    view.model.open_photo(PHOTO, None, start_scene=True)  # the start's world scene
    assert hint.isVisible() and hint.text() == START_HINT
    view.model.open_photo(PHOTO, None)  # a paint render sent to the editor: paint on it
    assert hint.isVisible() and hint.text() != START_HINT and "paint" in hint.text().lower()
    view.model.open_photo(PHOTO, str(Path("photo.png")))
    assert hint.isVisible() and "paint" in hint.text().lower()
    assert hint.text() != START_HINT


def test_brushes_are_unavailable_in_the_original_view_where_strokes_are_not_shown(qtbot, view):
    view.model.open_photo(PHOTO, "grey.png")
    qtbot.keyClick(view, "1")  # the original view's key: the photo as opened, no strokes
    assert view.view == "original"
    for name in ("color", "sketch", "warp", "eraser", "eyedropper"):
        action = view.actions[f"tool:{name}"]
        assert not action.isEnabled() and "original view" in action.toolTip()
    drag(view.canvas, [(200.0, 200.0), (300.0, 220.0)])
    assert view.model.document.strokes.is_empty  # nothing drawn where it could not be seen
    qtbot.keyClick(view, "3")
    assert view.actions["tool:color"].isEnabled() and view.actions["tool:color"].isChecked()
