"""The painter: label maps, sketches and styles in; pictures out."""

import numpy as np
import pytest
import torch
from paint_models import save_spade, save_unet

from igan_app.engine.paint import Painter, PaintError
from igan_app.world.dataset_palettes import WORLD, Palette
from igan_app.zoo.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def spade(tmp_path_factory):
    return Painter.from_checkpoint(load_checkpoint(save_spade(tmp_path_factory.mktemp("m") / "s")))


@pytest.fixture(scope="module")
def unet(tmp_path_factory):
    return Painter.from_checkpoint(load_checkpoint(save_unet(tmp_path_factory.mktemp("m") / "u")))


def labels(h=64, w=64, seed=0):
    return np.random.default_rng(seed).integers(0, 9, (h, w)).astype(np.uint8)


def differs(a, b) -> float:
    return float(np.abs(a.astype(np.int16) - b).mean())


def test_spade_seed_picks_the_style(spade):
    assert spade.has_style and spade.input == "labels"
    a, b, again = (spade.render(labels(), seed=s) for s in (1, 2, 1))
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, again) and differs(a, b) > 0.5


def test_spade_reference_picture_sets_the_style(spade):
    rng = np.random.default_rng(1)
    dark = (rng.random((64, 64, 3)) * 40).astype(np.uint8)
    bright = (215 + rng.random((64, 64, 3)) * 40).astype(np.uint8)
    from_dark = spade.render(labels(), style=dark)
    assert np.array_equal(from_dark, spade.render(labels(), style=spade.style_code(dark)))
    assert differs(from_dark, spade.render(labels(), style=bright)) > 0.1


def test_label_map_follows_the_labels(spade):
    assert differs(spade.render(labels(seed=0)), spade.render(labels(seed=1))) > 0.5


def test_output_size_rounds_to_the_multiple(spade, unet):
    assert spade.render(labels(70, 100)).shape == (64, 96, 3)
    assert spade.render(labels(), size=128).shape == (128, 128, 3)
    assert unet.render(labels(40, 40)).shape == (64, 64, 3)
    assert unet.render(labels(100, 90)).shape == (128, 64, 3)  # 90/64 rounds to 1
    with pytest.raises(PaintError, match="larger than"):
        spade.output_size(64, 64, size=5000)


def test_pix2pix_variation_is_seeded_unless_deterministic(unet):
    assert unet.has_variation and not unet.has_style
    m = labels()
    a, again, b = unet.render(m, seed=1), unet.render(m, seed=1), unet.render(m, seed=2)
    fixed = unet.render(m, deterministic=True)
    assert np.array_equal(a, again) and differs(a, b) > 0.1
    assert np.array_equal(fixed, unet.render(m, seed=9, deterministic=True))
    assert differs(fixed, a) > 0.1


def test_wrong_inputs_are_refused(spade, unet, tmp_path):
    with pytest.raises(PaintError, match="label maps"):
        spade.render(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(PaintError, match="no style"):
        unet.render(labels(), style=np.zeros((8, 8, 3), np.uint8))
    edges = Painter.from_checkpoint(load_checkpoint(save_unet(tmp_path / "e", source="edges")))
    assert edges.input == "image"
    with pytest.raises(PaintError, match="RGB pictures"):
        edges.render(labels())
    assert edges.render(np.full((64, 64, 3), 255, np.uint8)).shape == (64, 64, 3)


def test_world_labels_are_mapped_to_the_models_palette(spade):
    # A palette whose ids are the world's reversed: the model must see the mapped ids.
    reversed_palette = Palette("reversed", WORLD.names[::-1], WORLD.colors[::-1],
                               tuple(range(8, -1, -1)))
    mapped = Painter(spade.name, spade.model, "labels", reversed_palette, spade.resolution,
                     spade.device)
    m = labels()
    assert np.array_equal(mapped.render(m, seed=3), spade.render(8 - m, seed=3))
    assert np.array_equal(mapped.render(m, seed=3, ids_given=True), spade.render(m, seed=3))


def test_a_non_paint_checkpoint_is_refused(tmp_path):
    from igan_app.zoo.checkpoint import save_checkpoint
    from igan_app.zoo.segmenter import Segmenter

    torch.manual_seed(0)
    save_checkpoint(tmp_path / "seg", Segmenter(9, 4), kind="world-segmenter",
                    args={"num_labels": 9, "width": 4}, resolution=64, data="t", card="")
    with pytest.raises(PaintError, match="does not paint"):
        Painter.from_checkpoint(load_checkpoint(tmp_path / "seg"))
