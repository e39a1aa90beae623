"""The model registry: scanning shipped and user folders, overrides, problems, the table."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from torch import nn

import igan_app
from igan_app.zoo.checkpoint import CheckpointError, registered_architecture, save_checkpoint
from igan_app.zoo.registry import (
    ModelRegistry,
    UnknownModelError,
    format_models_table,
    human_size,
    shipped_models_dir,
    user_models_dir,
)

KIND = "test_registry_tiny"


class Tiny(nn.Module):
    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.fc = nn.Linear(width, 1)


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """A shipped folder and a user folder (through IGAN_MODELS_DIR) with models and problems."""
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    monkeypatch.setenv("IGAN_MODELS_DIR", str(user))
    with registered_architecture(KIND, Tiny):
        def put(root: Path, name: str, width: int, resolution) -> None:
            save_checkpoint(root / name, Tiny(width), kind=KIND, args={"width": width},
                            resolution=resolution, data="test", card=f"# {name}\n")

        put(shipped, "alpha", 4, 64)
        put(shipped, "shared", 4, 64)
        put(user, "beta", 8, (32, 48))
        put(user, "shared", 2, 16)
        (user / "broken").mkdir()
        (user / "broken" / "config.json").write_text("{oops")
        (user / "empty").mkdir()
        put(user, "noweights", 2, 16)
        (user / "noweights" / "weights.safetensors").unlink()
        (user / ".beta.tmp-1234").mkdir()  # leftover of an interrupted save: ignored
        (user / "README.txt").write_text("not a model")
        yield shipped, user


def test_scan_finds_models_and_user_overrides_shipped(dirs):
    shipped, user = dirs
    registry = ModelRegistry(shipped_dir=shipped)
    assert registry.names() == ["alpha", "beta", "shared"]
    assert [e.name for e in registry.entries()] == registry.names()
    assert "beta" in registry and len(registry) == 3
    alpha, beta, shared = registry.entries()
    assert (alpha.source, alpha.path, alpha.kind, alpha.resolution) == (
        "shipped", shipped / "alpha", KIND, (64, 64))
    assert (beta.source, beta.resolution) == ("user", (32, 48))
    assert (shared.source, shared.path) == ("user", user / "shared")
    assert [(e.source, e.path) for e in registry.shadowed] == [("shipped", shipped / "shared")]


def test_sizes_and_sha256(dirs):
    shipped, _ = dirs
    registry = ModelRegistry(shipped_dir=shipped)
    for entry in registry.entries():
        files = [entry.path / n for n in ("config.json", "weights.safetensors", "card.md")]
        assert entry.size_bytes == sum(os.path.getsize(f) for f in files)
        expected = hashlib.sha256((entry.path / "weights.safetensors").read_bytes()).hexdigest()
        assert entry.sha256() == expected
        assert entry.sha256() == expected  # cached


def test_problem_folders_are_reported(dirs):
    shipped, user = dirs
    problems = dict(ModelRegistry(shipped_dir=shipped).problems)
    assert set(problems) == {user / "broken", user / "empty", user / "noweights"}
    assert "not valid JSON" in problems[user / "broken"]
    assert "config.json is missing" in problems[user / "empty"]
    assert "weights.safetensors is missing" in problems[user / "noweights"]


def test_unknown_name_lists_known_names(dirs):
    shipped, _ = dirs
    with pytest.raises(UnknownModelError) as info:
        ModelRegistry(shipped_dir=shipped).get("gamma")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "unknown model 'gamma'; known models: alpha, beta, shared"


def test_unknown_name_without_models_says_where_it_looked(tmp_path):
    registry = ModelRegistry([("shipped", tmp_path / "a"), ("user", tmp_path / "b")])
    with pytest.raises(UnknownModelError, match="no models are installed") as info:
        registry.get("x")
    assert str(tmp_path / "a") in str(info.value) and str(tmp_path / "b") in str(info.value)
    table = format_models_table(registry)
    assert "No models were found" in table
    assert str(tmp_path / "a") in table and str(tmp_path / "b") in table


def test_table_lists_each_model(dirs):
    shipped, user = dirs
    registry = ModelRegistry(shipped_dir=shipped)
    table = format_models_table(registry)
    lines = table.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "RESOLUTION", "SIZE", "LOCATION"]
    for entry, line in zip(registry.entries(), lines[1:4], strict=True):
        assert line.split()[:2] == [entry.name, KIND]
        assert human_size(entry.size_bytes) in line and str(entry.path) in line
    assert "64x64" in lines[1] and "48x32" in lines[2] and "16x16" in lines[3]
    assert f"skipped {user / 'broken'}: " in table
    assert "overrides" in table and str(shipped / "shared") in table


def test_load_through_the_registry(dirs):
    shipped, _ = dirs
    registry = ModelRegistry(shipped_dir=shipped)
    with registered_architecture(KIND, Tiny):
        loaded = registry.load("beta", device="cpu", expected_kind=KIND)
        assert loaded.model.conv.out_channels == 8 and not loaded.model.training
        with pytest.raises(CheckpointError, match="expected dcgan_generator"):
            registry.load("beta", expected_kind="dcgan_generator")


def test_human_size():
    assert human_size(512) == "512 B"
    assert human_size(12_345_678) == "12.3 MB"
    assert human_size(1_500) == "1.5 kB"
    assert human_size(2_000_000_000) == "2.0 GB"


def test_user_models_dir_per_platform(monkeypatch, tmp_path):
    monkeypatch.setenv("IGAN_MODELS_DIR", str(tmp_path / "mine"))
    assert user_models_dir() == tmp_path / "mine"
    monkeypatch.delenv("IGAN_MODELS_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_models_dir() == tmp_path / "xdg" / "igan-studio" / "models"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert user_models_dir() == tmp_path / ".local" / "share" / "igan-studio" / "models"
    monkeypatch.setattr(sys, "platform", "darwin")
    mac = tmp_path / "Library" / "Application Support"
    assert user_models_dir() == mac / "igan-studio" / "models"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert user_models_dir() == tmp_path / "Roaming" / "igan-studio" / "models"


def test_shipped_models_dir_is_the_repository_models_folder():
    assert shipped_models_dir() == Path(igan_app.__file__).resolve().parent.parent / "models"


def test_registry_import_does_not_import_torch():
    code = ("import sys, igan_app.zoo.registry; "
            "print(json.dumps(sorted(m for m in ('torch', 'safetensors', 'PySide6') "
            "if m in sys.modules)))")
    root = Path(igan_app.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", "import json; " + code], env=env,
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
