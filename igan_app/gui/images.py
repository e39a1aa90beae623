"""numpy ↔ Qt image conversion: the one place in the GUI where pixels change representation.

The engine speaks RGB uint8 (H, W, 3) arrays (and RGBA (H, W, 4) for overlays); Qt speaks QImage.
Every conversion copies, so neither side can change the other's pixels behind its back.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPixmap


def to_qimage(array: np.ndarray) -> QImage:
    """RGB (H, W, 3) or RGBA (H, W, 4) uint8 → a QImage that owns a copy of the pixels."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"to_qimage needs uint8 (H, W, 3) or (H, W, 4), got {array.dtype} "
                         f"{array.shape}")
    pixels = np.ascontiguousarray(array)
    height, width, channels = pixels.shape
    layout = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
    # QImage borrows the buffer; .copy() makes it own its pixels before `pixels` goes away.
    return QImage(pixels.data, width, height, channels * width, layout).copy()


def to_pixmap(array: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(array))


def from_qimage(image: QImage) -> np.ndarray:
    """A QImage (any format) → RGB uint8 (H, W, 3); alpha, if any, is dropped."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    buffer = np.frombuffer(rgb.constBits(), np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, :width * 3].reshape(height, width, 3).copy()


def to_qcolor(rgb: tuple[int, int, int]) -> QColor:
    return QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]))


def from_qcolor(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()
