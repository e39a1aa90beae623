"""`igan doctor`: versions, the device, the feature weights and the models found."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser("doctor", help="versions, device, feature weights and models")
    doctor.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from igan_app.doctor import report

    print(report(args.device))
    return 0


__all__ = ["add_commands"]
