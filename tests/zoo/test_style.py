"""The style-based generator, its residual discriminator and the style manifold (zoo/style.py):
the editor's contract, demodulation, the per-layer latent, tuning blocks, checkpoints."""

from __future__ import annotations

import pytest
import torch

from igan_app.zoo.checkpoint import load_checkpoint, save_checkpoint
from igan_app.zoo.style import (
    ModulatedConv2d,
    ResidualDiscriminator,
    StyleGenerator,
    StyleManifold,
    build_generator,
    minibatch_stddev,
)

TINY = {"resolution": 32, "latent_dim": 8, "w_dim": 16, "mapping_layers": 2, "width": 4,
        "max_width": 16}


@pytest.fixture(scope="module")
def generator() -> StyleGenerator:
    torch.manual_seed(0)
    return StyleGenerator(**TINY).eval()


@pytest.mark.parametrize("resolution", [32, 64])
def test_the_generator_keeps_the_editors_contract(resolution):
    torch.manual_seed(0)
    g = StyleGenerator(**{**TINY, "resolution": resolution}).eval()
    z = g.sample_latent(5, torch.Generator().manual_seed(1))
    with torch.no_grad():
        image = g(z)
    assert image.shape == (5, 3, resolution, resolution)
    assert image.abs().max() <= 1
    assert image.std() > 0.05  # a picture, not a flat grey
    assert not torch.allclose(image[0], image[1], atol=1e-3)  # the latent matters


def test_sample_latent_is_uniform_in_the_box_and_follows_the_generator(generator):
    a = generator.sample_latent(4000, torch.Generator().manual_seed(3))
    b = generator.sample_latent(4000, torch.Generator().manual_seed(3))
    c = generator.sample_latent(4000, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == (4000, TINY["latent_dim"])
    assert a.min() >= -1 and a.max() <= 1
    assert abs(a.mean().item()) < 0.02 and abs(a.var().item() - 1 / 3) < 0.01


def test_forward_is_synthesis_of_mapping_with_one_or_per_layer_latents(generator):
    z = generator.sample_latent(3, torch.Generator().manual_seed(0))
    with torch.no_grad():
        w = generator.mapping(z)
        image, ws = generator(z, return_ws=True)
        torch.testing.assert_close(generator(z), generator.synthesis(w))
        torch.testing.assert_close(image, generator.synthesis(ws))
        assert ws.shape == (3, generator.num_ws, TINY["w_dim"])
        mixed = ws.clone()
        mixed[:, -3:] = generator.mapping(-z)[:, None]  # the last (finest) layers' styles
        assert not torch.allclose(generator.synthesis(mixed), image, atol=1e-4)
    with pytest.raises(ValueError, match="w must be"):
        generator.synthesis(ws[:, 1:])


def test_w_mean_is_the_average_w_of_the_prior(generator):
    mean = generator.w_mean(2048, seed=5)
    assert mean.shape == (1, TINY["w_dim"])
    assert torch.equal(mean, generator.w_mean(2048, seed=5))
    z = generator.sample_latent(2048, torch.Generator().manual_seed(6))
    with torch.no_grad():
        other = generator.mapping(z).mean(0, keepdim=True)
    spread = generator.mapping(z).std(0).mean()
    assert (mean - other).abs().max() < 0.2 * spread  # another sample, the same average


def test_demodulation_keeps_the_activations_scale_whatever_the_style():
    torch.manual_seed(0)
    x = torch.randn(16, 32, 12, 12)
    w = torch.randn(16, 8)
    stds = {}
    for demodulate in (True, False):
        conv = ModulatedConv2d(32, 32, 8, demodulate=demodulate)
        with torch.no_grad():
            stds[demodulate] = [conv(x, w).std().item()]
            conv.affine.bias.fill_(10.0)  # styles ten times their starting size
            stds[demodulate].append(conv(x, w).std().item())
    assert all(0.85 < s < 1.15 for s in stds[True])
    assert 7 < stds[False][1] / stds[False][0] < 13


def _layer_scales(demodulate: bool, seed: int) -> list[float]:
    """The RMS of each synthesis layer's output at initialisation, for 8 latents."""
    torch.manual_seed(seed)
    g = StyleGenerator(64, 8, w_dim=16, mapping_layers=2, width=8, max_width=64).eval()
    convs = [conv for stage in g.synthesis_net.stages for conv in stage.convs]
    scales: list[float] = []
    for conv in convs:
        conv.demodulate = demodulate
        conv.register_forward_hook(lambda _m, _i, out: scales.append(
            out.square().mean().sqrt().item()))
    with torch.no_grad():
        g(g.sample_latent(8, torch.Generator().manual_seed(0)))
    assert len(scales) == 9
    return scales


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demodulation_keeps_the_synthesis_near_unit_scale_at_init(seed):
    # Each bilinear upsampling of a near-white map keeps about 0.4 of its variance, so the scale
    # drifts down a little over the stages; without demodulation it compounds the styles'.
    assert all(0.1 < s < 1.5 for s in _layer_scales(True, seed))
    assert max(_layer_scales(False, seed)) > 3


def test_blocks_hold_the_synthesis_scale_by_scale_and_not_the_mapping(generator):
    blocks = generator.blocks()
    assert len(blocks) == 4  # 4, 8, 16 and 32 pixels
    assert blocks[0][0] is generator.synthesis_net.input
    params = [p for block in blocks for module in block for p in module.parameters()]
    assert len({id(p) for p in params}) == len(params)  # each once
    assert {id(p) for p in params} == {id(p) for p in generator.synthesis_net.parameters()}
    # Latent side first: the blocks' feature maps grow.
    channels = [block[-1].weight.shape[1] for block in blocks]  # each RGB output's inputs
    assert channels == sorted(channels, reverse=True)


def test_minibatch_stddev_measures_the_variety_within_groups():
    same = torch.ones(8, 2, 4, 4)
    varied = torch.arange(8.0).view(8, 1, 1, 1).expand(8, 2, 4, 4)
    assert minibatch_stddev(same).shape == (8, 3, 4, 4)
    assert minibatch_stddev(same)[:, 2].max() < 1e-3
    # Groups of 4 are items i, i + 2, i + 4, i + 6: values {0, 2, 4, 6}, std √5.
    torch.testing.assert_close(minibatch_stddev(varied)[:, 2], torch.full((8, 4, 4), 5 ** 0.5))
    assert minibatch_stddev(varied[:3])[:, 2].max() > 0  # a batch of 3: groups of 3


def test_discriminator_scores_each_picture_and_spectral_norm_bounds_its_weights():
    torch.manual_seed(0)
    d = ResidualDiscriminator(32, width=4, max_width=16)
    assert d(torch.rand(4, 3, 32, 32) * 2 - 1).shape == (4,)
    sn = ResidualDiscriminator(32, width=4, max_width=16, spectral_norm=True)
    for _ in range(20):  # the power iteration converges while training
        sn(torch.rand(4, 3, 32, 32))
    sn.eval()
    weight = sn.blocks[0].conv2.weight
    assert torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2).item() == pytest.approx(
        1, abs=0.05)


