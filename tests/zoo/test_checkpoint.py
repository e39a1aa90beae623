"""Checkpoint folders: round trips, float16 storage, strict loading, damaged files, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import safetensors.torch
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from igan_app.zoo import checkpoint as ckpt
from igan_app.zoo.checkpoint import (
    ARCHITECTURES,
    CheckpointError,
    load_checkpoint,
    read_config,
    register_architecture,
    registered_architecture,
    save_checkpoint,
)

KIND = "test_tiny"


class Tiny(nn.Module):
    """Conv + BatchNorm (float and int64 buffers) + Linear."""

    def __init__(self, channels: int = 3, hidden: int = 4, out_features: int = 2) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, hidden, 3, padding=1)
        self.norm = nn.BatchNorm2d(hidden)
        self.fc = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.norm(self.conv(x))).mean(dim=(2, 3)))


class Other(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(*[nn.Linear(2, 2) for _ in range(12)])


@pytest.fixture
def tiny_kind():
    with registered_architecture(KIND, Tiny):
        yield KIND
    assert KIND not in ARCHITECTURES


def make_model(seed: int = 0, **args) -> Tiny:
    torch.manual_seed(seed)
    model = Tiny(**args)
    model.norm.running_mean.uniform_(-0.5, 0.5)  # so that buffers are really round-tripped
    model.norm.num_batches_tracked.fill_(7)
    return model.eval()


def save(folder: Path, model: nn.Module, **overrides) -> Path:
    kwargs = {"kind": KIND, "resolution": (32, 48), "data": "random test tensors",
              "card": "# Tiny\n",
              "args": {"hidden": model.fc.in_features, "out_features": model.fc.out_features}}
    kwargs.update(overrides)
    return save_checkpoint(folder, model, **kwargs)


def edit_config(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


def test_round_trip_gives_identical_outputs(tmp_path, tiny_kind):
    model = make_model()
    folder = save(tmp_path / "tiny", model, meta={"seed": 3})
    assert sorted(p.name for p in folder.iterdir()) == ["card.md", "config.json",
                                                        "weights.safetensors"]
    config = json.loads((folder / "config.json").read_text())
    assert config["format"] == "igan-studio/1" and config["kind"] == KIND
    assert config["resolution"] == [32, 48] and config["value_range"] == [-1.0, 1.0]
    assert config["dtype"] == "float32" and config["meta"] == {"seed": 3}

    loaded = load_checkpoint(folder, expected_kind=KIND)
    assert isinstance(loaded.model, Tiny) and not loaded.model.training
    assert loaded.path == folder and loaded.card() == "# Tiny\n"
    assert loaded.config.resolution == (32, 48) and loaded.config.meta == {"seed": 3}
    assert loaded.model.norm.num_batches_tracked.item() == 7
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), model(x))


def test_float16_storage_halves_the_file_and_stays_close(tmp_path, tiny_kind):
    model = make_model(hidden=64, out_features=256)
    full = save(tmp_path / "full", model)
    half = save(tmp_path / "half", model, dtype="float16")
    size = {f: (f / "weights.safetensors").stat().st_size for f in (full, half)}
    ratio = size[half] / size[full]
    assert 0.45 < ratio < 0.55
    assert load_file(half / "weights.safetensors")["fc.weight"].dtype == torch.float16
    assert load_file(half / "weights.safetensors")["norm.num_batches_tracked"].dtype == torch.int64

    loaded = load_checkpoint(half)
    assert loaded.model.fc.weight.dtype == torch.float32
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x), model(x), atol=2e-3, rtol=2e-3)


def test_load_with_dtype_and_int_resolution(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model(), resolution=64)
    loaded = load_checkpoint(folder, dtype=torch.float64, expected_kind=("x", KIND))
    assert loaded.config.resolution == (64, 64)
    assert loaded.model.fc.weight.dtype == torch.float64
    assert loaded.model.norm.num_batches_tracked.dtype == torch.int64


def test_strict_error_names_missing_unexpected_and_shapes(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    weights = folder / "weights.safetensors"
    state = load_file(weights)
    del state["fc.bias"]
    state["extra.weight"] = torch.zeros(3)
    state["conv.weight"] = torch.zeros(5, 3, 3, 3)
    save_file(state, weights)

    with pytest.raises(CheckpointError) as info:
        load_checkpoint(folder)
    message = str(info.value)
    assert str(folder) in message
    assert "missing keys (1)" in message and "fc.bias" in message
    assert "unexpected keys (1)" in message and "extra.weight" in message
    assert "conv.weight: checkpoint [5, 3, 3, 3] vs model [4, 3, 3, 3]" in message


def test_strict_error_lists_at_most_ten(tmp_path):
    with registered_architecture("test_other", Other):
        folder = save_checkpoint(tmp_path / "other", Other(), kind="test_other", args={},
                                 resolution=8, data="none", card="")
        save_file({"unrelated": torch.zeros(1)}, folder / "weights.safetensors")
        with pytest.raises(CheckpointError, match=r"missing keys \(24\)") as info:
            load_checkpoint(folder)
    assert "… and 14 more" in str(info.value)
    assert str(info.value).count("layers.") == 10


def test_damaged_weights_file_names_the_file(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    weights = folder / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="damaged") as info:
        load_checkpoint(folder)
    assert str(weights) in str(info.value)


def test_missing_weights_file(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    (folder / "weights.safetensors").unlink()
    with pytest.raises(CheckpointError, match="weights.safetensors is missing"):
        load_checkpoint(folder)


def test_wrong_expected_kind(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    with pytest.raises(CheckpointError, match=f"is a {KIND}, expected dcgan_generator"):
        load_checkpoint(folder, expected_kind="dcgan_generator")
    with pytest.raises(CheckpointError, match="expected one of a, b"):
        load_checkpoint(folder, expected_kind=("a", "b"))


def test_unknown_kind_lists_known_kinds_sorted(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    edit_config(folder, kind="nope")
    with (registered_architecture("aaa_test", Other),
          pytest.raises(CheckpointError, match="unknown architecture kind 'nope'") as info):
        load_checkpoint(folder)
    assert f"known kinds: {', '.join(sorted([*ARCHITECTURES, 'aaa_test']))}" in str(info.value)
    assert "aaa_test" not in ARCHITECTURES


def test_constructor_rejecting_args(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    edit_config(folder, args={"hidden": 4, "bogus": 1})
    with pytest.raises(CheckpointError, match="rejects the arguments") as info:
        load_checkpoint(folder)
    assert "bogus" in str(info.value) and str(folder) in str(info.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: (f / "config.json").unlink(), "config.json is missing"),
        (lambda f: (f / "config.json").write_text("{not json"), "not valid JSON"),
        (lambda f: (f / "config.json").write_text("[1, 2]"), "must hold a JSON object"),
        (lambda f: edit_config(f, format="other/9"), "has format 'other/9'"),
        (lambda f: edit_config(f, dtype="int8"), "dtype must be one of"),
        (lambda f: edit_config(f, resolution=[0, 3]), "resolution must be"),
        (lambda f: edit_config(f, value_range="0..1"), "value_range must be"),
    ],
)
def test_config_problems(tmp_path, tiny_kind, change, expected):
    folder = save(tmp_path / "tiny", make_model())
    change(folder)
    with pytest.raises(CheckpointError, match=expected) as info:
        read_config(folder)
    assert str(folder) in str(info.value)
    with pytest.raises(CheckpointError, match=expected):
        load_checkpoint(folder)


def test_missing_fields_and_folder(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model())
    config = json.loads((folder / "config.json").read_text())
    del config["data"], config["kind"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="lacks required field.*kind, data"):
        read_config(folder)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "absent")


def test_extra_config_keys_are_kept(tmp_path, tiny_kind):
    folder = save(tmp_path / "tiny", make_model(), meta={"seed": 1})
    edit_config(folder, trained_on="a laptop")
    assert load_checkpoint(folder).config.meta == {"seed": 1, "trained_on": "a laptop"}


def test_atomic_save_keeps_existing_folder_when_writing_fails(tmp_path, tiny_kind, monkeypatch):
    folder = save(tmp_path / "tiny", make_model(seed=0))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save(tmp_path / "tiny", make_model(seed=1), card="# new\n")
    with pytest.raises(OSError, match="disk full"):
        save(tmp_path / "fresh", make_model(seed=1))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["tiny"]


def test_save_replaces_existing_folder(tmp_path, tiny_kind):
    save(tmp_path / "tiny", make_model(seed=0), card="old")
    (tmp_path / "tiny" / "stale.txt").write_text("left from before")
    new = make_model(seed=1)
    save(tmp_path / "tiny", new, card="new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]
    assert not (tmp_path / "tiny" / "stale.txt").exists()
    loaded = load_checkpoint(tmp_path / "tiny")
    assert loaded.card() == "new"
    assert torch.equal(loaded.model.conv.weight, new.conv.weight)


def test_save_refuses_a_model_of_another_kind(tmp_path, tiny_kind):
    with pytest.raises(CheckpointError, match="rebuilds a Tiny"):
        save_checkpoint(tmp_path / "x", Other(), kind=KIND, args={}, resolution=8, data="",
                        card="")
    assert not (tmp_path / "x").exists()


def test_register_architecture_decorator_refuses_a_second_class():
    try:
        @register_architecture("test_decorated")
        class First(nn.Module):
            pass

        assert ARCHITECTURES["test_decorated"] is First
        assert register_architecture("test_decorated")(First) is First  # re-import is fine
        with pytest.raises(ValueError, match="already registered"):
            register_architecture("test_decorated")(Other)
    finally:
        ARCHITECTURES.pop("test_decorated", None)


def test_error_is_a_value_error_and_pickles():
    import pickle

    err = CheckpointError("/x/y", "something is wrong")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err) == "checkpoint /x/y: something is wrong"
    assert ckpt.describe_mismatch({"a": torch.zeros(1)}, {"a": torch.ones(1)}) == ""


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encode = nn.Linear(3, 3, bias=False)
        self.decode = nn.Linear(3, 3, bias=False)
        self.decode.weight = self.encode.weight


def test_tied_weights_can_be_saved(tmp_path):
    with registered_architecture("test_tied", Tied):
        model = Tied()
        save_checkpoint(tmp_path / "tied", model, kind="test_tied", args={}, resolution=4,
                        data="", card="")
        loaded = load_checkpoint(tmp_path / "tied").model
    assert torch.equal(loaded.decode.weight, model.encode.weight)
