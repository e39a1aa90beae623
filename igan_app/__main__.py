import sys

from igan_app.cli import main

# `python -m igan_app` alone opens the desktop application; with arguments it is the `igan` command.
raise SystemExit(main(sys.argv[1:] or ["gui"]))
