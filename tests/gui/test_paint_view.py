"""The paint tab, driven as a user drives it, with tiny SPADE and pix2pix models on the CPU.

The models are built here (a few thousand weights each) and installed in a temporary user models
folder under the names the shipped ones will have, so they win over any shipped model.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import torch
from gui_input import drag
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from igan_app import imaging
from igan_app.gui.images import from_qimage
from igan_app.gui.main_window import MainWindow
from igan_app.gui.paint.view import PaintView
from igan_app.gui.settings import Settings
from igan_app.journeys.models import ModelCache
from igan_app.journeys.paint import NO_MODEL, InstalledPainter, default_models, painting
from igan_app.world.palette import load_labels, save_labels
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.pix2pix import UnetGenerator
from igan_app.zoo.spade import SpadeModel

PHOTO = Path(__file__).resolve().parents[2] / "assets" / "photos" / "dune.jpg"
WAIT_MS = 30_000
WINDOW_WAIT_MS = 60_000  # the editor's projection loads the shipped manifold and VGG16
SKY, SNOW, WATER, GRASS, TREE = 0, 3, 5, 7, 8
SPADE, PIX2PIX, EDGES, BROKEN = "landscape-spade", "landscape-pix2pix", "landscape-edges", "broken"

pytestmark = pytest.mark.usefixtures("one_torch_thread", "models_dir")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """The tiny models, in the user models folder (IGAN_MODELS_DIR) for the whole module."""
    root = tmp_path_factory.mktemp("paint-models")
    meta = {"input": "labels", "palette": "world"}
    torch.manual_seed(0)
    spade = {"num_labels": 9, "ngf": 2, "hidden": 8, "use_vae": True, "z_dim": 8,
             "latent_size": (2, 2), "encoder_input": 64}
    save_checkpoint(root / SPADE, SpadeModel(**spade), kind="spade", args=spade, resolution=64,
                    data="test", card="", meta=meta)
    unet = {"input_nc": 9, "output_nc": 3, "num_downs": 6, "ngf": 4}
    save_checkpoint(root / PIX2PIX, UnetGenerator(**unet), kind="unet-generator", args=unet,
                    resolution=64, data="test", card="", meta=meta)
    edges = {"input_nc": 3, "output_nc": 3, "num_downs": 6, "ngf": 4}
    save_checkpoint(root / EDGES, UnetGenerator(**edges), kind="unet-generator", args=edges,
                    resolution=64, data="test", card="", meta={"input": "edges"})
    # A SPADE folder whose weights do not fit its config: it fails to load, in its pane only.
    folder = save_checkpoint(root / BROKEN, SpadeModel(**spade), kind="spade", args=spade,
                             resolution=64, data="test", card="", meta=meta)
    config = folder / "config.json"
    config.write_text(config.read_text().replace('"ngf": 2', '"ngf": 3'))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IGAN_MODELS_DIR", str(root))
        yield root


@pytest.fixture(scope="module")
def cache() -> ModelCache:
    return ModelCache()  # shared, so the models load once for the module


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_view(qtbot, settings, cache):
    from igan_app.gui.worker import ModelWorker

    workers = []

    def make() -> PaintView:
        worker = ModelWorker()
        workers.append(worker)
        view = PaintView(worker, settings, cache)
        qtbot.addWidget(view)
        view.set_device("cpu")
        view.resize(1200, 600)
        view.show()
        qtbot.waitExposed(view)
        return view

    yield make
    for worker in workers:
        assert worker.shutdown(WAIT_MS)


@pytest.fixture
def view(make_view) -> PaintView:
    return make_view()


@pytest.fixture
def errors(view) -> list[str]:
    seen: list[str] = []
    view.errorOccurred.connect(seen.append)
    return seen


def stroke(view: PaintView, points: list[tuple[float, float]]) -> None:
    """A left drag through map points."""
    canvas = view.canvas
    drag(canvas, [(p.x(), p.y()) for p in (canvas.widget_point(q) for q in points)])


def click(view: PaintView, point: tuple[float, float]) -> None:
    stroke(view, [point])


def key(qtbot, view: PaintView, text: str) -> None:
    qtbot.keyClick(view.canvas, text)


def distance_to_segment(a, b) -> np.ndarray:
    """Each map pixel centre's distance to the segment from a to b, (side, side)."""
    ys, xs = np.mgrid[0:256, 0:256] + 0.5
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1)
    return np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))


