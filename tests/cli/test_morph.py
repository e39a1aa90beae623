"""`igan morph` on the shipped landscape manifold, in-process."""

from __future__ import annotations

import pytest
from cli_runner import assert_one_line_error, igan

from igan_app import imaging
from igan_app.world.render import render

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_morph_writes_gif_and_frames(photo, tmp_path):
    other, _ = render(8, (120, 160))
    imaging.write_image(tmp_path / "b.png", other)
    code, out, err = igan("morph", photo, tmp_path / "b.png", "--frames", "3", "--size", "64",
                          "--out", tmp_path / "m.gif", "--method", "encoder")
    assert code == 0, err
    assert (tmp_path / "m.gif").stat().st_size > 0 and "3 frames at 64²" in out
    code, _, err = igan("morph", photo, tmp_path / "b.png", "--frames", "3", "--size", "64",
                        "--out", tmp_path / "frames", "--method", "encoder")
    assert code == 0, err
    first = imaging.read_image(tmp_path / "frames" / "frame_000.png")
    assert first.shape == (64, 64, 3)
    code, _, err = igan("morph", photo, tmp_path / "b.png", "--out", tmp_path / "m.avi")
    assert_one_line_error(code, err, "m.avi")
