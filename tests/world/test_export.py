"""export_scenes: image/label PNG pairs on disk, the same whatever the number of processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from igan_app import imaging
from igan_app.world.export import export_scenes
from igan_app.world.palette import load_labels
from igan_app.world.render import render

NAMES = [f"{i:06d}.png" for i in range(10)]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones included) by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def parallel_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parallel") / "scenes"
    assert export_scenes(out, 10, 48, first_seed=20, workers=2) == 10
    return out


def test_writes_numbered_pairs_and_nothing_else(parallel_export):
    assert sorted(_files(parallel_export)) == sorted(
        [f"images/{name}" for name in NAMES] + [f"labels/{name}" for name in NAMES])


def test_pairs_are_the_rendered_scenes(parallel_export):
    for i, name in enumerate(NAMES):
        image, labels = render(20 + i, 48)
        np.testing.assert_array_equal(imaging.read_image(parallel_export / "images" / name), image)
        np.testing.assert_array_equal(load_labels(parallel_export / "labels" / name), labels)


def test_one_process_writes_the_same_bytes(parallel_export, tmp_path):
    seen = []

    def progress(iterable):
        for index in iterable:
            seen.append(index)
            yield index

    assert export_scenes(tmp_path, 10, 48, first_seed=20, workers=1, progress=progress) == 10
    assert sorted(seen) == list(range(10))
    assert _files(tmp_path) == _files(parallel_export)


def test_non_square_size(tmp_path):
    export_scenes(tmp_path, 2, (32, 64), first_seed=3)
    image = imaging.read_image(tmp_path / "images" / "000001.png")
    assert image.shape == (32, 64, 3)
    np.testing.assert_array_equal(image, render(4, (32, 64))[0])


def test_bad_size_fails_before_writing_anything(tmp_path):
    with pytest.raises(ValueError, match="between 32 and 1024"):
        export_scenes(tmp_path / "out", 3, 20)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("n", [0, -3])
def test_no_scenes_is_an_error_and_writes_nothing(tmp_path, n):
    with pytest.raises(ValueError, match="positive"):
        export_scenes(tmp_path / "out", n, 32)
    assert not (tmp_path / "out").exists()