def test_the_manifold_has_dcgans_attributes_and_round_trips_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    args = {**TINY, "encoder_width": 4}
    manifold = StyleManifold(**args).eval()
    assert (manifold.resolution, manifold.latent_dim) == (32, 8)
    z = manifold.sample_latent(2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        image = manifold.generator(z)
        latent = manifold.encoder(image)
        assert latent.shape == (2, 8) and latent.abs().max() <= 1
        assert manifold.discriminator(image).shape == (2,)
    folder = save_checkpoint(tmp_path / "style", manifold, kind="style-manifold", args=args,
                             resolution=32, data="none", card="")
    loaded = load_checkpoint(folder, expected_kind="style-manifold").model
    with torch.no_grad():
        assert torch.equal(loaded(z), image)


def test_an_unknown_generator_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="style, transformer"):
        build_generator("diffusion", 32, 8, 4)


def test_the_transformer_generator_fits_in_the_manifold():
    pytest.importorskip("igan_app.zoo.transgan")
    torch.manual_seed(0)
    manifold = StyleManifold(32, 8, width=4, max_width=16, generator="transformer",
                             generator_width=32, encoder_width=4).eval()
    assert type(manifold.generator).__name__ == "TransformerGenerator"
    with torch.no_grad():
        image = manifold.generator(manifold.sample_latent(2, torch.Generator().manual_seed(0)))
    assert image.shape == (2, 3, 32, 32) and image.abs().max() <= 1
