"""JSON text read strictly, for the files the editor reads (strokes files, session files).

Python's json module reads NaN and Infinity, which are not JSON; no file of ours holds them, and
a coordinate or a cost that is not a number must not slip through as one.
"""

from __future__ import annotations

import json


class JSONTextError(ValueError):
    """Text that is not valid JSON; the message is one line, "not valid JSON: <why>", without the
    file's name (the caller knows what the text is called)."""


def loads(text: str) -> object:
    """The value of the JSON `text`; raises JSONTextError, NaN and Infinity included."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JSONTextError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column "
                            f"{exc.colno}") from None


def _reject_constant(word: str) -> None:
    raise JSONTextError(f"not valid JSON: {word} is not a number JSON allows")
