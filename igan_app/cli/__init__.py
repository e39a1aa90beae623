"""The `igan` command: thin argument parsing over the journeys and the library.

One module per command family, each with `add_commands(commands)`: gui, world, models, doctor,
edit (project and edit), morph, demo, train, evaluate, paint; `common` holds what they share.
Heavy modules (torch, OpenCV, Qt) are imported inside the commands that need them, so that
`igan --help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable, Sequence

from igan_app import __version__
from igan_app.cli.common import CommandError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `igan` command with `argv` (None: the process's arguments); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Recorded in model cards, so a shipped model says exactly how it was made.
    args.command_line = "igan " + shlex.join(sys.argv[1:] if argv is None else argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("igan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader left (`igan doctor | head -3`): stop quietly, and let the interpreter's
        # last flush of stdout go nowhere instead of raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a process ended by SIGPIPE
    except (CommandError, OSError, ValueError, KeyError, RuntimeError) as exc:
        # Library errors carry their own clear messages (file, reason); one line, no traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"igan: error: {message}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The `igan` parser with every command family registered."""
    from igan_app.cli import (
        demo,
        doctor,
        edit,
        evaluate,
        gui,
        models,
        morph,
        paint,
        train,
        world,
    )

    parser = argparse.ArgumentParser(
        prog="igan",
        description="iGAN Studio: edit photos on a generative model's manifold, morph photos, "
        "paint landscapes.",
    )
    parser.add_argument("--version", action="version", version=f"iGAN Studio {__version__}")
    parser.add_argument("--device", default=None,
                        help="auto (default: cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for family in (gui, world, models, doctor, edit, morph, demo, train, evaluate, paint):
        family.add_commands(commands)
    return parser


__all__ = ["build_parser", "main"]
