"""Small widgets and layout helpers the tabs share: a named button, a spin box, a box layout
filled in one call, and a picture scaled to fit its widget.

The tabs may not import each other (import-linter's independence contract), so what more than
one of them builds lives here. Nothing here knows about models or the worker.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QMimeData, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QBoxLayout, QLayout, QPushButton, QSizePolicy, QSpinBox, QWidget

from igan_app.gui.geometry import fit_rect
from igan_app.gui.images import to_pixmap


def local_files(mime: QMimeData) -> list[str]:
    """The local files a drag carries, in order (URLs of other kinds left out)."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


def laid_out(layout: QBoxLayout, *items: QWidget | QLayout | int) -> QBoxLayout:
    """`layout` holding `items` in order: widgets, layouts, and ints as stretches."""
    for item in items:
        if isinstance(item, int):
            layout.addStretch(item)
        elif isinstance(item, QWidget):
            layout.addWidget(item)
        else:
            layout.addLayout(item)
    return layout


def button(name: str, text: str, action: Callable[[], object], tip: str = "", *,
           takes_focus: bool = True) -> QPushButton:
    """A push button named `name` that calls `action()` when clicked. takes_focus False: the
    button never takes the keyboard focus (so the keys stay with a canvas)."""
    widget = QPushButton(text, objectName=name, toolTip=tip)
    if not takes_focus:
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.clicked.connect(lambda _=False: action())
    return widget


def spin(name: str, range_: tuple[int, int, int], suffix: str, tip: str) -> QSpinBox:
    """A spin box named `name` from (low, high, value)."""
    box = QSpinBox(objectName=name, suffix=suffix, toolTip=tip)
    box.setRange(*range_[:2])
    box.setValue(range_[2])
    return box


class Picture(QWidget):
    """A pixmap scaled to fit the widget, aspect kept, on the palette's base color; the
    `placeholder` text while there is none. `image` is the array shown by `show_image`."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: np.ndarray | None = None
        self._pixmap, self._placeholder = QPixmap(), placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def show_image(self, image: np.ndarray | None) -> None:
        """Show an RGB uint8 array (None: nothing, the placeholder)."""
        self.image = image
        self.set_pixmap(QPixmap() if image is None else to_pixmap(image))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self._pixmap.isNull():
            if self._placeholder:
                painter.drawText(self.rect(),
                                 Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                                 self._placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        box = fit_rect((self._pixmap.width(), self._pixmap.height()),
                       (self.width(), self.height()))
        painter.drawPixmap(QRect(*box), self._pixmap)


__all__ = ["Picture", "button", "laid_out", "local_files", "spin"]
