"""`igan doctor`: versions, the device, the feature weights and the models found."""

from __future__ import annotations

import argparse
import sys


def add_commands(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser("doctor", help="versions, device, feature weights and models")
    doctor.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from igan_app.doctor import report_lines

    # Line by line, flushed: importing PyTorch takes seconds, and the note on stderr says so.
    for line in report_lines(args.device, say=lambda note: print(note, file=sys.stderr,
                                                                  flush=True)):
        print(line, flush=True)
    return 0


__all__ = ["add_commands"]
