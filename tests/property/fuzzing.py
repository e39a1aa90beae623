"""Shared parts of the property tests: how a reader must behave on any file, and byte mutations.

Every reader of a user's file either loads it or raises its own error (a ValueError subclass)
whose message is one line naming the file; anything else escaping is a bug, and so is a read
that does not return within `HANG_SECONDS`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T = TypeVar("T")

# A read of a small file that takes longer than this is a hang (the slowest honest read in these
# tests, a tiny checkpoint rebuilt on the CPU, takes a few tens of milliseconds).
HANG_SECONDS = 5.0


def fuzz(max_examples: int) -> settings:
    """Settings for one property: few examples (the whole suite runs in well under a minute on
    a laptop), a per-example deadline, no example database written into the repository, and
    function-scoped fixtures allowed (they hold the valid files the examples mutate)."""
    return settings(max_examples=max_examples, deadline=2000, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(Exception):
    """A read did not come back within HANG_SECONDS."""


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Interrupt the block with Hang after `seconds` (SIGALRM: pytest runs tests on the main
    thread), so that a reader stuck in a loop fails the test instead of stalling the suite."""

    def interrupt(signum, frame):
        raise Hang(f"the read took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def loads_or_one_line(read: Callable[[str], T], path: str | os.PathLike[str],
                      errors: type[ValueError] | tuple[type[ValueError], ...]) -> T | None:
    """`read(path)`'s result, or None when it raised one of `errors` with a one-line message
    naming `path`. Any other exception propagates (with its traceback: the test fails)."""
    name = os.fspath(path)
    try:
        with no_hang():
            return read(name)
    except errors as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
        assert name in message, f"does not name {name}: {message!r}"
        assert message.strip() != name and len(message) > len(name) + 2, message
        return None


# ---------------------------------------------------------------------------------------------
# Mutations of a valid file's bytes


@st.composite
def mutated(draw: st.DrawFn, valid: bytes) -> bytes:
    """`valid` damaged the ways files get damaged: cut short, bits flipped, bytes overwritten,
    inserted or deleted, or replaced by random bytes altogether."""
    how = draw(st.sampled_from(("truncate", "flip", "overwrite", "insert", "delete", "random")))
    data = bytearray(valid)
    if how == "truncate":
        return bytes(data[:draw(st.integers(0, max(len(data) - 1, 0)))])
    if how == "random" or not data:
        return draw(st.binary(max_size=4096))
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            bit = draw(st.integers(0, len(data) * 8 - 1))
            data[bit // 8] ^= 1 << (bit % 8)
        return bytes(data)
    start = draw(st.integers(0, len(data)))
    if how == "overwrite":
        chunk = draw(st.binary(min_size=1, max_size=64))
        data[start:start + len(chunk)] = chunk
    elif how == "insert":
        data[start:start] = draw(st.binary(min_size=1, max_size=64))
    else:
        del data[start:start + draw(st.integers(1, 64))]
    return bytes(data)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[object]:
    """Any JSON value, biased to the troublemakers: huge and negative numbers, NaN-like
    strings, empty and nested containers."""
    leaves = st.one_of(
        st.none(), st.booleans(),
        st.integers(), st.sampled_from((0, -1, 1, 2**31, 2**63, 10**30, -(10**30))),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from((1e308, -1e308, 5e-324, 0.5, -0.0)),
        st.text(max_size=8), st.sampled_from(("NaN", "Infinity", "-1", "", "0x10", "1e999")),
    )
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
        max_leaves=max_leaves)


def json_paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every node of parsed JSON `value` as a path of keys and indices, the root `()` included."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += json_paths(item, (*prefix, index))
    return paths


def replaced(value: object, path: tuple, new: object) -> object:
    """A copy of parsed JSON `value` with the node at `path` replaced by `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [*value[:head], replaced(value[head], rest, new), *value[head + 1:]]


@st.composite
def wrong_values(draw: st.DrawFn, valid: object) -> object:
    """Parsed JSON `valid` with one node, any of them equally likely, replaced by any JSON value
    (or deleted from its object or list)."""
    path = draw(st.sampled_from(json_paths(valid)))
    if path and draw(st.integers(0, 5)) == 0:  # sometimes a field or an element goes missing
        copy = json.loads(json.dumps(valid))
        target = copy
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return copy
    return replaced(valid, path, draw(json_values()))
