"""The property tests share their helpers through `property.fuzzing` (imported by name: the
tests folder is on the path, and a conftest is not importable under --import-mode=importlib).

Hypothesis keeps caches in a `.hypothesis` folder of the working directory even without an
example database; it is sent to the temporary folder instead, so that no run writes into the
repository.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "igan-hypothesis")
