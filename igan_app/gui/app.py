"""Starting the desktop application: `igan gui` and `python -m igan_app`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

APP_NAME = "iGAN Studio"


def run(photo: Path | None = None, *, model: str | None = None, device: str | None = None,
        argv: list[str] | None = None) -> int:
    """Open the main window (on `photo`, a photo or an .igan session, else on the last session or
    a world scene) and run until it closes; the exit status."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)

    from igan_app.gui.main_window import MainWindow
    from igan_app.gui.settings import Settings

    settings = Settings()
    if model is not None:
        settings.model = model
    if device is not None:
        settings.device = device
    window = MainWindow(settings, start=photo is None)
    window.show()
    if photo is not None:
        window.files.open_any(str(photo))  # a session or a photo, as a dropped file
    return app.exec()
