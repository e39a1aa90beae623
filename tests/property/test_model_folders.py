"""Model folders, damaged: each one loads (a rebuilt network) or fails with one CheckpointError
line naming the folder; the registry lists it or says why it skipped it, and never raises."""

from __future__ import annotations

import json
import shutil
import struct

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from property.fuzzing import fuzz, json_values, loads_or_one_line, mutated, wrong_values
from safetensors.torch import save_file
from tiny_models import save_manifold

from igan_app.zoo.checkpoint import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    CheckpointError,
    known_kinds,
    load_checkpoint,
)
from igan_app.zoo.registry import ModelRegistry

# Smaller than tiny_models' default, so that each example rebuilds in milliseconds.
ARGS = {"resolution": 32, "latent_dim": 4, "width": 2, "max_width": 4}


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, bytes]:
    """The files of a valid checkpoint folder, by name."""
    folder = save_manifold(tmp_path_factory.mktemp("valid") / "tiny", **ARGS)
    known_kinds()  # imports every network family now, not inside an example's deadline
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def check(tmp_path, files: dict[str, bytes]):
    root = tmp_path / "models"
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "tiny"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    torch.set_num_threads(1)
    loaded = loads_or_one_line(load_checkpoint, folder, CheckpointError)
    if loaded is not None:
        assert loaded.config.kind == json.loads(files[CONFIG_FILE])["kind"]
        assert not loaded.model.training
    registry = ModelRegistry([("user", root)])  # lists the folder, or says why not; no raise
    listed = "tiny" in registry
    problems = [reason for path, reason in registry.problems if path == folder]
    assert listed != bool(problems)
    assert all("\n" not in reason for reason in problems)
    if loaded is not None:
        assert listed
    return loaded


def test_the_valid_folder_loads(tmp_path, valid):
    assert check(tmp_path, valid) is not None


@fuzz(50)
@given(data=st.data())
def test_damaged_files(tmp_path, valid, data):
    name = data.draw(st.sampled_from(sorted(valid)), label="file")
    check(tmp_path, {**valid, name: data.draw(mutated(valid[name]), label="bytes")})


@fuzz(40)
@given(data=st.data())
def test_missing_files(tmp_path, valid, data):
    kept = data.draw(st.sets(st.sampled_from(sorted(valid))), label="kept")
    folder = check(tmp_path, {name: valid[name] for name in kept})
    assert folder is None or {CONFIG_FILE, WEIGHTS_FILE} <= kept


@fuzz(100)
@given(data=st.data())
def test_config_with_wrong_values(tmp_path, valid, data):
    config = json.loads(valid[CONFIG_FILE])
    changed = data.draw(wrong_values(config), label="config")
    check(tmp_path, {**valid, CONFIG_FILE: json.dumps(changed).encode("utf-8")})


KINDS = ["dcgan-manifold", "dcgan-generator", "world-segmenter", "vgg16-features",
         "unet-generator", "resnet-generator", "patch-discriminator", "spade", "nope"]


@fuzz(100)
@given(kind=st.sampled_from(KINDS),
       args=st.dictionaries(st.sampled_from(sorted({*ARGS, "channels", "num_labels", "ngf",
                                                    "n_blocks", "num_downs", "depth", "last",
                                                    "norm", "latent_size", "z_dim", "self"})),
                            json_values(max_leaves=3), max_size=4))
def test_config_of_other_kinds_and_args(tmp_path, valid, kind, args):
    config = {**json.loads(valid[CONFIG_FILE]), "kind": kind, "args": {**ARGS, **args}}
    check(tmp_path, {**valid, CONFIG_FILE: json.dumps(config).encode("utf-8")})


def split_safetensors(data: bytes) -> tuple[dict, bytes]:
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + length]), data[8 + length:]


def join_safetensors(header: object, body: bytes) -> bytes:
    text = json.dumps(header).encode("utf-8")
    return struct.pack("<Q", len(text)) + text + body


@fuzz(100)
@given(data=st.data())
def test_safetensors_headers_that_lie(tmp_path, valid, data):
    header, body = split_safetensors(valid[WEIGHTS_FILE])
    changed = data.draw(wrong_values(header), label="header")
    check(tmp_path, {**valid, WEIGHTS_FILE: join_safetensors(changed, body)})


@pytest.mark.parametrize("change", ["dtype", "shape", "huge offsets", "length"])
def test_specific_lies(tmp_path, valid, change):
    header, body = split_safetensors(valid[WEIGHTS_FILE])
    key = next(k for k in header if k != "__metadata__")
    if change == "dtype":
        header[key]["dtype"] = "F64"
    elif change == "shape":
        header[key]["shape"] = [2**40, 2**40]
    elif change == "huge offsets":
        header[key]["data_offsets"] = [0, 2**62]
    data = join_safetensors(header, body)
    if change == "length":
        data = struct.pack("<Q", 2**60) + data[8:]
    assert check(tmp_path, {**valid, WEIGHTS_FILE: data}) is None


@pytest.mark.parametrize(("args", "words"), [
    ({"resolution": 48}, "rejects the arguments"),  # a ValueError of the constructor
    ({"latent_dim": 10**6}, "args must hold numbers within"),  # gigabytes of weights
    ({"latent_dim": 4000}, "weights do not fit"),  # built without memory, then compared
    ({"width": 4.5}, "rejects the arguments"),
    ({"width": 8, "max_width": 2}, "rejects the arguments"),
])
def test_arguments_the_constructor_refuses(tmp_path, valid, args, words):
    config = {**json.loads(valid[CONFIG_FILE]), "args": {**ARGS, **args}}
    check(tmp_path, {**valid, CONFIG_FILE: json.dumps(config).encode("utf-8")})
    with pytest.raises(CheckpointError, match=words):
        load_checkpoint(tmp_path / "models" / "tiny")


def test_weights_of_another_kind_of_number(tmp_path, valid):
    folder = tmp_path / "models" / "tiny"
    check(tmp_path, valid)
    state = load_checkpoint(folder).model.state_dict()
    name = next(k for k, v in state.items() if v.is_floating_point())
    save_file({**state, name: state[name].to(torch.complex64)}, folder / WEIGHTS_FILE)
    with pytest.raises(CheckpointError, match=f"dtype mismatches.*{name}"):
        load_checkpoint(folder)


def config_text(valid: dict[str, bytes], case: str) -> str:
    config = json.loads(valid[CONFIG_FILE])
    if case == "nesting":
        return "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit
    if case == "digits":
        return json.dumps(config).replace('"test"', "1" * 5000)  # more than int() converts
    return json.dumps({**config, "value_range": [float(case), 1.0]})  # allow_nan: NaN, Infinity


@pytest.mark.parametrize("case", ["nesting", "digits", "nan", "-inf"])
def test_extreme_config_text(tmp_path, valid, case):
    assert check(tmp_path, {**valid, CONFIG_FILE: config_text(valid, case).encode()}) is None
