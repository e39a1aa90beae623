"""WorldScenes: scenes rendered on the fly as tensors, the same in every process."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from igan_app.world.dataset import HELD_OUT_SEED, WorldScenes, worker_init
from igan_app.world.palette import NUM_LABELS
from igan_app.world.render import render


def _as_render_output(image: torch.Tensor, labels: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    pixels = ((image.permute(1, 2, 0).numpy() + 1.0) * 127.5).round().astype(np.uint8)
    return pixels, labels.numpy().astype(np.uint8)


def test_items_are_normalized_tensors():
    data = WorldScenes(3, (48, 64))
    assert len(data) == 3
    image, labels = data[0]
    assert image.shape == (3, 48, 64) and image.dtype == torch.float32
    assert labels.shape == (48, 64) and labels.dtype == torch.int64
    assert image.min() >= -1.0 and image.max() <= 1.0
    assert image.min() < -0.5 and image.max() > 0.0  # the range is used, not squeezed
    assert 0 <= int(labels.min()) and int(labels.max()) < NUM_LABELS


@pytest.mark.parametrize("first_seed", [0, 17])
def test_item_i_is_scene_first_seed_plus_i(first_seed):
    data = WorldScenes(4, 32, first_seed=first_seed)
    for i in (0, 3):
        image, labels = _as_render_output(*data[i])
        expected_image, expected_labels = render(first_seed + i, 32)
        np.testing.assert_array_equal(image, expected_image)
        np.testing.assert_array_equal(labels, expected_labels)


def test_items_are_the_same_every_time():
    data = WorldScenes(2, 32)
    first = data[1]
    again = data[1]
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])


def test_held_out_scenes_are_not_training_scenes():
    held = WorldScenes.held_out(3, 32)
    assert held.first_seed == HELD_OUT_SEED and len(held) == 3
    image, labels = _as_render_output(*held[0])
    np.testing.assert_array_equal(image, render(HELD_OUT_SEED, 32)[0])
    np.testing.assert_array_equal(labels, render(HELD_OUT_SEED, 32)[1])
    training = WorldScenes(3, 32)
    for i in range(3):
        assert not torch.equal(held[i][0], training[i][0])


@pytest.mark.parametrize("index", [-1, 5, 100])
def test_index_out_of_range(index):
    data = WorldScenes(5, 32)
    with pytest.raises(IndexError):
        data[index]


def test_iteration_stops_at_the_end():
    # Python's fallback iteration (no __iter__) ends on the IndexError.
    assert sum(1 for _ in WorldScenes(3, 32)) == 3


@pytest.mark.parametrize("length, size", [(0, 32), (-2, 32), (4, 20), (4, (32, 2000))])
def test_bad_length_or_size(length, size):
    with pytest.raises(ValueError):
        WorldScenes(length, size)


def test_worker_processes_give_the_same_batches():
    data = WorldScenes(10, 32, first_seed=5)
    single = list(DataLoader(data, batch_size=4, num_workers=0))
    parallel = list(DataLoader(data, batch_size=4, num_workers=2, worker_init_fn=worker_init))
    assert [len(batch[0]) for batch in parallel] == [4, 4, 2]
    assert len(single) == len(parallel)
    for (images_a, labels_a), (images_b, labels_b) in zip(single, parallel, strict=True):
        assert images_b.shape[1:] == (3, 32, 32) and labels_b.dtype == torch.int64
        assert torch.equal(images_a, images_b)
        assert torch.equal(labels_a, labels_b)


@pytest.mark.parametrize("first_seed", [-1, HELD_OUT_SEED - 5])
def test_training_seeds_cannot_be_negative_or_reach_held_out(first_seed):
    with pytest.raises(ValueError, match="seed"):
        WorldScenes(10, 32, first_seed=first_seed)
