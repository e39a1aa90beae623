"""`igan gui`: the desktop application."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import CommandError


def add_commands(commands: argparse._SubParsersAction) -> None:
    gui = commands.add_parser("gui", help="open the desktop application")
    gui.add_argument("photo", type=Path, nargs="?", default=None,
                     help="a photo or an .igan session to open (default: the last session, "
                     "else a world scene)")
    gui.add_argument("--model", default=None,
                     help="the manifold to edit with (default: the one used last, landscape64)")
    gui.set_defaults(handler=_gui)


def _gui(args: argparse.Namespace) -> int:
    if args.photo is not None and not args.photo.is_file():
        raise CommandError(f"{args.photo}: no such file")
    from igan_app.gui.app import run

    return run(args.photo, model=args.model, device=args.device)


__all__ = ["add_commands"]
