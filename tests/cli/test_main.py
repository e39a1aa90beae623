"""The `igan` command, in-process through cli.main and, for a few cases, as a real process."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest

import igan_app
from igan_app import cli, imaging
from igan_app.world.palette import colorize, load_labels
from igan_app.world.render import render
from igan_app.zoo import registry


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "igan_app", *args], check=False,
                          capture_output=True, text=True, timeout=120)


def _assert_one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines, "nothing on stderr"
    # argparse prints its usage first; the error itself is the last line, and only one.
    errors = [line for line in lines if "error" in line]
    assert errors == [lines[-1]], stderr
    for needle in needles:
        assert needle in lines[-1], stderr


# --- version and help -------------------------------------------------------------------------

def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert igan_app.__version__ in capsys.readouterr().out


def test_version_as_a_process():
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(igan_app.__version__)


def test_help_as_a_process():
    result = _run("--help")
    assert result.returncode == 0, result.stderr
    for command in ("world", "models", "doctor", "--device"):
        assert command in result.stdout


TRAINERS = ("manifold", "style-manifold", "encoder", "segmenter", "features", "spade",
            "pix2pix")


def test_every_trainer_is_named_in_the_help(capsys):
    assert cli.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:1] == ["train"])
    # argparse wraps a long summary onto lines indented deeper than the command names
    summary = " ".join([lines[at], *itertools.takewhile(lambda line: line.startswith(" " * 6),
                                                        lines[at + 1:])])
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    train_help = capsys.readouterr().out
    for trainer in TRAINERS:
        assert re.search(rf"\b{trainer}\b", summary), summary
        assert re.search(rf"^\s+{trainer}\s", train_help, re.MULTILINE), trainer
    description = train_help.split("options:")[0]
    assert all(trainer in description for trainer in TRAINERS), description


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "world" in capsys.readouterr().out


def test_parser_and_help_do_not_import_heavy_modules():
    code = (
        "import sys; from igan_app.cli import main, build_parser; build_parser().format_help(); "
        "heavy = [m for m in ('torch', 'cv2', 'PySide6') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- world sample -----------------------------------------------------------------------------

def test_world_sample_writes_a_grid(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert cli.main(["world", "sample", "--n", "4", "--size", "32", "--seed", "3",
                     "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    grid = imaging.read_image(out)
    assert grid.shape == (66, 66, 3)  # 2x2 tiles of 32 px, 2 px apart
    np.testing.assert_array_equal(grid[:32, :32], render(3, 32)[0])
    np.testing.assert_array_equal(grid[:32, 34:], render(4, 32)[0])
    np.testing.assert_array_equal(grid[34:, 34:], render(6, 32)[0])


def test_world_sample_with_labels_and_columns(tmp_path):
    out = tmp_path / "grid.png"
    assert cli.main(["world", "sample", "--n", "3", "--size", "32x48", "--seed", "5",
                     "--cols", "3", "--labels", "--out", str(out)]) == 0
    grid = imaging.read_image(out)
    assert grid.shape == (32, 3 * 96 + 2 * 2, 3)  # one row of three 32x(48+48) tiles
    image, labels = render(7, (32, 48))
    tile = grid[:, 2 * 98:2 * 98 + 96]
    np.testing.assert_array_equal(tile[:, :48], image)
    np.testing.assert_array_equal(tile[:, 48:], colorize(labels))


@pytest.mark.parametrize("args, needle", [
    (["--size", "20"], "--size"),
    (["--size", "64x"], "--size"),
    (["--n", "0"], "--n"),
    (["--seed", "-1"], "--seed"),
    (["--n", "four"], "--n"),
])
def test_world_sample_bad_arguments(tmp_path, capsys, args, needle):
    out = tmp_path / "grid.png"
    with pytest.raises(SystemExit) as info:
        cli.main(["world", "sample", *args, "--out", str(out)])
    assert info.value.code != 0
    _assert_one_line_error(capsys.readouterr().err, needle)
    assert not out.exists()


def test_world_sample_bad_output_suffix(tmp_path, capsys):
    out = tmp_path / "grid.txt"
    assert cli.main(["world", "sample", "--n", "1", "--size", "32", "--out", str(out)]) != 0
    _assert_one_line_error(capsys.readouterr().err, str(out))
    assert list(tmp_path.iterdir()) == []


def test_errors_as_a_process_are_one_line(tmp_path):
    result = _run("world", "sample", "--n", "1", "--size", "32", "--out", str(tmp_path / "g.txt"))
    assert result.returncode != 0
    _assert_one_line_error(result.stderr, "g.txt")
    result = _run("world", "sample", "--size", "1025", "--out", str(tmp_path / "g.png"))
    assert result.returncode != 0
    _assert_one_line_error(result.stderr, "--size")
    assert list(tmp_path.iterdir()) == []


# --- world export -----------------------------------------------------------------------------

def test_world_export_writes_pairs(tmp_path, capsys):
    out = tmp_path / "scenes"
    assert cli.main(["world", "export", "--n", "3", "--size", "32", "--seed", "9",
                     "--out", str(out)]) == 0
    assert "3" in capsys.readouterr().out
    names = [f"{i:06d}.png" for i in range(3)]
    assert sorted(p.name for p in (out / "images").iterdir()) == names
    assert sorted(p.name for p in (out / "labels").iterdir()) == names
    image, labels = render(11, 32)
    np.testing.assert_array_equal(imaging.read_image(out / "images" / names[2]), image)
    np.testing.assert_array_equal(load_labels(out / "labels" / names[2]), labels)


def test_world_export_as_a_process(tmp_path):
    result = _run("world", "export", "--n", "3", "--size", "32", "--workers", "1",
                  "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "images").glob("*.png"))) == 3
    assert len(list((tmp_path / "labels").glob("*.png"))) == 3


# --- models and doctor ------------------------------------------------------------------------

def test_models_list_with_no_models(tmp_path, monkeypatch, capsys):
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    shipped.mkdir()
    user.mkdir()
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: shipped)
    monkeypatch.setenv(registry.ENV_VAR, str(user))
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "No models were found" in out
    assert str(user) in out and str(shipped) in out


def test_doctor_read_only_in_part_stops_quietly():
    # as `igan doctor | head -1` does: the reader leaves while the report is still coming
    with subprocess.Popen([sys.executable, "-m", "igan_app", "--device", "cpu", "doctor"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().startswith("iGAN Studio:")
        process.stdout.close()
        stderr = process.stderr.read()
        assert process.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "error" not in stderr.lower(), stderr


def test_doctor(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(registry.ENV_VAR, str(tmp_path))
    assert cli.main(["--device", "cpu", "doctor"]) == 0
    out = capsys.readouterr().out
    assert "torch" in out
    device_line = next(line for line in out.splitlines() if line.startswith("device"))
    assert "cpu" in device_line
