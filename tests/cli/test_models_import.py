"""`igan models import`: official generator files into the user models folder, where the
registry and the painter find them by name.

The files are made from the project's own networks built the way the official releases are
(spectral norm on, BatchNorm statistics; CycleGAN's plain instance norm), whose state dicts have
the official layout; tests/zoo/test_importers.py checks that layout against independent
re-creations of the official code.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from igan_app import cli
from igan_app.engine.paint import Painter
from igan_app.zoo.pix2pix import ResnetGenerator
from igan_app.zoo.registry import ModelRegistry
from igan_app.zoo.spade import SpadeModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    folder = tmp_path / "user-models"
    monkeypatch.setenv("IGAN_MODELS_DIR", str(folder))
    return folder


@pytest.fixture
def cyclegan_file(tmp_path):
    torch.manual_seed(0)
    state = ResnetGenerator(3, 3, ngf=4, n_blocks=2, norm="instance").state_dict()
    state["model.2.running_mean"] = torch.zeros(4)  # as PyTorch 0.3 saved InstanceNorm
    state["model.2.running_var"] = torch.ones(4)
    path = tmp_path / "horse2zebra.pth"
    torch.save({"module." + k: v for k, v in state.items()}, path)
    return path


@pytest.fixture
def coco_file(tmp_path):
    torch.manual_seed(0)
    model = SpadeModel(182, ngf=4, dont_care=True, instance_edge=True, hidden=8, spectral=True)
    model(model.one_hot(torch.randint(0, 182, (2, 32, 32))))  # a training step's power iteration
    path = tmp_path / "coco_latest_net_G.pth"
    torch.save(model.generator.state_dict(), path)
    return path


def _import(*args: str) -> int:
    return cli.main(["models", "import", *args])


def _one_error_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("igan: error: "), err
    for needle in needles:
        assert needle in lines[0], err


def test_import_cyclegan_then_find_and_paint_by_name(user_dir, cyclegan_file, capsys):
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "horse2zebra-tiny") == 0
    out = capsys.readouterr().out
    assert str(user_dir / "horse2zebra-tiny") in out
    assert "ResNet generator, 2 blocks" in out and "dropped 2 normalization statistics" in out

    registry = ModelRegistry()
    entry = registry.get("horse2zebra-tiny")
    assert (entry.source, entry.kind, entry.resolution) == ("user", "resnet-generator", (256, 256))
    assert entry.data == "imported from horse2zebra.pth (official cyclegan checkpoint)"
    painter = Painter.from_checkpoint(registry.load("horse2zebra-tiny"))
    assert painter.input == "image" and painter.palette is None
    picture = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert painter.render(picture).shape == (32, 32, 3)


def test_import_spade_coco_paints_world_labels(user_dir, coco_file, capsys):
    assert _import(str(coco_file), "--kind", "spade", "--name", "coco-tiny") == 0
    out = capsys.readouterr().out
    assert "SPADE generator for coco (from its 184 label channels)" in out
    painter = Painter.from_checkpoint(ModelRegistry().load("coco-tiny"))
    assert painter.input == "labels" and painter.palette.name == "coco"
    world = np.zeros((32, 32), np.uint8)
    world[16:] = 7  # grass under sky
    assert painter.render(world).shape == (32, 32, 3)


def test_existing_name_is_refused_unless_forced(user_dir, cyclegan_file, capsys):
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "h2z") == 0
    weights = user_dir / "h2z" / "weights.safetensors"
    before = weights.stat().st_mtime_ns
    capsys.readouterr()
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "h2z") == 2
    _one_error_line(capsys.readouterr().err, "already exists", "--force")
    assert weights.stat().st_mtime_ns == before
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "h2z", "--force") == 0
    assert "h2z" in ModelRegistry()


def test_out_folder(tmp_path, user_dir, cyclegan_file, capsys):
    out = tmp_path / "elsewhere"
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "m", "--out",
                   str(out)) == 0
    assert (out / "m" / "config.json").is_file() and not user_dir.exists()
    assert "m" in ModelRegistry(user_dir=out)


def test_errors_are_one_line_naming_the_file(tmp_path, user_dir, cyclegan_file, coco_file,
                                             capsys):
    assert _import(str(cyclegan_file), "--kind", "spade", "--name", "x") == 2
    _one_error_line(capsys.readouterr().err, str(cyclegan_file),
                    "not a SPADE generator (has model.1.weight")
    assert _import(str(coco_file), "--kind", "spade", "--dataset", "ade20k", "--name", "x") == 2
    _one_error_line(capsys.readouterr().err, str(coco_file), "184 label channels",
                    "ade20k SPADE takes 151")
    broken = tmp_path / "broken.pth"
    broken.write_bytes(cyclegan_file.read_bytes()[:300])
    assert _import(str(broken), "--kind", "cyclegan", "--name", "x") == 2
    _one_error_line(capsys.readouterr().err, str(broken), "truncated")
    assert _import(str(tmp_path / "nope.pth"), "--kind", "pix2pix", "--name", "x") == 2
    _one_error_line(capsys.readouterr().err, "nope.pth: no such file")
    assert _import(str(cyclegan_file), "--kind", "cyclegan", "--name", "a/b") == 2
    _one_error_line(capsys.readouterr().err, "invalid model name")
    assert not user_dir.exists() or not any(user_dir.iterdir())


def test_arguments_are_checked_by_argparse(cyclegan_file, capsys):
    with pytest.raises(SystemExit) as info:
        _import(str(cyclegan_file), "--kind", "stylegan", "--name", "x")
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _import(str(cyclegan_file), "--kind", "cyclegan")  # --name is required
