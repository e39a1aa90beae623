"""The check the distributed tests share: two sets of weights alike, exactly or within the
tolerance of float sums taken in another order."""

from __future__ import annotations

import torch

# Two processes sum their gradients in another order than one process's micro-batches do.
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def assert_same(a: dict, b: dict, exact: bool = False) -> None:
    """Every tensor of `a` equals `b`'s of the same name (exactly, or within TOLERANCE)."""
    assert a.keys() == b.keys()
    for key, value in a.items():
        torch.testing.assert_close(value, b[key], **({"rtol": 0, "atol": 0} if exact
                                                      else TOLERANCE), msg=key)
