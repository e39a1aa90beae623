"""What the GUI tests share: a model worker that is shut down (and joined) after the test, the tiny
random manifold installed as the user's models for a whole module, and main windows on it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from tiny_models import TINY_MANIFOLD, save_manifold

from igan_app.gui.worker import ModelWorker

# How long the fixture waits for the worker's running step to return at shutdown; it returns as
# soon as the thread ends, so a generous bound costs nothing when all is well.
WORKER_SHUTDOWN_MS = 30_000


@pytest.fixture
def worker(qapp):
    """A fresh ModelWorker; the test fails if its thread does not end at shutdown."""
    worker = ModelWorker()
    yield worker
    assert worker.shutdown(WORKER_SHUTDOWN_MS)


@pytest.fixture(scope="module")
def tiny_models_dir(tmp_path_factory):
    """The tiny manifold (TINY_MANIFOLD), in the user models folder (IGAN_MODELS_DIR) for the
    whole module: the windows of the module's tests edit on it."""
    root = tmp_path_factory.mktemp("models")
    save_manifold(root / TINY_MANIFOLD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IGAN_MODELS_DIR", str(root))
        yield root


@pytest.fixture
def open_window(qtbot):
    """open_window(folder, model=TINY_MANIFOLD): a shown main window editing on `model` on the
    CPU with small edits (5 projection steps, 8 starts, 4 candidates), its settings and autosave
    in `folder`, started empty."""
    from igan_app.gui.main_window import MainWindow
    from igan_app.gui.settings import Settings

    def open_(folder, model: str = TINY_MANIFOLD) -> MainWindow:
        settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        settings.projection_steps, settings.starts, settings.candidates = 5, 8, 4
        settings.device, settings.model = "cpu", model
        win = MainWindow(settings, start=False, autosave=folder / "last.igan")
        qtbot.addWidget(win)
        win.resize(1100, 750)
        win.show()
        qtbot.waitExposed(win)
        return win

    return open_
