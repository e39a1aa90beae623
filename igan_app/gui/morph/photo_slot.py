"""A photo's slot in the morph tab: its thumbnail, and an image file dropped on it."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from igan_app.gui.widgets import Picture, local_files


def dropped_file(mime: QMimeData) -> str | None:
    """The first local file among the URLs of a drag, or None."""
    return next(iter(local_files(mime)), None)


class PhotoSlot(Picture):
    """A photo's thumbnail that takes an image file dropped on it: fileDropped(path)."""

    fileDropped = Signal(str)

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Drop photo {label} here", parent)
        self.setAcceptDrops(True)
        self.setMinimumSize(160, 120)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.fileDropped.emit(path)


__all__ = ["PhotoSlot", "dropped_file"]
