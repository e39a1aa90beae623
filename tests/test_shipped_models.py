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

pytestmark = pytest.mark.slow  # loads every shipped checkpoint

SHIPPED = {"landscape64": "dcgan-manifold", "world-segmenter64": "world-segmenter",
           "vgg16-world": "vgg16-features", "landscape-spade": "spade",
           "landscape-pix2pix": "unet-generator", "landscape-edges": "unet-generator"}


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


def agreement(registry, pictures: list[np.ndarray], labels: np.ndarray) -> float:
    """How often the world segmenter gives a generated picture the label it was painted with."""
    import cv2

    segmenter = registry.load("world-segmenter64", expected_kind="world-segmenter").model
    small = np.stack([cv2.resize(p, (64, 64), interpolation=cv2.INTER_AREA) for p in pictures])
    truth = np.stack([cv2.resize(m, (64, 64), interpolation=cv2.INTER_NEAREST) for m in labels])
    with torch.no_grad():
        predicted = segmenter(imaging.to_tensor(small)).argmax(1).numpy()
    return float((predicted == truth).mean())


@pytest.mark.parametrize("name", ["landscape-spade", "landscape-pix2pix", "landscape-edges"])
def test_paint_models_draw_what_was_painted(registry, name):
    from igan_app.engine.edges import edge_map
    from igan_app.engine.paint import Painter

    painter = Painter.from_checkpoint(registry.load(name), name)
    rendered = [render(HELD_OUT_SEED + 5 * i, 128) for i in range(4)]
    labels = np.stack([m for _, m in rendered])
    sources = [m if painter.input == "labels" else edge_map(im) for im, m in rendered]
    pictures = [painter.render(source, seed=i) for i, source in enumerate(sources)]
    assert pictures[0].shape == (128, 128, 3)
    assert agreement(registry, pictures, labels) > 0.6
    # Another scene's map gives another picture: the model follows its input.
    assert np.abs(pictures[0].astype(int) - pictures[1]).mean() > 10


@torch.no_grad()
def test_landscape_spade_styles_come_from_seeds_and_pictures(registry):
    from igan_app.engine.paint import Painter

    painter = Painter.from_checkpoint(registry.load("landscape-spade"), "landscape-spade")
    dusk, labels = render(HELD_OUT_SEED + 1, 128)
    a, b = painter.render(labels, seed=1), painter.render(labels, seed=2)
    assert np.abs(a.astype(int) - b).mean() > 3
    # A picture's own style brings the rendering closer to that picture than random styles do.
    def distance(picture: np.ndarray) -> float:
        return float(np.abs(picture.astype(int) - dusk).mean())

    own = distance(painter.render(labels, style=dusk))
    assert own < np.mean([distance(painter.render(labels, seed=s)) for s in range(4)])
