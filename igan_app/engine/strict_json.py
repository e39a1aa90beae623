"""JSON text read strictly, for the files the editor reads (strokes files, session files).

Python's json module reads NaN and Infinity, which are not JSON, and turns 1e999 into infinity;
no file of ours holds them, and a coordinate or a cost that is not a number must not slip through
as one. It also raises RecursionError for deeply nested text and a plain ValueError for an integer
of thousands of digits: both are refused here as text that is not valid JSON.
"""

from __future__ import annotations

import json
import math


class JSONTextError(ValueError):
    """Text that is not valid JSON; the message is one line, "not valid JSON: <why>", without the
    file's name (the caller knows what the text is called)."""


def loads(text: str) -> object:
    """The value of the JSON `text`; raises JSONTextError, NaN and Infinity included."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise JSONTextError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column "
                            f"{exc.colno}") from None
    except RecursionError:
        raise JSONTextError("not valid JSON: nested too deeply") from None
    except JSONTextError:
        raise
    except ValueError:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        raise JSONTextError("not valid JSON: a number has too many digits") from None


def _reject_constant(word: str) -> None:
    raise JSONTextError(f"not valid JSON: {word} is not a number JSON allows")


def _finite_float(word: str) -> float:
    value = float(word)
    if not math.isfinite(value):
        raise JSONTextError(f"not valid JSON: {word[:20]} is too large a number")
    return value
