"""Torch datasets that render world scenes on the fly: no data set is stored or downloaded."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from igan_app.world.render import parse_size, render

# Seeds of held-out scenes start here; training seeds count up from 0 and never reach it.
HELD_OUT_SEED = 1_000_000_000


class WorldScenes(Dataset):
    """Scenes with seeds first_seed .. first_seed + length - 1.

    Item i is (image, labels): a float32 (3, H, W) tensor in [-1, 1] and an int64 (H, W) tensor of
    label ids. Rendering is deterministic, so every epoch and every worker sees the same scenes.
    """

    def __init__(self, length: int, size: int | tuple[int, int] = 64, *, first_seed: int = 0):
        if length <= 0:
            raise ValueError(f"length must be positive, got {length}")
        if first_seed < 0:
            raise ValueError(f"first_seed must be non-negative, got {first_seed}")
        if first_seed < HELD_OUT_SEED < first_seed + length:
            raise ValueError(f"seeds {first_seed}..{first_seed + length - 1} would run into the "
                             f"held-out scenes, which start at {HELD_OUT_SEED}")
        self.length = length
        self.size = parse_size(size)
        self.first_seed = first_seed

    @classmethod
    def held_out(cls, length: int, size: int | tuple[int, int] = 64) -> WorldScenes:
        """Scenes no training run sees: for metrics."""
        return cls(length, size, first_seed=HELD_OUT_SEED)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not 0 <= index < self.length:
            raise IndexError(f"scene index {index} out of range for {self.length} scenes")
        image, labels = render(self.first_seed + index, self.size)
        x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()
        return x.div_(127.5).sub_(1.0), torch.from_numpy(labels.astype(np.int64))


def worker_init(_worker_id: int) -> None:
    """For DataLoader(worker_init_fn=...): one thread per worker, since workers already fill the cores."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
