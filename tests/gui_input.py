"""Mouse and wheel input as a user makes it, for the GUI tests."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
NO_BUTTON = Qt.MouseButton.NoButton


def mouse(widget, kind: QEvent.Type, at: tuple[float, float], button=LEFT, buttons=None,
          modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    # QTest's mouse moves carry no held buttons in Qt 6, so drags are built by hand.
    pos = QPointF(*at)
    held = button if buttons is None else buttons
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, held, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget, points: list[tuple[float, float]], button=LEFT) -> None:
    """Press at the first point, move through the others with `button` held, release at the last."""
    mouse(widget, QEvent.Type.MouseButtonPress, points[0], button)
    for point in points[1:]:
        mouse(widget, QEvent.Type.MouseMove, point, NO_BUTTON, button)
    mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], button, NO_BUTTON)


def wheel(widget, at: tuple[float, float], notches: float,
          modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    pos = QPointF(*at)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, round(120 * notches)),
                        NO_BUTTON, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
