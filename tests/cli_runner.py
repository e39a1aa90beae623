"""Running the `igan` command in-process for the CLI tests (tests/cli), and checking its errors."""

from __future__ import annotations

import contextlib
import io

from igan_app import cli


def igan(*args: object) -> tuple[int, str, str]:
    """Run `igan --device cpu ARGS` through cli.main; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--device", "cpu", *map(str, args)])
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, stderr: str, *needles: str) -> None:
    """The command failed with status 2 and one line `igan: error: …` holding every needle."""
    assert code == 2 and "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("igan: error: "), stderr
    for needle in needles:
        assert needle in lines[0], stderr
