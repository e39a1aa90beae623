"""Fixtures of the CLI tests."""

from __future__ import annotations

import pytest

from igan_app import imaging
from igan_app.world.render import render


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A 160×120 world scene saved as a photo."""
    folder = tmp_path_factory.mktemp("cli-edit")
    image, _ = render(3, (120, 160))
    path = folder / "scene.png"
    imaging.write_image(path, image)
    return path
