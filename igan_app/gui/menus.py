"""The main window's menu bar: File, Edit, Tools, View, Morph, Paint and Help.

The tabs make their own actions (with their shortcuts); the menus collect them and add the
window's own: the files, undo and redo of the tab shown, switching tabs, the morph's commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

if TYPE_CHECKING:
    from igan_app.gui.main_window import MainWindow

ABOUT = ("iGAN Studio: paint on a photo and let a generative model propose the edit; morph one "
         "photo into another.")
Shortcut = str | QKeySequence.StandardKey | list[str] | None


@dataclass(frozen=True)
class WindowActions:
    """The menu actions the window updates: undo and redo (their text names the step)."""

    undo: QAction
    redo: QAction


def add_action(menu: QMenu, text: str, shortcut: Shortcut, slot, tip: str = "") -> QAction:
    """A menu item running `slot`, with its shortcut (or several) and status tip."""
    action = menu.addAction(text)
    if shortcut:
        keys = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(k) for k in keys])
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def make_menus(window: MainWindow) -> WindowActions:
    """Fill `window`'s menu bar from its tabs' actions and its files."""
    menus, files, tabs = window.menuBar(), window.files, window.tabs
    file = menus.addMenu("&File")
    add_action(file, "&Open photo…", QKeySequence.StandardKey.Open, files.open_photo_dialog)
    recent = file.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: files.fill_recent(recent))
    add_action(file, "Open &session…", "Ctrl+Shift+O", files.open_session_dialog)
    file.addSeparator()
    add_action(file, "&Save result…", ["Ctrl+S", "S"], files.save_result_dialog,
               "Save the edited photo at full resolution")
    add_action(file, "Save session &as…", "Ctrl+Shift+S", files.save_session_dialog,
               "Save the photo, the strokes and the latents to reopen later")
    file.addSeparator()
    add_action(file, "&Quit", QKeySequence.StandardKey.Quit, window.close)

    view = window.editor_view.actions
    edit = menus.addMenu("&Edit")
    # Undo, redo and Ctrl+E act on the tab shown: one action per key, or Qt finds them
    # ambiguous and runs neither.
    actions = WindowActions(
        add_action(edit, "&Undo", "Ctrl+Z", lambda: window.undoing().undo()),
        add_action(edit, "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], lambda: window.undoing().redo()))
    edit.addSeparator()
    for name in ("fix", "restart", "apply", "stop", "clear", "reproject"):
        edit.addAction(view[name])

    tools = menus.addMenu("&Tools")
    for name in view:
        if name.startswith("tool:"):
            tools.addAction(view[name])

    show = menus.addMenu("&View")
    for name in view:
        if name.startswith("view:"):
            show.addAction(view[name])
    show.addSeparator()
    for name in ("overlay", "play", "zoom in", "zoom out", "fit"):
        show.addAction(view[name])
    show.addSeparator()
    for index, (text, key) in enumerate((("&Editor", "Ctrl+1"), ("&Morph", "Ctrl+2"),
                                         ("&Paint", "Ctrl+3"))):
        add_action(show, text, key, lambda _=False, i=index: tabs.setCurrentIndex(i))

    morph_view = window.morph_view
    morph = menus.addMenu("&Morph")

    def in_morph_tab(command):
        def run(_=False) -> None:
            tabs.setCurrentWidget(morph_view)
            command()
        return run

    add_action(morph, "Open photo &A…", None, in_morph_tab(lambda: morph_view.open_dialog(0)))
    add_action(morph, "Open photo &B…", None, in_morph_tab(lambda: morph_view.open_dialog(1)))
    add_action(morph, "&Morph", "Ctrl+M", in_morph_tab(morph_view.start))
    add_action(morph, "&Export…", "Ctrl+E", lambda: _export(window))

    paint_view = window.paint_view
    paint = menus.addMenu("&Paint")
    for name, action in paint_view.actions.items():
        if name != "edit":  # that one goes to the editor
            action.triggered.connect(lambda _=False: tabs.setCurrentWidget(paint_view))
        paint.addAction(action)
        if name in ("save", "clear style"):
            paint.addSeparator()

    help_menu = menus.addMenu("&Help")
    add_action(help_menu, "&About iGAN Studio", None,
               lambda: QMessageBox.about(window, "About iGAN Studio", ABOUT))
    return actions


def _export(window: MainWindow) -> None:
    """Ctrl+E: the paint tab's render while it is shown, else the morph."""
    if window.tabs.currentWidget() is window.paint_view:
        window.paint_view.export_dialog()
        return
    window.tabs.setCurrentWidget(window.morph_view)
    window.morph_view.export_dialog()


__all__ = ["WindowActions", "add_action", "make_menus"]
