"""Render the application's window in its main states into docs/gui_*.png, as the README shows it.

    apt-get install -y xvfb libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
        libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0   # Qt's xcb plugin needs these
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots.py

The script drives the real window as a user would: it opens assets/photos/storm.jpg, drags the
color brush across the sky twice, waits for the candidates, clicks one (the window carries it onto
the photo as a preview), applies it, morphs
the storm into the dune, and paints a world scene's label map in the paint tab. Settings go to a temporary file, so the user's own are not touched.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from igan_app.gui.main_window import MainWindow
from igan_app.gui.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "assets" / "photos"
DOCS = ROOT / "docs"
SIZE = (1360, 860)
# (color, photo y, width): the sky strokes of assets/demo/storm_clearing.json, drawn by mouse.
SKY_STROKES = (((110, 160, 230), 90, 70), ((150, 190, 240), 260, 70))


def wait(app: QApplication, done, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def drag(widget, points: list[QPointF]) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, pos, button, buttons):
        QApplication.sendEvent(widget, QMouseEvent(kind, pos, widget.mapToGlobal(pos), button,
                                                   buttons, Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, points[0], left, left)
    for point in points[1:]:
        send(QEvent.Type.MouseMove, point, none, left)
        QApplication.processEvents()
    send(QEvent.Type.MouseButtonRelease, points[-1], left, none)


def shoot(window: MainWindow, name: str) -> None:
    path = DOCS / f"gui_{name}.png"
    window.grab().save(str(path))
    print(f"wrote {path}")


def main() -> int:
    app = QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp())
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.device = "cpu"
    window = MainWindow(settings, start=False, autosave=None)
    window.resize(*SIZE)
    window.show()
    if "--paint-only" in sys.argv[1:]:
        shoot_paint(app, window)
        window.close()
        return 0
    editor, view = window.editor, window.editor_view

    window.open_photo(PHOTOS / "storm.jpg")
    wait(app, lambda: editor.document.anchor is not None)
    settle(app)
    canvas = view.canvas
    for color, y, width in SKY_STROKES:
        view.set_tool("color")
        view.set_color(color)
        view.width_box.setValue(width)
        drag(canvas, [canvas.widget_point((x, y)) for x in range(280, 1001, 40)])
    wait(app, lambda: editor.candidates is not None and not editor.busy)
    grid = view.grid
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=grid.visualItemRect(grid.item(0)).center())
    wait(app, lambda: editor.preview_photo() is not None and not editor.busy)
    settle(app)
    shoot(window, "editor")

    view.actions["apply"].trigger()
    wait(app, lambda: editor.document.strokes.is_empty and not editor.busy)
    view.set_view("side by side")
    settle(app)
    shoot(window, "applied")

    morph = window.morph_view
    window.tabs.setCurrentWidget(morph)
    morph.set_options(8, 256, None)
    morph.open_photo(0, PHOTOS / "storm.jpg")
    morph.open_photo(1, PHOTOS / "dune.jpg")
    morph.start()
    wait(app, lambda: morph.frame_count() == 8 and not morph.is_busy())
    morph.set_frame(4)
    settle(app)
    shoot(window, "morph")
    shoot_paint(app, window)
    window.close()
    return 0


def shoot_paint(app: QApplication, window: MainWindow) -> None:
    """The paint tab on world scene 7, with a lake brushed in, rendered by the panes' models."""
    paint = window.paint_view
    window.tabs.setCurrentWidget(paint)
    paint.random_scene(7)
    paint.set_label(5)  # water
    paint.set_brush(24)
    canvas = paint.canvas
    drag(canvas, [canvas.widget_point((x, 215.0)) for x in range(60, 200, 10)])
    wait(app, lambda: not paint.is_busy())
    settle(app)
    shoot(window, "paint")


if __name__ == "__main__":
    raise SystemExit(main())
