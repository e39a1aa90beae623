"""Device choice: explicit names, automatic choice, IGAN_DEVICE, clear errors."""

from __future__ import annotations

import pytest
import torch

from igan_app.device import DeviceError, describe, pick_device

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present here")


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("IGAN_DEVICE", raising=False)


def test_cpu():
    device = pick_device("cpu")
    assert device == torch.device("cpu")
    assert describe(device).startswith("cpu (")


@no_cuda
def test_auto_is_cpu_without_accelerators(monkeypatch):
    monkeypatch.setattr("igan_app.device._mps_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu")
    assert pick_device(None) == torch.device("cpu")


@no_cuda
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "CUDA"])
def test_cuda_without_cuda_raises(name):
    with pytest.raises(DeviceError, match="CUDA is not available"):
        pick_device(name)


def test_unknown_name_lists_choices():
    with pytest.raises(DeviceError) as info:
        pick_device("tpu")
    for choice in ("auto", "cpu", "cuda", "mps"):
        assert choice in str(info.value)


def test_env_var_is_honoured(monkeypatch):
    monkeypatch.setenv("IGAN_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv("IGAN_DEVICE", "tpu")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        pick_device()
    assert pick_device("cpu") == torch.device("cpu")  # an explicit request wins over the env


@no_cuda
def test_env_var_cuda_without_cuda_raises(monkeypatch):
    monkeypatch.setenv("IGAN_DEVICE", "cuda")
    with pytest.raises(DeviceError):
        pick_device()
