"""Files written atomically: into a temporary sibling, flushed to disk, then renamed onto the target.

A reader, or a crash, sees the old file or the new one, never part of one. The temporary is a
hidden sibling `.NAME.XXXXXXXX.tmp`: in the target's folder, so that the rename stays on one file
system, and with a ".tmp" suffix, so that folder scans by suffix (images, checkpoints) skip a
half-written file. It is created with mode 0666, so that the umask gives the finished file the
mode a plain open() would. Parent folders are created. On failure the target is left untouched
and the temporary is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

PathLike = str | os.PathLike[str]

TEMPORARY_SUFFIX = ".tmp"


def write_atomic(path: PathLike, save: Callable[[IO[bytes]], None]) -> None:
    """Write `path` through `save`, which writes the file's bytes to the binary file it is given
    (e.g. `lambda f: image.save(f, format="PNG")`), atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as f:
        save(f)


def write_bytes_atomic(path: PathLike, data: bytes) -> None:
    """Write `data` to `path`, atomically."""
    write_atomic(path, lambda f: f.write(data))


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write `text` as UTF-8 to `path`, atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_path(path: PathLike, *, suffix: str = TEMPORARY_SUFFIX) -> Iterator[Path]:
    """The name of an empty temporary sibling of `path` for the block to write; when the block
    ends without an error, the file is flushed to disk and renamed onto `path`.

    For writers that open the file themselves. `suffix` ends the temporary's name: OpenCV's video
    writer picks the container by it (".mp4"); anything else should keep ".tmp".
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _create_sibling(target, suffix)
    try:
        yield temporary
        fsync_file(temporary)  # the rename must not land before the data does
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def fsync_file(path: PathLike) -> None:
    """Flush a written file's data to disk."""
    with open(path, "r+b") as handle:  # Windows needs write access to fsync
        os.fsync(handle.fileno())


def _create_sibling(target: Path, suffix: str) -> Path:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}{suffix}"
        try:
            os.close(os.open(temporary, flags, 0o666))
        except FileExistsError:  # another writer drew the same name: draw again
            continue
        return temporary
