"""The line of help the editor's canvas shows while there is nothing of the user's on it: how to
start (open a photo or drop one, then paint), then how to paint. Gone once there are strokes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from igan_app.gui.editor.document import Document, has_work

START_HINT = "Open a photo (Ctrl+O) or drop one here, then paint on it"
PAINT_HINT = ("Paint on the photo (B color brush, N sketch, W warp): the candidates appear on the "
              "right")
MARGIN = 12  # screen pixels between the hint and the canvas's bottom edge


def hint_text(doc: Document | None) -> str:
    """The hint for `doc`: how to start while it is none or the start's world scene, how to paint
    on a picture the user opened (a photo, a session, a paint render) without work on it, else
    nothing."""
    if has_work(doc):
        return ""
    return START_HINT if doc is None or doc.start_scene else PAINT_HINT


class CanvasHint(QLabel):
    """One line over the bottom of `host`, centred; hidden while empty; clicks pass through."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("background: rgba(20, 20, 20, 190); color: white; padding: 6px 12px;"
                           " border-radius: 4px;")
        host.installEventFilter(self)
        self.hide()

    def show_text(self, text: str) -> None:
        """Show `text` ("" hides the hint)."""
        if text != self.text():
            self.setText(text)
            self.adjustSize()
        self.setVisible(bool(text))
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        self.move(max(0, (host.width() - self.width()) // 2),
                  max(0, host.height() - self.height() - MARGIN))


__all__ = ["PAINT_HINT", "START_HINT", "CanvasHint", "hint_text"]
