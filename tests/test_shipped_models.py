"""Each checkpoint in models/ loads through the registry and does its job on one real input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from igan_app import imaging
from igan_app.engine.losses import feature_distance, psnr
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.render import render
from igan_app.zoo.registry import ModelRegistry, shipped_models_dir

SHIPPED = {"landscape64": "dcgan-manifold", "world-segmenter64": "world-segmenter",
           "vgg16-world": "vgg16-features"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    # An empty user folder, so these tests see the shipped files and nothing a user installed.
    mp = pytest.MonkeyPatch()
    mp.setenv("IGAN_MODELS_DIR", str(tmp_path_factory.mktemp("user-models")))
    yield ModelRegistry()
    mp.undo()


def scenes(n: int, size: int = 64) -> tuple[torch.Tensor, np.ndarray]:
    rendered = [render(HELD_OUT_SEED + 7 * i, size) for i in range(n)]
    x = imaging.to_tensor(np.stack([image for image, _ in rendered]))
    return x, np.stack([labels for _, labels in rendered])


def test_every_shipped_model_is_listed_and_none_has_problems(registry):
    shipped = {entry.name: entry.kind for entry in registry.entries()
               if entry.path.parent == shipped_models_dir()}
    assert shipped == SHIPPED
    assert not registry.problems


def test_shipped_models_fit_the_size_budget():
    total = sum(f.stat().st_size for f in shipped_models_dir().rglob("*") if f.is_file())
    assert total < 150 * 2**20


@torch.no_grad()
def test_landscape64_generates_varied_images_and_its_encoder_inverts_them(registry):
    manifold = registry.load("landscape64", expected_kind="dcgan-manifold").model
    z = manifold.sample_latent(8, torch.Generator().manual_seed(0))
    images = manifold.generator(z)
    assert images.shape == (8, 3, 64, 64)
    assert images.min() >= -1 and images.max() <= 1
    assert images.std(0).mean() > 0.1  # different latents give different scenes
    # The trained encoder puts a generated image back close to itself, far closer than to
    # another sample.
    back = manifold.generator(manifold.encoder(images))
    assert psnr(back, images).mean() > psnr(images.roll(1, 0), images).mean() + 5


@torch.no_grad()
def test_world_segmenter64_labels_held_out_scenes(registry):
    segmenter = registry.load("world-segmenter64", expected_kind="world-segmenter").model
    x, labels = scenes(8)
    predicted = segmenter(x).argmax(1).numpy()
    assert (predicted == labels).mean() > 0.9


@torch.no_grad()
def test_vgg16_world_features_tell_a_scene_from_another(registry):
    features = registry.load("vgg16-world", expected_kind="vgg16-features").model
    x, _ = scenes(4)
    shifted = torch.roll(x, 1, dims=-1)  # the same scene, one pixel to the side
    near = feature_distance(features, x, shifted)
    far = feature_distance(features, x, x.roll(1, 0))
    assert torch.isfinite(near).all()
    assert (near < far).all()
