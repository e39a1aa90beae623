"""`igan project` and `igan edit` on the shipped landscape manifold, in-process."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from cli_runner import assert_one_line_error, igan

from igan_app import imaging

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FAST = ["--steps", "2"]
QUICK_EDIT = ["--edit-starts", "4", "--keep", "2", "--iterations", "3", "--transfer-frames", "3"]


def _strokes(path, items, size=(160, 120)):
    data = {"format": "igan-strokes/1", "photo_size": {"width": size[0], "height": size[1]},
            "items": items}
    path.write_text(json.dumps(data))
    return path


SKY = {"kind": "color", "width": 20, "points": [[30, 15], [130, 15]], "color": [250, 120, 40]}


def test_edit_job_carries_the_transfer_and_mode_and_says_them_back(tmp_path):
    import shlex

    from igan_app.cli import build_parser
    from igan_app.cli.edit import edit_job

    words = ["edit", "p.jpg", "--strokes", "s.json", "--out", "e.png"]
    default = edit_job(build_parser().parse_args(words))
    assert (default.transfer, default.mode) == ("guided", "auto")
    assert "--transfer" not in default.command() and "--mode" not in default.command()
    field = edit_job(build_parser().parse_args([*words, "--transfer", "field", "--mode", "both"]))
    assert (field.transfer, field.mode) == ("field", "both")
    assert "--transfer field" in field.command() and "--mode both" in field.command()
    assert edit_job(build_parser().parse_args(shlex.split(field.command())[1:])) == field


def test_project_writes_the_reconstruction_and_a_comparison(photo, tmp_path):
    code, out, err = igan("project", photo, "--out", tmp_path / "r.png", "--compare",
                          tmp_path / "c.png", *FAST)
    assert code == 0, err
    assert imaging.read_image(tmp_path / "r.png").shape == (64, 64, 3)
    assert imaging.read_image(tmp_path / "c.png").shape == (256, 512, 3)
    assert "projected scene.png (hybrid, 2 steps)" in out and "cpu" in out
    assert "VGG16" in out and "PSNR" in out


def test_edit_paints_the_sky_and_keeps_the_photo_size(photo, tmp_path):
    strokes = _strokes(tmp_path / "s.json", [SKY])
    code, out, err = igan("edit", photo, "--strokes", strokes, "--out", tmp_path / "e.png",
                          "--candidates", tmp_path / "k.png", "--frames", tmp_path / "f",
                          *FAST, *QUICK_EDIT)
    assert code == 0, err
    original, edited = imaging.read_image(photo), imaging.read_image(tmp_path / "e.png")
    assert edited.shape == original.shape
    assert not np.array_equal(edited, original)
    assert len(list((tmp_path / "f").glob("frame_*.png"))) == 3
    assert "1 strokes, 4 starts" in out and "transfer (guided, auto)" in out
    code, _, err = igan("edit", photo, "--strokes", strokes, "--out", tmp_path / "r.png",
                        "--realism", "1", "--path", "slerp", *FAST, *QUICK_EDIT)
    assert code == 0, err
    assert not np.array_equal(imaging.read_image(tmp_path / "r.png"), edited)


@pytest.mark.parametrize("content, needles", [
    ("{not json", ["s.json", "line 1"]),
    (json.dumps({"format": "igan-strokes/1", "photo_size": {"width": 160, "height": 120},
                 "items": []}), ["s.json", "no strokes"]),
    (json.dumps({"format": "igan-strokes/1", "photo_size": {"width": 160, "height": 120},
                 "items": [{**SKY, "points": [[500, 500], [600, 600]]}]}), ["s.json", "outside"]),
    (json.dumps({"format": "igan-strokes/1", "photo_size": {"width": 99, "height": 120},
                 "items": [SKY]}), ["s.json", "99×120"]),
])
def test_edit_rejects_bad_strokes_with_one_line(photo, tmp_path, content, needles):
    (tmp_path / "s.json").write_text(content)
    code, _, err = igan("edit", photo, "--strokes", tmp_path / "s.json", "--out",
                        tmp_path / "e.png", *FAST)
    assert_one_line_error(code, err, *needles)
    assert not (tmp_path / "e.png").exists()


def test_photos_too_small_or_corrupt_get_one_line(tmp_path):
    small = tmp_path / "small.png"
    imaging.write_image(small, np.zeros((40, 80, 3), np.uint8))
    code, _, err = igan("project", small, "--out", tmp_path / "r.png")
    assert_one_line_error(code, err, "small.png", "80×40", "smaller than the model")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, _, err = igan("project", broken, "--out", tmp_path / "r.png")
    assert_one_line_error(code, err, "broken.jpg")


def test_edit_with_layers_and_a_region(photo, tmp_path):
    layer = np.zeros((120, 160, 4), np.uint8)
    layer[5:25, 40:120] = (30, 60, 250, 255)
    imaging.write_image(tmp_path / "c.png", layer)
    code, _, err = igan("edit", photo, "--color-layer", tmp_path / "c.png", "--region",
                        "20,0,140,120", "--out", tmp_path / "e.png", *FAST, *QUICK_EDIT)
    assert code == 0, err
    original, edited = imaging.read_image(photo), imaging.read_image(tmp_path / "e.png")
    # The change carries on past the region's sides, fading (the transfer's spread), so there
    # is no step where the region ends: measured 0.1 there, up to 0.7 between other columns.
    steps = np.abs(np.diff(np.abs(edited.astype(int) - original).mean(axis=(0, 2))))
    assert steps[[19, 139]].max() <= np.delete(steps, [19, 139]).max()
    code, _, err = igan("edit", photo, "--color-layer", tmp_path / "c.png", "--region",
                        "20,0,140,120", "--spread", "0", "--out", tmp_path / "inside.png",
                        *FAST, *QUICK_EDIT)
    assert code == 0, err
    inside = imaging.read_image(tmp_path / "inside.png")
    np.testing.assert_array_equal(inside[:, :20], original[:, :20])  # only the region changes
    np.testing.assert_array_equal(inside[:, 140:], original[:, 140:])
    assert not np.array_equal(inside[:, 20:140], original[:, 20:140])
    code, _, err = igan("edit", photo, "--color-layer", tmp_path / "c.png", "--region",
                        "20,0,200,120", "--out", tmp_path / "e.png")
    assert_one_line_error(code, err, "not inside")


def test_project_and_edit_tune_the_generator_on_the_photo_when_asked(photo, tmp_path):
    code, out, err = igan("project", photo, "--out", tmp_path / "r.png", *FAST,
                          "--tune-steps", "20")
    assert code == 0, err
    before, after = (float(x) for x in re.findall(r"([\d.]+) dB", out)[:2])
    assert "after 20 tuning steps" in out and after > before
    strokes = _strokes(tmp_path / "s.json", [SKY])
    code, out, err = igan("edit", photo, "--strokes", strokes, "--out", tmp_path / "e.png",
                          "--candidates", tmp_path / "k.png", *FAST, *QUICK_EDIT,
                          "--tune-steps", "5")
    assert code == 0, err
    assert imaging.read_image(tmp_path / "e.png").shape == imaging.read_image(photo).shape
    with pytest.raises(SystemExit) as info:
        igan("project", photo, "--out", tmp_path / "r.png", "--tune-steps", "-1")
    assert info.value.code == 2
