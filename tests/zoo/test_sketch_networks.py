"""SPADE and pix2pix networks: official sizes, folding, inputs, seeded variation."""

import pytest
import torch
from torch import nn

from igan_app.zoo.pix2pix import (
    MultiscaleDiscriminator,
    PatchDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    Variation,
    has_variation,
    set_variation,
)
from igan_app.zoo.spade import (
    SpadeModel,
    fold_spectral_norm,
    label_edges,
    semantic_input,
)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_official_sizes_as_reference_gives_them():
    # REFERENCE.md: unet_256 ngf 64 with BatchNorm: 82 keys, 54,413,955 parameters; CycleGAN
    # resnet_9blocks: 48 keys, 11,378,179; 70x70 PatchGAN on 6 channels: 2,768,705.
    unet = UnetGenerator(3, 3, 8, 64, norm="batch")
    assert (len(unet.state_dict()), count(unet)) == (82, 54_413_955)
    resnet = ResnetGenerator(norm="instance")
    assert (len(resnet.state_dict()), count(resnet)) == (48, 11_378_179)
    assert count(PatchDiscriminator(6, 64, 3, norm="batch")) == 2_768_705


def test_official_spade_layout_and_size():
    # 234 keys, about 96.5 M parameters for ADE20K (151 input channels), spectral norm on.
    spade = SpadeModel(150, 64, dont_care=True, spectral=True)
    keys = [k.removeprefix("generator.") for k in spade.state_dict()]
    assert len(keys) == 234
    assert "head_0.conv_0.weight_orig" in keys and "up_0.conv_s.weight_u" in keys
    assert "up_0.norm_s.param_free_norm.running_var" in keys
    assert count(spade.generator) == pytest.approx(96.5e6, rel=0.01)


def test_unet_shapes_and_multiple():
    unet = UnetGenerator(9, 3, 5, 4)
    assert unet(torch.randn(2, 9, 64, 32)).shape == (2, 3, 64, 32)
    with pytest.raises(ValueError, match="multiples of 32"):
        unet(torch.randn(1, 9, 48, 48))


def test_variation_is_seeded_and_switchable():
    unet = UnetGenerator(3, 3, 6, 4, dropout=True).eval()
    assert has_variation(unet) and not has_variation(ResnetGenerator(ngf=4, n_blocks=1))
    x = torch.randn(1, 3, 64, 64)
    off = unet(x)
    assert torch.equal(off, unet(x))
    set_variation(unet, 5)
    a = unet(x)
    set_variation(unet, 5)
    b = unet(x)
    set_variation(unet, 6)
    c = unet(x)
    set_variation(unet, None)
    assert torch.equal(a, b) and not torch.allclose(a, c) and not torch.allclose(a, off)
    assert torch.equal(unet(x), off)


def test_variation_keeps_expected_scale():
    v = Variation()
    v.enable(torch.Generator().manual_seed(0))
    out = v(torch.ones(10000))
    assert set(out.unique().tolist()) == {0.0, 2.0}
    assert out.mean().item() == pytest.approx(1.0, abs=0.05)


def test_fold_spectral_norm_matches_eval_spectral_norm():
    torch.manual_seed(0)
    trained = SpadeModel(5, 2, hidden=8, spectral=True)
    trained.train()
    seg = semantic_input(torch.randint(0, 5, (2, 64, 64)), 5)
    for _ in range(3):  # power iterations move u and v away from their initial values
        trained(seg)
    trained.eval()
    folded = SpadeModel(5, 2, hidden=8, spectral=False).eval()
    folded.load_state_dict(fold_spectral_norm(trained.state_dict()))
    with torch.no_grad():
        assert torch.allclose(folded(seg), trained(seg), atol=1e-5)


def test_style_code_changes_the_picture_and_sizes_adapt():
    torch.manual_seed(0)
    model = SpadeModel(9, 2, hidden=8, use_vae=True, z_dim=8, latent_size=(2, 2)).eval()
    seg = model.one_hot(torch.randint(0, 9, (1, 64, 64)))
    z = torch.randn(2, 8)
    with torch.no_grad():
        a, b = model(seg.expand(2, -1, -1, -1), z)
        big = model(model.one_hot(torch.randint(0, 9, (1, 128, 96))), z[:1])
        mu, logvar = model.encode_style(torch.rand(1, 3, 80, 80) * 2 - 1)
    assert not torch.allclose(a, b)
    assert big.shape == (1, 3, 128, 96)
    assert mu.shape == logvar.shape == (1, 8)


def test_semantic_input_channels():
    labels = torch.tensor([[[0, 1], [255, 1]]])
    x = semantic_input(labels, 3, dont_care=True, instance_edge=True)
    assert x.shape == (1, 5, 2, 2)
    assert x[0, 0, 0, 0] == 1 and x[0, 1, 0, 1] == 1 and x[0, 3, 1, 0] == 1  # 255 → don't care
    assert x[0, :4].sum(0).eq(1).all()
    assert torch.equal(x[0, 4].bool(), label_edges(labels)[0])
    with pytest.raises(ValueError, match="don't-care"):
        semantic_input(labels, 3)
    with pytest.raises(ValueError, match="below 3"):
        semantic_input(torch.tensor([[[3]]]), 3)


def test_label_edges_marks_both_sides_of_a_boundary():
    labels = torch.zeros(1, 4, 6, dtype=torch.long)
    labels[:, :, 3:] = 2
    edges = label_edges(labels)[0]
    assert edges[:, 2:4].all() and not edges[:, :2].any() and not edges[:, 4:].any()


def test_multiscale_discriminator_returns_features_per_scale():
    d = MultiscaleDiscriminator(12, ndf=4, n_layers=3, num_d=2)
    outputs = d(torch.randn(2, 12, 64, 64))
    assert len(outputs) == 2
    (first, taps), (second, _) = outputs
    assert len(taps) == 4 and first.shape[-1] > second.shape[-1]


def test_fused_render_path_equals_the_training_formula():
    from igan_app.zoo.spade import SPADE

    torch.manual_seed(0)
    norm = SPADE(6, 4, hidden=5, param_free="instance")  # same statistics in both modes
    x, seg = torch.randn(2, 6, 16, 16), semantic_input(torch.randint(0, 4, (2, 8, 8)), 4)
    trained = norm.train()(x, seg)
    with torch.no_grad():
        assert torch.allclose(norm.eval()(x, seg), trained, atol=1e-5)
