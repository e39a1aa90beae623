"""The sessions kept between runs, rotating: the newest autosave and the few before it.

`last-session.igan` is the newest, `last-session.igan.1` the one before, and so on up to
KEEP_AUTOSAVES files; each new autosave moves the others one place older and drops the oldest, so
one bad moment (a replaced document, a crash right after opening the wrong photo) never destroys
the only copy of the work. Plain files: no Qt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

KEEP_AUTOSAVES = 5  # the newest and the four before it


def autosave_names(newest: str | os.PathLike[str], keep: int = KEEP_AUTOSAVES) -> list[Path]:
    """The autosave files, newest first: `newest`, then `newest`.1, … (`keep` in all)."""
    newest = Path(newest)
    return [newest, *(newest.with_name(f"{newest.name}.{i}") for i in range(1, keep))]


def rotate(newest: str | os.PathLike[str], keep: int = KEEP_AUTOSAVES) -> None:
    """Move each autosave one place older (`newest` becomes `newest`.1); the oldest is dropped."""
    names = autosave_names(newest, keep)
    for older, newer in zip(reversed(names[1:]), reversed(names[:-1]), strict=True):
        if newer.exists():
            os.replace(newer, older)


def write_rotated(newest: str | os.PathLike[str], write: Callable[[Path], None],
                  keep: int = KEEP_AUTOSAVES) -> None:
    """Write a new newest autosave with `write(path)`, the older ones rotated. It is written
    beside first, so a write that fails leaves every earlier autosave where it was."""
    newest = Path(newest)
    fresh = newest.with_name(f".{newest.name}.new")
    try:
        write(fresh)
    except BaseException:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise
    rotate(newest, keep)
    os.replace(fresh, newest)


def unchanged(key: object, last: object) -> bool:
    """Whether an autosave of `key` would hold what the last one, of `last`, held (then it is
    not written: it would push an older autosave out for nothing). Keys are tuples, lists and
    dicts of the autosave's values: arrays and immutable states compare as the same objects
    (they are replaced, never changed in place), plain values (str, numbers, bytes) by value."""
    if isinstance(key, (tuple, list)) and isinstance(last, (tuple, list)):
        return len(key) == len(last) and all(map(unchanged, key, last))
    if isinstance(key, dict) and isinstance(last, dict):
        return key.keys() == last.keys() and all(unchanged(key[k], last[k]) for k in key)
    plain = (str, int, float, bytes, type(None))
    return key is last or (isinstance(key, plain) and isinstance(last, plain) and key == last)


__all__ = ["KEEP_AUTOSAVES", "autosave_names", "rotate", "unchanged", "write_rotated"]