def fresh_render(qtbot, view: PaintView, pane: int = 0) -> np.ndarray:
    """Wait until the pane shows a render of the map and options as they are now."""
    shown = []
    view.rendered.connect(shown.append)
    request = view.render_now()
    qtbot.waitUntil(lambda: request in shown and not view.is_busy(), timeout=WAIT_MS)
    return view.render_image(pane)


def direct(cache: ModelCache, model: str, labels: np.ndarray, **options) -> np.ndarray:
    """What `model` renders for `labels`, computed here rather than by the view."""
    result = list(painting(cache, [model], "cpu", labels, **options))[-1]
    return result.panes[0].image


# --- the models listed, without Qt --------------------------------------------------------------

def test_default_models_prefer_the_shipped_names():
    labels = [InstalledPainter("a", "labels"), InstalledPainter("landscape-pix2pix", "labels"),
              InstalledPainter("e", "image"), InstalledPainter("landscape-spade", "labels")]
    assert default_models(labels) == ("landscape-spade", "landscape-pix2pix")
    assert default_models(labels[:1] + labels[2:3]) == ("a", NO_MODEL)
    assert default_models([InstalledPainter("e", "image")]) == (NO_MODEL, NO_MODEL)


# --- painting with the mouse and the keys ------------------------------------------------------

def test_a_brush_stroke_paints_the_chosen_label_under_it_and_nothing_far_away(qtbot, view):
    assert view.pane_models() == (SPADE, PIX2PIX)  # the defaults, by name
    key(qtbot, view, "4")  # snow
    view.set_brush(12)
    before = view.labels()
    assert (before == SKY).all()
    a, b = (40.0, 100.0), (200.0, 130.0)
    stroke(view, [a, (120.0, 115.0), b])
    after = view.labels()
    near = distance_to_segment(a, b)
    assert (after[near <= 5.5] == SNOW).all()
    assert (after[near > 6.5] == SKY).all()
    assert set(np.unique(after)) == {SKY, SNOW}
    assert view.history.can_undo and view.history.undo_label == "brush stroke"


def test_the_fill_bucket_fills_exactly_the_connected_region(qtbot, view):
    labels = np.zeros((256, 256), np.uint8)
    labels[:, :128] = GRASS
    labels[40:60, 200:220] = GRASS  # an island of grass, not connected to the left half
    labels[100:110, 100:110] = TREE  # a hole in the left half
    view.replace_map(labels, "test map")
    key(qtbot, view, "6")  # water
    key(qtbot, view, "f")
    assert view.canvas.tool() == "fill"
    click(view, (30.0, 200.0))
    expected = labels.copy()
    expected[:, :128][labels[:, :128] == GRASS] = WATER
    assert np.array_equal(view.labels(), expected)
    assert view.history.undo_label == "fill"


def test_the_line_follows_the_pointer_and_ends_straight(qtbot, view):
    key(qtbot, view, "9")  # tree
    key(qtbot, view, "l")
    view.set_brush(6)
    a, b = (30.0, 30.0), (220.0, 160.0)
    stroke(view, [a, (60.0, 200.0), (200.0, 20.0), b])  # the wiggle in between leaves no trace
    labels = view.labels()
    near = distance_to_segment(a, b)
    assert (labels[near <= 2.5] == TREE).all()
    assert (labels[near > 3.5] == SKY).all()
    view.undo()
    assert (view.labels() == SKY).all() and not view.history.can_undo  # one step for the line


def test_the_eraser_paints_sky(qtbot, view):
    view.replace_map(np.full((256, 256), GRASS, np.uint8), "grass")
    key(qtbot, view, "e")
    view.set_brush(20)
    a, b = (20.0, 128.0), (236.0, 128.0)
    stroke(view, [a, b])
    labels = view.labels()
    near = distance_to_segment(a, b)
    assert (labels[near <= 9.5] == SKY).all() and (labels[near > 10.5] == GRASS).all()


def test_keys_pick_labels_tools_and_the_brush_size(qtbot, view, settings):
    for text, label, name in (("1", SKY, "sky"), ("5", 4, "rock"), ("9", TREE, "tree")):
        key(qtbot, view, text)
        assert view.canvas.label() == label
        assert view.findChild(QPushButton, f"label:{name}").isChecked()
    for text, tool in (("b", "brush"), ("f", "fill"), ("l", "line"), ("e", "eraser")):
        key(qtbot, view, text)
        assert view.canvas.tool() == tool
    assert view.findChild(QPushButton, "tool:eraser").isChecked()
    view.set_brush(20)
    key(qtbot, view, "]")
    assert view.canvas.brush() == 24 and view.tools.size_box.value() == 24
    key(qtbot, view, "[")
    assert view.canvas.brush() == 19 and settings.paint_brush == 19
    view.tools.size_slider.setValue(300)  # clamped to the slider's range
    assert view.canvas.brush() == 128


