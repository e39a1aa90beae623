"""The candidates grid: K thumbnails of the edit's proposals with their costs; a click chooses.

The chosen one is marked by a border: the style's selection would tint its thumbnail with the
highlight colour (a peach sky turns blue-grey), and the colours are what the user chooses by.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from igan_app.gui.images import to_pixmap

TILE = 112  # thumbnail side in screen pixels
BORDER = 4  # width of the chosen candidate's border, screen pixels


def upscale(image: np.ndarray, side: int) -> np.ndarray:
    """Nearest-neighbour enlargement to at least `side`: small model pictures stay crisp."""
    factor = max(1, side // max(image.shape[:2]))
    return np.repeat(np.repeat(image, factor, 0), factor, 1)


class BorderedSelection(QStyledItemDelegate):
    """Draws each item as unselected, its thumbnail in its own colours, and a border in the
    highlight colour around the selected one."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        super().paint(painter, plain, index)
        if selected:
            painter.save()
            pen = QPen(option.palette.color(QPalette.ColorRole.Highlight), BORDER)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = BORDER / 2
            painter.drawRect(QRectF(option.rect).adjusted(half, half, -half, -half))
            painter.restore()


class CandidateGrid(QListWidget):
    """Shows `set_candidates` pictures best first; emits `candidateChosen(index)` on a click."""

    candidateChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(TILE, TILE))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setWordWrap(False)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setItemDelegate(BorderedSelection(self))
        self.setToolTip("The edit's candidates, best first: click one to choose it")
        self.itemClicked.connect(lambda item: self.candidateChosen.emit(self.row(item)))

    def set_candidates(self, images: np.ndarray | None, costs: tuple[float, ...] = ()) -> None:
        """images: (K, r, r, 3) uint8, best first, with their costs; None clears the grid."""
        count = 0 if images is None else len(images)
        # Items are reused rather than rebuilt: the grid updates many times a second while the
        # user paints, and a rebuilt list would flicker and lose its scroll position.
        while self.count() > count:
            self.takeItem(self.count() - 1)
        for index in range(count):
            item = self.item(index)
            if item is None:
                item = QListWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
                self.addItem(item)
            item.setIcon(QIcon(to_pixmap(upscale(images[index], TILE))))
            item.setText(f"#{index + 1}  cost {costs[index]:.3f}")

    def set_chosen(self, index: int | None) -> None:
        if index is None or not 0 <= index < self.count():
            self.clearSelection()
        else:
            self.setCurrentRow(index)
