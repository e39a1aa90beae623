"""Questions the window asks before it does something the user may regret (replace unsaved
work, save a photo without the edit shown): one modal box, its buttons named by what they do."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton
TITLE = "iGAN Studio"


def ask(parent: QWidget | None, question: str, detail: str, buttons: dict[Button, str],
        default: Button) -> Button:
    """Ask `question` (with `detail` below it) and return the standard button clicked; each of
    `buttons` is shown with its label. Escape and closing the box answer Cancel when it is one of
    the buttons."""
    box = QMessageBox(QMessageBox.Icon.Question, TITLE, question, Button.NoButton, parent)
    box.setInformativeText(detail)
    for button, label in buttons.items():
        box.addButton(button).setText(label)
    box.setDefaultButton(default)
    if Button.Cancel in buttons:
        box.setEscapeButton(Button.Cancel)
    return Button(box.exec())


__all__ = ["Button", "ask"]