def test_undo_and_redo_restore_the_exact_maps(qtbot, view):
    states = [view.labels()]
    view.set_brush(30)
    stroke(view, [(30.0, 30.0), (100.0, 60.0)])
    states.append(view.labels())
    key(qtbot, view, "f")
    key(qtbot, view, "6")
    click(view, (200.0, 200.0))
    states.append(view.labels())
    key(qtbot, view, "l")
    key(qtbot, view, "9")
    stroke(view, [(10.0, 250.0), (250.0, 10.0)])
    states.append(view.labels())
    assert all(not np.array_equal(a, b) for a, b in pairwise(states))
    for state in reversed(states[:-1]):
        view.undo()
        assert np.array_equal(view.labels(), state)
    assert not view.history.can_undo
    for state in states[1:]:
        view.redo()
        assert np.array_equal(view.labels(), state)
    view.new_map()
    assert (view.labels() == SKY).all()
    view.undo()
    assert np.array_equal(view.labels(), states[-1])


def test_random_scene_is_a_world_label_map(view):
    view.random_scene(11)
    labels = view.labels()
    assert labels.shape == (256, 256) and len(np.unique(labels)) >= 3 and labels.max() <= 8
    view.random_scene(12)
    assert not np.array_equal(view.labels(), labels)
    view.undo()
    assert np.array_equal(view.labels(), labels)


# --- rendering ------------------------------------------------------------------------------------

def test_a_render_arrives_after_painting_and_follows_the_map(qtbot, view, cache, errors):
    qtbot.waitUntil(lambda: view.render_image(0) is not None and view.render_image(1) is not None,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=WAIT_MS)
    sky = view.render_image(0)
    assert sky.shape == (256, 256, 3) and sky.dtype == np.uint8  # the map's size, not the model's
    view.set_brush(60)
    key(qtbot, view, "8")  # grass
    shown = []
    view.rendered.connect(shown.append)
    stroke(view, [(0.0, 200.0), (256.0, 200.0)])
    qtbot.waitUntil(lambda: bool(shown) and not view.is_busy(),
                    timeout=WAIT_MS)
    grass = view.render_image(0)
    assert not np.array_equal(grass, sky)
    assert np.array_equal(grass, direct(cache, SPADE, view.labels()))
    assert np.array_equal(view.render_image(1), direct(cache, PIX2PIX, view.labels()))
    assert "ms" in view.panes[0].info.text() and SPADE in view.panes[0].info.text()
    assert not errors


def test_the_seed_changes_a_spade_render_and_the_same_seed_gives_it_back(qtbot, view):
    view.random_scene(3)
    first = fresh_render(qtbot, view)
    view.style_bar.seed_box.setValue(41)
    other = fresh_render(qtbot, view)
    assert not np.array_equal(first, other)
    view.style_bar.seed_slider.setValue(0)
    assert np.array_equal(fresh_render(qtbot, view), first)
    qtbot.mouseClick(view.style_bar.random_button, Qt.MouseButton.LeftButton)
    assert view.style_bar.seed() == view.settings.paint_seed


def test_a_reference_picture_sets_the_style_until_cleared(qtbot, view, errors, cache):
    view.random_scene(4)
    by_seed = fresh_render(qtbot, view)
    assert view.set_style_picture(PHOTO)
    assert not view.style_bar.thumbnail.pixmap().isNull()
    styled = fresh_render(qtbot, view)
    assert not np.array_equal(styled, by_seed)
    picture = imaging.read_image(PHOTO)
    assert np.array_equal(styled, direct(cache, SPADE, view.labels(), style=picture))
    view.style_bar.seed_box.setValue(77)  # the picture, not the seed, decides the style now
    assert np.array_equal(fresh_render(qtbot, view), styled)
    qtbot.mouseClick(view.style_bar.clear_button, Qt.MouseButton.LeftButton)
    assert view.style_bar.thumbnail.pixmap().isNull()
    view.style_bar.seed_box.setValue(0)
    assert np.array_equal(fresh_render(qtbot, view), by_seed)
    assert not errors


