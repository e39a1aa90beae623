"""`igan doctor`'s report: versions, the device line, VGG16 weights, the models folder."""

from __future__ import annotations

import re
import subprocess
import sys

import torch
import torch.hub
import torchvision

from igan_app import __version__, doctor
from igan_app.zoo.registry import ModelRegistry
from igan_app.zoo.vgg import IMAGENET_FILE


def test_vgg16_file_name_is_torchvision_s():
    url = torchvision.models.VGG16_Weights.IMAGENET1K_V1.url
    assert url.rsplit("/", 1)[-1] == IMAGENET_FILE


def test_vgg16_weights_found_only_when_present(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path))
    assert doctor.vgg16_weights_path() is None
    assert "not found: the project's own feature weights will be used" in doctor.report("cpu")

    fake = tmp_path / "checkpoints" / IMAGENET_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"not really weights")
    assert doctor.vgg16_weights_path() == fake
    assert f"VGG16 ImageNet weights: {fake}" in doctor.report("cpu")


def test_report_lists_versions_device_and_models(tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_MODELS_DIR", str(tmp_path / "models"))
    text = doctor.report("cpu")
    lines = text.splitlines()
    assert lines[0].split() == ["iGAN", "Studio:", __version__]
    assert any(line.startswith("torch:") and line.endswith(torch.__version__) for line in lines)
    for label in ("torchvision", "numpy", "opencv", "PySide6", "Pillow", "safetensors", "CUDA"):
        assert any(line.startswith(f"{label}:") for line in lines), label
    device_line = next(line for line in lines if line.startswith("device:"))
    assert "cpu" in device_line
    assert f"user models folder: {tmp_path / 'models'}".replace(" ", "") in text.replace(" ", "")
    assert "models:" in lines
    section = text.split("models:\n", 1)[1]
    names = ModelRegistry().names()
    if names:  # the shipped models, since the user folder is empty
        assert all(name in section for name in names)
    else:
        assert str(tmp_path / "models") in section
    # values line up in one column
    keyed = [line.split(":", 1) for line in lines if not line.startswith(" ") and line != "models:"]
    assert len({len(key) + 1 + len(rest) - len(rest.lstrip()) for key, rest in keyed}) == 1


def test_unavailable_device_becomes_a_line(monkeypatch):
    text = doctor.report("tpu")
    device_line = next(line for line in text.splitlines() if line.startswith("device:"))
    assert "unavailable" in device_line and "unknown device 'tpu'" in device_line


def test_missing_library_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(doctor, "LIBRARIES", (*doctor.LIBRARIES, ("nothing", "no_such_module_x")))
    assert any(line.startswith("nothing:") and line.endswith("not installed")
               for line in doctor.report("cpu").splitlines())


def test_doctor_says_it_is_loading_pytorch_before_the_pause():
    # -X importtime writes a line to stderr as each module is imported; with stdout on the same
    # pipe, the order of the lines is the order in which things happened
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "igan_app", "--device",
                             "cpu", "doctor"], check=False, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    lines = result.stdout.splitlines()

    def first(pattern: str) -> int:
        found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
        assert found, (pattern, result.stdout[-2000:])
        return found[0]

    assert first(r"^iGAN Studio:") < first("loading PyTorch") < first(r"\|\s+torch(\.|$)")
    assert first(r"\|\s+torch(\.|$)") < first(r"^torch:") < first(r"^models:")
    report = [line for line in lines if not line.startswith("import time:")]
    assert report[0].split() == ["iGAN", "Studio:", __version__]
    assert len([line for line in report if "loading" in line]) == 1


def test_report_lines_stream_and_say_what_they_load(monkeypatch):
    said: list[str] = []
    lines = doctor.report_lines("cpu", say=said.append)
    assert next(lines).startswith("iGAN Studio:") and said == []
    rest = list(lines)
    assert len(said) == 1 and "loading PyTorch" in said[0]
    assert "\n".join(["iGAN Studio: " + __version__, *rest]).replace(" ", "") == \
        doctor.report("cpu").replace(" ", "")
