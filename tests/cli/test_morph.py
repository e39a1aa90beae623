"""`igan morph` on the shipped landscape manifold, in-process."""

from __future__ import annotations

import shlex

import numpy as np
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


def test_morph_tunes_by_default_and_tune_steps_0_keeps_the_old_path(photo, tmp_path):
    from igan_app.cli import build_parser
    from igan_app.cli.morph import morph_job

    other, _ = render(8, (120, 160))
    imaging.write_image(tmp_path / "b.png", other)
    words = ["morph", str(photo), str(tmp_path / "b.png"), "--out", str(tmp_path / "m.gif")]
    default = morph_job(build_parser().parse_args(words))
    assert default.tune_steps is None and default.tuning() is None  # the journey's default
    assert "--tune-steps" not in default.command()
    off = morph_job(build_parser().parse_args([*words, "--tune-steps", "0"]))
    assert off.tuning().steps == 0 and "--tune-steps 0" in off.command()
    assert morph_job(build_parser().parse_args(shlex.split(off.command())[1:])) == off

    common = ("--frames", "3", "--size", "64", "--method", "encoder")
    code, out, err = igan("morph", photo, tmp_path / "b.png", *common, "--tune-steps", "0",
                          "--out", tmp_path / "off")
    assert code == 0, err
    assert "tuned" not in out
    code, out, err = igan("morph", photo, tmp_path / "b.png", *common, "--tune-steps", "5",
                          "--out", tmp_path / "on")
    assert code == 0, err
    assert "generator tuned on both photos" in out
    # The ends are the photos either way; the middle follows a different (tuned) path.
    off_frames = [imaging.read_image(tmp_path / "off" / f"frame_00{i}.png") for i in range(3)]
    on_frames = [imaging.read_image(tmp_path / "on" / f"frame_00{i}.png") for i in range(3)]
    assert np.array_equal(off_frames[0], on_frames[0])
    assert np.array_equal(off_frames[2], on_frames[2])
    assert not np.array_equal(off_frames[1], on_frames[1])