def test_deterministic_turns_off_the_pix2pix_variation(qtbot, view):
    view.random_scene(5)
    one = fresh_render(qtbot, view, 1)
    view.set_seed(9)
    other = fresh_render(qtbot, view, 1)
    assert not np.array_equal(one, other)
    view.style_bar.deterministic.setChecked(True)
    fixed = fresh_render(qtbot, view, 1)
    view.set_seed(10)
    assert np.array_equal(fresh_render(qtbot, view, 1), fixed)
    assert view.settings.paint_deterministic


def test_rapid_changes_show_only_the_newest_request(qtbot, view, cache):
    qtbot.waitUntil(lambda: view.render_image(0) is not None and not view.is_busy(),
                    timeout=WAIT_MS)
    shown = []
    view.rendered.connect(shown.append)
    requests = []
    for seed in (21, 22, 23):  # no event is handled in between: results of 1 and 2 are stale
        view.random_scene(seed)
        requests.append(view.render_now())
    assert requests == sorted(set(requests))
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=WAIT_MS)
    qtbot.wait(2 * 150)  # time for a late stale result to show up, if it could
    assert shown and set(shown) == {requests[-1]}
    assert np.array_equal(view.render_image(0), direct(cache, SPADE, view.labels()))


def test_panes_can_be_empty_or_draw_from_the_outlines(qtbot, view, cache):
    view.random_scene(6)
    assert view.set_pane_model(1, NO_MODEL)
    assert view.render_image(1) is None
    assert view.set_pane_model(0, EDGES)
    assert view.panes[0].box.currentText() == f"{EDGES} (outlines)"
    shown = fresh_render(qtbot, view)
    assert view.render_image(1) is None and view.pane_models() == (EDGES, None)
    assert "outlines" in view.panes[0].info.text()
    assert np.array_equal(shown, direct(cache, EDGES, view.labels()))
    assert not view.set_pane_model(0, "not-installed")
    assert view.settings.paint_model(0) == EDGES and view.settings.paint_model(1) == NO_MODEL


def test_a_model_that_fails_shows_one_message_and_the_other_pane_renders(qtbot, view, errors):
    view.set_pane_model(1, BROKEN)
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=WAIT_MS)
    assert len(errors) == 1 and BROKEN in errors[0] and "\n" not in errors[0]
    assert view.render_image(1) is None and view.render_image(0) is not None
    fresh_render(qtbot, view)
    assert len(errors) == 1  # the same failure is not shown at every render
    view.set_pane_model(1, PIX2PIX)
    assert fresh_render(qtbot, view, 1) is not None


def test_the_choices_are_kept_between_runs(qtbot, make_view, settings):
    view = make_view()
    view.set_pane_model(0, PIX2PIX)
    view.set_pane_model(1, NO_MODEL)
    view.set_brush(33)
    view.set_seed(1234)
    view.style_bar.deterministic.setChecked(True)
    again = make_view()
    assert again.pane_models() == (PIX2PIX, None)
    assert again.canvas.brush() == 33 and again.tools.size_slider.value() == 33
    assert again.style_bar.seed() == 1234 and again.style_bar.deterministic.isChecked()


# --- files ---------------------------------------------------------------------------------------

def test_saving_and_opening_a_label_map_round_trips(view, tmp_path):
    view.random_scene(7)
    painted = view.labels()
    path = tmp_path / "scene.png"
    assert view.save_labels(path)
    assert np.array_equal(load_labels(path), painted)
    view.new_map()
    assert view.open_labels(path)
    assert np.array_equal(view.labels(), painted)
    small = np.full((64, 96), TREE, np.uint8)  # any size up to the limit
    save_labels(tmp_path / "small.png", small)
    assert view.open_labels(tmp_path / "small.png") and view.labels().shape == (64, 96)


def test_a_bad_file_gives_one_line_and_keeps_the_painting(view, errors, tmp_path):
    view.random_scene(8)
    painted = view.labels()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    assert not view.open_labels(broken)
    photo = tmp_path / "photo.png"
    imaging.write_image(photo, imaging.read_image(PHOTO)[:64, :64])
    assert not view.open_labels(photo)  # colors that are no labels
    assert not view.open_labels(tmp_path / "missing.png")
    assert len(errors) == 3 and all("\n" not in e for e in errors)
    assert "broken.png" in errors[0] and "not a label color" in errors[1]
    assert np.array_equal(view.labels(), painted) and view.history.undo_label == "random scene"
    (tmp_path / "a-file").write_text("")
    assert not view.save_labels(tmp_path / "a-file" / "labels.png")
    assert len(errors) == 4


