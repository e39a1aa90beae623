"""How errors and values are put into words for a user: one line for a dialog, a status bar or
the command line's `igan: error: …`. The one place for it, below every other module."""

from __future__ import annotations


def one_line(error: BaseException | str) -> str:
    """The first non-empty line of an error's message (or of a text), stripped; an exception
    without a message gives its type's name."""
    text = error if isinstance(error, str) else str(error)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines:
        return lines[0]
    return type(error).__name__ if isinstance(error, BaseException) else text


def describe_value(value: object) -> str:
    """What a value is, for a message about a wrong one: "uint8 array of shape (4, 4)", "str"."""
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"{dtype} array of shape {tuple(shape)}"
    return type(value).__name__


__all__ = ["describe_value", "one_line"]
