"""training/speed.py: the precision and compile switches of `igan train`."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from igan_app.training import speed
from igan_app.training.distributed import ALONE, unwrap, wrap

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def default_speed():
    yield
    speed.configure(speed.Speed())


@pytest.mark.parametrize(("precision", "dtype"), [("auto", torch.float32),
                                                  ("fp32", torch.float32),
                                                  ("bf16", torch.bfloat16)])
def test_the_precision_sets_the_autocast(precision, dtype):
    speed.configure(speed.Speed(precision))
    layer = nn.Linear(4, 4)
    with speed.autocast(CPU):
        assert layer(torch.ones(2, 4)).dtype == dtype


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="fp16"):
        speed.Speed("fp16")


def test_compile_wraps_the_network_and_keeps_its_parameters():
    network = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    assert wrap(network, ALONE, CPU) is network  # off by default: the network itself
    speed.configure(speed.Speed(compile=True))
    compiled = wrap(network, ALONE, CPU)
    assert compiled is not network and unwrap(compiled) is network
    assert [id(p) for p in compiled.parameters()] == [id(p) for p in network.parameters()]
