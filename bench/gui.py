"""How quickly the desktop application answers: the real main window, driven as a user drives it.

    python bench/gui.py [--write]

Offscreen (no display needed). Opens assets/photos/dune.jpg, waits for the projection, then drags
the color brush across the sky for about 1.5 s, one mouse move every 30 ms as a hand makes them,
and measures: the time from the press to the first candidates on screen, the interval between
candidate updates during the drag, the time from the release to the finished edit, the time to
render the path to a chosen candidate and to carry it onto the photo as a preview, and Apply on
the full photo at a slider position with no preview yet; then a morph of two photos. With tuning
on (the default) it also measures the tuning after the projection, how long after a candidate
update its change carried onto the photo (the live view) reaches the screen, and how long saving
the session (with the tuned generator's weights) takes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from igan_app.gui.main_window import MainWindow
from igan_app.gui.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine, report

PHOTOS = Path(__file__).resolve().parents[1] / "assets" / "photos"
MOVE_EVERY_S = 0.03


def pump_until(app: QApplication, done, timeout: float = 120.0) -> float:
    """Process events until `done()`; the seconds it took."""
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the window did not answer in time")
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - start


def send(widget, kind, pos: QPointF, button, buttons) -> None:
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, widget.mapToGlobal(pos), button,
                                               buttons, Qt.KeyboardModifier.NoModifier))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=16)
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp())
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    settings.device, settings.starts, settings.candidates = "cpu", args.starts, 8
    window = MainWindow(settings, start=False, autosave=None)
    window.resize(1280, 820)
    window.show()
    editor, view = window.editor, window.editor_view
    updates: list[float] = []
    arrived: dict[int, float] = {}  # id of the candidates → when they reached the GUI thread
    carried: list[float] = []  # seconds from a candidate update to its carry on the GUI thread

    def on_candidates() -> None:
        if editor.candidates is not None:
            updates.append(time.perf_counter())
            arrived[id(editor.candidates)] = updates[-1]

    def on_carried(_ms: float) -> None:
        shown = arrived.get(id(editor.live.latest.candidates))
        if shown is not None:
            carried.append(time.perf_counter() - shown)

    editor.candidatesChanged.connect(on_candidates)
    editor.live.carried.connect(on_carried)

    started = time.perf_counter()
    window.open_photo(PHOTOS / "dune.jpg")
    first_projection = pump_until(app, lambda: editor.document.anchor is not None)
    window.open_photo(PHOTOS / "dune.jpg")  # again, with the models loaded
    projection = pump_until(app, lambda: editor.document.anchor is not None)
    tuning = pump_until(app, lambda: editor.document.tuned is not None, timeout=600)
    pump_until(app, lambda: not editor.busy)
    print(f"window and first projection (loading the models): "
          f"{time.perf_counter() - started:.2f} s")

    canvas = view.canvas
    left, top, right, bottom = editor.document.frame.box
    view.set_tool("color")
    view.set_color((250, 130, 40))
    xs = [left + (right - left) * (0.1 + 0.8 * i / 49) for i in range(50)]
    y = top + (bottom - top) * 0.15
    left_button, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    press = time.perf_counter()
    send(canvas, QEvent.Type.MouseButtonPress, canvas.widget_point((xs[0], y)), left_button,
         left_button)
    for x in xs[1:]:
        next_move = time.perf_counter() + MOVE_EVERY_S
        send(canvas, QEvent.Type.MouseMove, canvas.widget_point((x, y)), none, left_button)
        while time.perf_counter() < next_move:
            app.processEvents()
            time.sleep(0.001)
    release = time.perf_counter()
    send(canvas, QEvent.Type.MouseButtonRelease, canvas.widget_point((xs[-1], y)), left_button,
         none)
    finish = pump_until(app, lambda: not editor.busy and editor.candidates is not None
                        and editor.candidates.iteration == editor.candidates.total)
    during = [b - a for a, b in itertools.pairwise(updates) if b <= release]
    first = updates[0] - press
    live = sorted(carried)

    session = folder / "bench.igan"
    saved = time.perf_counter()
    window.files.save_session(session)
    saving = time.perf_counter() - saved

    chosen = time.perf_counter()
    editor.choose(0)
    path = pump_until(app, lambda: editor.path is not None)
    pump_until(app, lambda: editor.preview_photo() is not None)
    previewed = time.perf_counter() - chosen
    editor.set_position(4)  # a new slider position: Apply computes the transfer itself
    before = editor.document.photo
    view.actions["apply"].trigger()
    applied = pump_until(app, lambda: editor.document.photo is not before and not editor.busy)

    morph = window.morph_view
    morph.set_options(16, 256, None)
    morph.open_photo(0, PHOTOS / "storm.jpg")
    morph.open_photo(1, PHOTOS / "dune.jpg")
    morph.start()
    pump_until(app, lambda: morph.is_busy())
    morphing = pump_until(app, lambda: not morph.is_busy())
    window.close()

    where = f"{machine()}; {window.models_label.text()}; offscreen"
    rows = [
        ("GUI: projection of a 1280×800 photo (hybrid, 30 steps), models loaded",
         f"{projection:.2f} s (first, loading the models: {first_projection:.2f} s)"),
        (f"GUI: stroke press → first candidates on screen, {args.starts} starts",
         f"{first * 1000:.0f} ms"),
        ((f"GUI: candidate updates while dragging ({len(during)} in "
          f"{release - press:.1f} s), {args.starts} starts"),
         f"median {statistics.median(during) * 1000:.0f} ms apart" if during else "none"),
        ("GUI: tuning the generator on the photo after its projection (default steps)",
         f"{tuning:.2f} s"),
        ("GUI: release → finished edit (40 iterations)", f"{finish:.2f} s"),
        ((f"GUI: candidate update → its change carried onto the 1280×800 photo (live view, "
          f"{len(live)} of {len(updates)} updates carried)"),
         f"median {statistics.median(live) * 1000:.0f} ms, worst {live[-1] * 1000:.0f} ms"
         if live else "none"),
        ((f"GUI: save the session with the tuned generator "
          f"({session.stat().st_size / 1e6:.1f} MB)"), f"{saving * 1000:.0f} ms"),
        ("GUI: choose a candidate → path on the slider", f"{path * 1000:.0f} ms"),
        ("GUI: choose a candidate → the edit carried onto the 1280×800 photo (preview)",
         f"{previewed:.2f} s"),
        ("GUI: Apply to a 1280×800 photo, no preview ready", f"{applied:.2f} s"),
        ("GUI: morph storm → dune, 16 frames at 256², both projections",
         f"{morphing:.1f} s"),
    ]
    report(rows, f"python bench/gui.py --starts {args.starts}", where, "bench/gui.py",
           args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
