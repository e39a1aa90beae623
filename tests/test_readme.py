"""The README's Python example runs as written (from the repository root)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from igan_app import imaging

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


def test_readme_python_example_edits_the_demo_scene(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1
    code = blocks[0].replace('"assets/', f'"{ROOT}/assets/')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IGAN_MODELS_DIR", str(tmp_path / "no-user-models"))
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - running the README is the test
    edited = imaging.read_image(tmp_path / "sunset.png")
    photo = imaging.read_image(ROOT / "assets" / "demo" / "valley.png")
    assert edited.shape == photo.shape
    # the stroke asked for an orange sky: red up, blue down where it was painted
    change = edited[40:80, 120:520].astype(float).mean((0, 1)) - photo[40:80, 120:520].mean((0, 1))
    assert change[0] > 10 and change[2] < -10, change
    assert not np.array_equal(edited, photo)