def test_export_writes_the_render_shown(qtbot, view, errors, tmp_path, monkeypatch):
    assert not view.export(tmp_path / "early.png", 0)
    assert errors.pop() == "nothing rendered yet: choose a model and paint"
    view.random_scene(9)
    render = fresh_render(qtbot, view)
    shown = from_qimage(view.panes[0].picture.pixmap().toImage())
    assert np.array_equal(shown, render)
    assert view.export(tmp_path / "render.png", 0)
    assert np.array_equal(imaging.read_image(tmp_path / "render.png"), render)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, start, filters: (str(tmp_path / "right"), "PNG (*.png)")))
    qtbot.mouseClick(view.findChild(QPushButton, "export1"), Qt.MouseButton.LeftButton)
    assert np.array_equal(imaging.read_image(tmp_path / "right.png"), view.render_image(1))
    assert view.export(tmp_path / "render.jpg", 0)
    assert imaging.read_image(tmp_path / "render.jpg").shape == render.shape
    assert not view.export(tmp_path / "render.gif", 0) and "render.gif" in errors[-1]


# --- in the main window ----------------------------------------------------------------------

@pytest.fixture
def window(qtbot, settings, tmp_path):
    settings.device, settings.projection_steps = "cpu", 0
    win = MainWindow(settings, start=False, autosave=tmp_path / "last.igan")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def editor_settles(qtbot, window) -> None:
    """Wait for the editor's projection of a sent render: pytest-qt closes the window before
    fixture teardown, and a job cut short there would leave its thread behind."""
    qtbot.waitUntil(lambda: window.editor.busy == "", timeout=WINDOW_WAIT_MS)


def test_the_paint_tab_in_the_window(qtbot, window, tmp_path, monkeypatch):
    paint = window.paint_view
    assert window.worker.latest_request == 0  # a hidden paint tab renders nothing
    qtbot.keyClick(window, "3", Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is paint
    paint.canvas.setFocus()
    editor_view = window.editor_view.view
    qtbot.keyClick(paint.canvas, "2")  # the paint tab's key, not the editor's view key
    assert paint.canvas.label() == 1 and window.editor_view.view == editor_view
    paint.set_brush(40)
    stroke(paint, [(20.0, 60.0), (230.0, 60.0)])
    painted = paint.labels()
    assert (painted == 1).any() and window.undo_action.isEnabled()
    qtbot.keyClick(window, "z", Qt.KeyboardModifier.ControlModifier)
    assert (paint.labels() == SKY).all()
    qtbot.keyClick(window, "z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert np.array_equal(paint.labels(), painted)
    qtbot.waitUntil(lambda: paint.render_image(0) is not None, timeout=WAIT_MS)
    render = paint.render_image(0)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, start, filters: (str(tmp_path / "out.png"), "PNG (*.png)")))
    qtbot.keyClick(window, "e", Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is paint
    assert np.array_equal(imaging.read_image(tmp_path / "out.png"), render)
    assert window.settings.last_folder == str(tmp_path)

    qtbot.mouseClick(paint.findChild(QPushButton, "edit0"), Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.editor_view
    assert np.array_equal(window.editor.document.photo, render)
    assert not window.last_error
    editor_settles(qtbot, window)


def test_the_paint_menu_and_its_errors_in_the_window(qtbot, window, tmp_path, monkeypatch):
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    texts = [a.text() for a in menus["Paint"].actions() if not a.isSeparator()]
    assert len(texts) == len(window.paint_view.actions)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda parent, caption, start, filters: (str(bad), "Label maps (*.png)")))
    window.paint_view.actions["open"].trigger()
    assert window.tabs.currentWidget() is window.paint_view
    assert "bad.png" in window.last_error and "\n" not in window.last_error
    window.tabs.setCurrentWidget(window.editor_view)
    window.paint_view.actions["random"].trigger()
    assert window.tabs.currentWidget() is window.paint_view
    assert len(np.unique(window.paint_view.labels())) > 1
    qtbot.waitUntil(lambda: window.paint_view.render_image(0) is not None, timeout=WAIT_MS)
    window.paint_view.actions["edit"].trigger()
    assert window.tabs.currentWidget() is window.editor_view
    assert np.array_equal(window.editor.document.photo, window.paint_view.render_image(0))
    editor_settles(qtbot, window)
