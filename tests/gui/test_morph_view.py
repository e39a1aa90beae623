"""The morph view and its job, with the shipped landscape64 model on the CPU and a real worker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressBar, QPushButton, QSlider, QWidget

from igan_app import imaging
from igan_app.engine.frame import Frame
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.tuning import TuningConfig
from igan_app.gui.geometry import fit_rect
from igan_app.gui.images import from_qimage
from igan_app.gui.morph.view import MorphView, export_target
from igan_app.journeys.models import ModelCache, Progress
from igan_app.journeys.morph import Morphed, morphing

PHOTOS = Path(__file__).resolve().parents[2] / "assets" / "photos"
DUNE, STORM = PHOTOS / "dune.jpg", PHOTOS / "storm.jpg"
MODEL = "landscape64"
FAST = ProjectionConfig(method="encoder")  # one pass of the encoder, no Adam steps
SLOW = ProjectionConfig(method="optimize", steps=100_000)  # runs until stopped
WAIT_MS = 30_000

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def cache() -> ModelCache:
    return ModelCache()  # shared, so the models load once for the module


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    return imaging.read_image(DUNE), imaging.read_image(STORM)


@pytest.fixture
def view(qtbot, worker, cache) -> MorphView:
    view = MorphView(worker, cache)
    qtbot.addWidget(view)
    view.set_model(MODEL, "cpu")
    view.set_options(4, 64, FAST)
    view.model.tune_steps = 2  # a short tuning on both photos: the job's steps, not its quality
    view.show()
    return view


@pytest.fixture
def errors(view) -> list[str]:
    seen: list[str] = []
    view.errorOccurred.connect(seen.append)
    return seen


def child(view: MorphView, kind: type, name: str):
    found = view.findChild(kind, name)
    assert found is not None, name
    return found


def open_both(view: MorphView) -> None:
    assert view.open_photo(0, DUNE)
    assert view.open_photo(1, STORM)


def morph(qtbot, view: MorphView) -> None:
    """Start a morph and wait until the view is no longer busy."""
    with qtbot.waitSignal(view.busyChanged, timeout=WAIT_MS, check_params_cb=lambda b: not b):
        assert view.start()


def centre(photo: np.ndarray, side: int) -> np.ndarray:
    return Frame.centre(photo.shape[:2], side).crop(photo)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


# --- the job, without Qt ---------------------------------------------------------------------

def test_the_job_reports_monotonic_progress_and_ends_with_the_frames(cache, photos):
    config = ProjectionConfig(method="optimize", steps=2)
    steps = list(morphing(cache, MODEL, "cpu", *photos, frames=3, size=48, projection=config))
    progress, result = steps[:-1], steps[-1]
    assert all(isinstance(p, Progress) for p in progress)
    done = [p.done for p in progress]
    assert done == sorted(done) and done[0] == 0
    # Adam's 2 steps + the start, twice; the tuning on both photos (its start + steps); frames
    assert {p.total for p in progress} == {2 * 3 + TuningConfig().steps + 1 + 3}
    assert done[-1] == progress[-1].total
    assert [p.what for p in progress][:2] == ["projecting photo A"] * 2
    assert isinstance(result, Morphed) and result.seconds > 0
    assert len(result.frames) == 3 and all(f.shape == (48, 48, 3) for f in result.frames)
    assert len(result.generated) == 3 and result.generated[0].shape == (64, 64, 3)


def test_the_job_refuses_a_photo_smaller_than_the_model(cache, photos):
    small = np.zeros((40, 90, 3), np.uint8)
    with pytest.raises(ValueError, match=r"^photo B is 90×40, smaller than the model's 64×64"):
        list(morphing(cache, MODEL, "cpu", photos[0], small, frames=2, size=64, projection=FAST))


@pytest.mark.parametrize(("name", "chosen", "expected"), [
    ("out/anim", "GIF (*.gif)", "out/anim.gif"),
    ("out/anim.gif", "MP4 (*.mp4)", "out/anim.gif"),
    ("out/anim", "MP4 (*.mp4)", "out/anim.mp4"),
    ("out/frames.gif", "PNG frames (folder)", "out/frames"),
    ("out/frames", "PNG frames (folder)", "out/frames"),
])
def test_export_target(name, chosen, expected):
    assert export_target(name, chosen) == Path(expected)


def test_fit_rect_keeps_the_aspect_and_centres():
    assert fit_rect((100, 50), (300, 300)) == (0, 75, 300, 150)
    assert fit_rect((64, 64), (200, 100)) == (50, 0, 100, 100)
    assert fit_rect((0, 10), (100, 100)) == (0, 0, 0, 0)


# --- the view --------------------------------------------------------------------------------

def test_morphing_two_photos_goes_from_a_to_b(qtbot, view, errors, photos):
    morph_button, export_button = child(view, QPushButton, "morph"), child(view, QPushButton, "export")
    assert not morph_button.isEnabled() and not export_button.isEnabled()
    open_both(view)
    assert morph_button.isEnabled()
    messages: list[str] = []
    view.statusMessage.connect(messages.append)
    morph(qtbot, view)
    assert not errors
    assert view.frame_count() == 4 and view.current_frame() == 0
    frames = view.frames()
    assert all(f.shape == (64, 64, 3) and f.dtype == np.uint8 for f in frames)
    a, b = (centre(p, 64) for p in photos)
    assert difference(frames[0], a) < 10 < difference(frames[0], b)
    assert difference(frames[-1], b) < 10 < difference(frames[-1], a)
    assert messages[-1].startswith("morph: 4 frames at 64² in ")
    assert child(view, QProgressBar, "progress").isHidden()
    assert export_button.isEnabled() and not child(view, QPushButton, "stop").isEnabled()


@pytest.mark.parametrize("tune_steps", [0, 2])
def test_the_tuning_steps_reach_the_morph(qtbot, view, tune_steps):
    view.model.tune_steps = tune_steps
    totals: list[int] = []
    view.model.progressed.connect(lambda what, done, total: totals.append(total))
    open_both(view)
    morph(qtbot, view)
    # The encoder's one step per photo, the tuning's start and steps (none when 0), the frames.
    assert max(totals) == 2 * 1 + (tune_steps + 1 if tune_steps else 0) + 4


def test_the_slider_picks_the_frame_shown(qtbot, view):
    open_both(view)
    morph(qtbot, view)
    slider = child(view, QSlider, "frameSlider")
    slider.setValue(2)
    assert view.current_frame() == 2
    shown = from_qimage(child(view, QWidget, "preview").pixmap().toImage())
    assert np.array_equal(shown, view.frames()[2])
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert view.current_frame() == 3
    view.set_frame(99)  # clamped
    assert view.current_frame() == 3 and slider.value() == 3


def test_play_steps_through_the_frames_and_loops(qtbot, view):
    open_both(view)
    morph(qtbot, view)
    play = child(view, QPushButton, "play")
    assert play.toolTip() == "Play (P)"
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert view.is_playing() and play.text() == "Pause"
    qtbot.waitUntil(lambda: view.current_frame() == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.current_frame() == 0, timeout=WAIT_MS)  # looped
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert not view.is_playing() and play.text() == "Play"


def test_export_writes_a_gif_and_png_frames(qtbot, view, errors, tmp_path):
    assert view.export(tmp_path / "early.gif") == []  # nothing to export yet
    assert errors and "morph first" in errors.pop()
    open_both(view)
    morph(qtbot, view)
    assert view.export(tmp_path / "morph.gif") == [tmp_path / "morph.gif"]
    with Image.open(tmp_path / "morph.gif") as gif:
        assert sum(1 for _ in ImageSequence.Iterator(gif)) == 4
        assert gif.size == (64, 64)
    written = view.export(tmp_path / "frames")
    assert len(written) == 4 and sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        f"frame_{i:03d}.png" for i in range(4)]
    assert np.array_equal(imaging.read_image(written[1]), view.frames()[1])
    assert view.export(tmp_path / "morph.txt") == []
    assert len(errors) == 1 and "morph.txt" in errors[0] and "\n" not in errors[0]


def test_the_dialogs_open_a_photo_export_and_report_the_folder(qtbot, view, tmp_path,
                                                               monkeypatch):
    folders: list[str] = []
    view.folderUsed.connect(folders.append)
    view.set_last_folder(str(PHOTOS))
    asked = {}

    def open_file(parent, caption, folder, filters):
        asked.update(caption=caption, folder=folder, filters=filters)
        return str(STORM), "Images"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_file))
    qtbot.mouseClick(child(view, QPushButton, "openB"), Qt.MouseButton.LeftButton)
    assert asked["caption"] == "Open photo B" and asked["folder"] == str(PHOTOS)
    assert "*.jpg" in asked["filters"] and folders == [str(PHOTOS)]
    assert view.open_photo(0, DUNE)
    morph(qtbot, view)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, start, filters: (str(tmp_path / "out.gif"), "PNG frames (folder)")))
    qtbot.mouseClick(child(view, QPushButton, "export"), Qt.MouseButton.LeftButton)
    assert len(list((tmp_path / "out").glob("frame_*.png"))) == 4
    assert folders[-1] == str(tmp_path) and view.last_folder == str(tmp_path)


def test_dropping_image_files_on_the_slots_opens_them(qtbot, view):
    for name, path in (("slotA", DUNE), ("slotB", STORM)):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        slot = child(view, QWidget, name)
        enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(slot, enter)
        assert enter.isAccepted()
        QApplication.sendEvent(slot, QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                                                Qt.MouseButton.LeftButton,
                                                Qt.KeyboardModifier.NoModifier))
        assert not slot.pixmap().isNull()
    assert child(view, QPushButton, "morph").isEnabled()
    text = QMimeData()
    text.setText("not a file")
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, text,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(child(view, QWidget, "slotA"), enter)
    assert not enter.isAccepted()


def test_a_corrupt_or_tiny_photo_is_refused_with_one_line(view, errors, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not really a JPEG \x00\x01\x02" * 10)
    assert not view.open_photo(0, broken)
    assert len(errors) == 1 and "broken.jpg" in errors[0] and "\n" not in errors[0]
    tiny = tmp_path / "tiny.png"
    imaging.write_image(tiny, np.zeros((32, 48, 3), np.uint8))
    assert not view.open_photo(1, tiny)
    assert len(errors) == 2 and "tiny.png" in errors[1] and "48×32" in errors[1]
    assert child(view, QWidget, "slotA").pixmap().isNull()
    assert view.open_photo(0, DUNE)  # still usable


def test_start_without_photos_is_an_error(view, errors, worker):
    assert not view.start()
    assert errors == ["morph: open photo A and B first"]
    assert view.open_photo(1, STORM)
    assert not view.start()
    assert errors[-1] == "morph: open photo A first"
    assert worker.latest_request == 0 and not view.is_busy()


def test_a_failed_job_is_reported_and_the_view_stays_usable(qtbot, view, errors):
    open_both(view)
    view.set_model("no-such-model", "cpu")
    with qtbot.waitSignal(view.errorOccurred, timeout=WAIT_MS):
        view.start()
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=WAIT_MS)
    assert "no-such-model" in errors[0] and "\n" not in errors[0]
    assert view.frame_count() == 0
    view.set_model(MODEL, "cpu")
    morph(qtbot, view)
    assert view.frame_count() == 4 and len(errors) == 1


def test_requests_of_others_on_the_worker_leave_the_view_alone(qtbot, view, errors, worker):
    open_both(view)
    morph(qtbot, view)
    frames, busy = view.frames(), []
    view.busyChanged.connect(busy.append)
    fake = Morphed([np.zeros((8, 8, 3), np.uint8)] * 2, [], 0.0)
    other = worker.submit("edit", lambda: iter([Progress("editing", 1, 2), fake]))
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS, check_params_cb=lambda r, _: r == other):
        pass

    def broken():
        raise RuntimeError("the editor's job broke")

    other = worker.submit("edit", broken)
    with qtbot.waitSignal(worker.failed, timeout=WAIT_MS,
                          check_params_cb=lambda r, *_: r == other):
        pass
    assert not errors and not busy and view.frame_count() == 4
    assert all(np.array_equal(a, b) for a, b in zip(view.frames(), frames))
    assert child(view, QProgressBar, "progress").isHidden()


def test_a_newer_request_by_another_view_cancels_the_morph_quietly(qtbot, view, errors, worker):
    open_both(view)
    view.set_options(4, 64, SLOW)
    view.start()
    progress = child(view, QProgressBar, "progress")
    qtbot.waitUntil(lambda: progress.value() >= 1, timeout=WAIT_MS)
    with qtbot.waitSignal(view.busyChanged, timeout=WAIT_MS):
        worker.submit("edit", lambda: iter([1]))
    assert not view.is_busy() and not errors and progress.isHidden()


def test_stop_cancels_the_morph_and_keeps_the_earlier_frames(qtbot, view, errors, worker):
    open_both(view)
    morph(qtbot, view)
    earlier = view.frames()
    view.set_options(6, 64, SLOW)
    with qtbot.waitSignal(view.busyChanged, timeout=WAIT_MS):
        view.start()
    stop = child(view, QPushButton, "stop")
    assert stop.isEnabled() and not child(view, QPushButton, "morph").isEnabled()
    progress = child(view, QProgressBar, "progress")
    assert progress.isVisible()
    qtbot.waitUntil(lambda: progress.value() >= 1, timeout=WAIT_MS)  # projecting photo A
    with qtbot.waitSignals([view.busyChanged, worker.cancelled], timeout=WAIT_MS):
        qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    assert not view.is_busy() and progress.isHidden() and not stop.isEnabled()
    assert not errors and view.frame_count() == 4
    assert all(np.array_equal(a, b) for a, b in zip(view.frames(), earlier))
    view.set_options(3, 64, FAST)
    morph(qtbot, view)
    assert view.frame_count() == 3 and not errors
