"""The project's networks: DCGAN generator/discriminator/encoder/manifold, VGG16 features, segmenter."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
import torchvision
from torchvision.models.vgg import cfgs, make_layers

from igan_app.world.palette import NUM_LABELS
from igan_app.zoo import vgg
from igan_app.zoo.checkpoint import (
    CheckpointError,
    get_architecture,
    known_kinds,
    load_checkpoint,
    save_checkpoint,
)
from igan_app.zoo.dcgan import Discriminator, Encoder, Generator, Manifold
from igan_app.zoo.segmenter import WORLD_LABELS, Segmenter
from igan_app.zoo.vgg import IMAGENET_MEAN, IMAGENET_STD, VGG16Features

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# --- DCGAN ------------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [32, 64, 128])
def test_dcgan_shapes_and_ranges(resolution):
    torch.manual_seed(0)
    g = Generator(resolution, latent_dim=8, width=4).eval()
    d = Discriminator(resolution, width=4).eval()
    e = Encoder(resolution, latent_dim=8, width=4).eval()
    z = g.sample_latent(3)
    assert z.shape == (3, 8)
    with torch.no_grad():
        image = g(z)
        assert image.shape == (3, 3, resolution, resolution)
        assert image.min() >= -1 and image.max() <= 1
        logits = d(image)
        assert logits.shape == (3,)
        # Far outside [-1, 1] on purpose: tanh must still bound the latent.
        w = e(image * 50)
        assert w.shape == (3, 8)
        assert w.min() >= -1 and w.max() <= 1


def test_generator_accepts_flat_and_4d_latents():
    g = Generator(32, latent_dim=8, width=4).eval()
    z = g.sample_latent(2)
    with torch.no_grad():
        torch.testing.assert_close(g(z), g(z.view(2, 8, 1, 1)))


def test_sample_latent_is_uniform_in_range_and_seeded():
    g = Generator(32, latent_dim=16, width=4)
    a = g.sample_latent(500, torch.Generator().manual_seed(3))
    b = g.sample_latent(500, torch.Generator().manual_seed(3))
    c = g.sample_latent(500, torch.Generator().manual_seed(4))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1
    # Uniform on [-1, 1], not [0, 1]: both halves are used.
    assert a.min() < -0.9 and a.max() > 0.9
    assert abs(a.mean().item()) < 0.05


def test_manifold_sample_latent_uses_its_generator():
    m = Manifold(32, latent_dim=8, width=4)
    a = m.sample_latent(4, torch.Generator().manual_seed(1))
    b = m.generator.sample_latent(4, torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("cls", [Generator, Discriminator, Encoder, Manifold])
@pytest.mark.parametrize("resolution", [16, 48, 256])
def test_bad_resolution_raises(cls, resolution):
    with pytest.raises(ValueError, match="resolution"):
        cls(resolution, width=4)


def test_width_above_max_width_raises():
    with pytest.raises(ValueError, match="width"):
        Generator(32, width=64, max_width=32)


def test_channel_widths_double_towards_the_stem_and_are_capped():
    g = Generator(64, latent_dim=8, width=4, max_width=16)
    convs = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    # 64 px: maps of 4, 8, 16, 32 px with width·8, ·4, ·2, ·1 channels (32 capped at 16),
    # then the image layer.
    assert [c.out_channels for c in convs] == [16, 16, 8, 4, 3]
    e = Encoder(64, latent_dim=8, width=4, max_width=16)
    assert e.head[1].in_features == 16 * 4 * 4


def test_manifold_round_trip_gives_identical_output(tmp_path):
    torch.manual_seed(0)
    args = {"resolution": 32, "latent_dim": 8, "width": 4}
    model = Manifold(**args)
    # Non-trivial batch-norm statistics, so that buffers are really round-tripped.
    model.generator.train()
    with torch.no_grad():
        model.generator(model.sample_latent(16))
    model.eval()
    folder = save_checkpoint(tmp_path / "m", model, kind="dcgan-manifold", args=args,
                             resolution=32, data="test", card="# m\n")
    z = model.sample_latent(4, torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(z)
        loaded = load_checkpoint(folder, expected_kind="dcgan-manifold")
        assert isinstance(loaded.model, Manifold)
        torch.testing.assert_close(loaded.model(z), expected, rtol=0, atol=0)
        torch.testing.assert_close(loaded.model.encoder(expected), model.encoder(expected),
                                   rtol=0, atol=0)
    torch.save(z, tmp_path / "z.pt")
    torch.save(expected, tmp_path / "expected.pt")

    # A fresh interpreter that never imports igan_app.zoo.dcgan itself still rebuilds the kind.
    code = textwrap.dedent(f"""
        import sys, torch
        from igan_app.zoo.checkpoint import load_checkpoint
        assert "igan_app.zoo.dcgan" not in sys.modules
        loaded = load_checkpoint({str(folder)!r}, expected_kind="dcgan-manifold")
        z = torch.load({str(tmp_path / 'z.pt')!r})
        expected = torch.load({str(tmp_path / 'expected.pt')!r})
        with torch.no_grad():
            assert torch.equal(loaded.model(z), expected)
        print(type(loaded.model).__module__)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "igan_app.zoo.dcgan"


def test_builtin_kinds_are_known():
    kinds = known_kinds()
    for kind, cls in [("dcgan-generator", Generator), ("dcgan-discriminator", Discriminator),
                      ("dcgan-encoder", Encoder), ("dcgan-manifold", Manifold),
                      ("vgg16-features", VGG16Features), ("world-segmenter", Segmenter)]:
        assert kind in kinds
        assert get_architecture(kind) is cls


# --- VGG16 ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tv_features():
    """torchvision's VGG16 `features` (what vgg16() builds them with), randomly initialised."""
    torch.manual_seed(0)
    return make_layers(cfgs["D"]).eval()


def test_vgg_state_dict_is_torchvisions():
    # Built on the meta device: the names and shapes without the 138M parameters.
    with torch.device("meta"):
        reference = torchvision.models.vgg16(weights=None).features[:23].state_dict()
    ours = VGG16Features("relu4_3").state_dict()
    assert list(ours) == [f"features.{key}" for key in reference]
    for key, value in reference.items():
        assert ours[f"features.{key}"].shape == value.shape


def test_vgg_last_tap_limits_the_layers():
    assert len(VGG16Features("relu1_2").features) == 4
    assert len(VGG16Features("relu3_3").features) == 16
    with pytest.raises(ValueError, match="relu9_9"):
        VGG16Features("relu9_9")


def _ours_from(tv, last="relu4_3"):
    model = VGG16Features(last)
    model.load_state_dict({f"features.{k}": v for k, v in
                           tv[:len(model.features)].state_dict().items()})
    return model.eval()


def test_vgg_taps_match_torchvision(tv_features):
    model = _ours_from(tv_features)
    torch.manual_seed(1)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    normalised = ((x + 1) / 2 - mean) / std
    with torch.no_grad():
        relu1_2, relu4_3 = model(x, ("relu1_2", "relu4_3"))
        torch.testing.assert_close(relu1_2, tv_features[:4](normalised.clone()))
        torch.testing.assert_close(relu4_3, tv_features[:23](normalised.clone()))
        # Order follows the request, and the default is the last tap.
        deep, shallow = model(x, ("relu4_3", "relu1_2"))
        torch.testing.assert_close(deep, relu4_3)
        torch.testing.assert_close(shallow, relu1_2)
        (default,) = model(x)
        torch.testing.assert_close(default, relu4_3)
    assert relu1_2.shape == (2, 64, 32, 32)
    assert relu4_3.shape == (2, 512, 4, 4)


def test_vgg_tap_deeper_than_last_raises():
    model = VGG16Features("relu2_2")
    x = torch.zeros(1, 3, 32, 32)
    with pytest.raises(ValueError, match="relu3_1"):
        model(x, ("relu3_1",))
    with pytest.raises(ValueError, match="relu0"):
        model(x, ("relu0",))


@pytest.fixture(scope="module")
def imagenet_file(tmp_path_factory, tv_features):
    """A torchvision-layout file: features.* plus classifier tensors (small ones stand in)."""
    state = {f"features.{k}": v for k, v in tv_features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(4, 4)
    state["classifier.6.bias"] = torch.zeros(1000)
    path = tmp_path_factory.mktemp("imagenet") / vgg.IMAGENET_FILE
    torch.save(state, path)
    return path


def test_load_imagenet_matches_torchvision_layout(imagenet_file, tv_features):
    model = vgg.load_imagenet(imagenet_file)
    assert not model.training
    ours = model.state_dict()
    for key, value in tv_features[:23].state_dict().items():
        torch.testing.assert_close(ours[f"features.{key}"], value, rtol=0, atol=0)
    shallow = vgg.load_imagenet(imagenet_file, last="relu1_2")
    assert len(shallow.state_dict()) == 4


def test_load_imagenet_refuses_other_files(tmp_path):
    cases = {
        "other.pth": {"conv.weight": torch.zeros(3, 3)},
        "tensor.pth": torch.zeros(3),
        "shape.pth": {f"features.{k}": v.new_zeros(1) for k, v in
                      VGG16Features("relu4_3").state_dict().items()},
    }
    for name, content in cases.items():
        torch.save(content, tmp_path / name)
    (tmp_path / "garbage.pth").write_bytes(b"not a torch file")
    for name in [*cases, "garbage.pth", "missing.pth"]:
        with pytest.raises(CheckpointError) as info:
            vgg.load_imagenet(tmp_path / name)
        assert info.value.path == tmp_path / name


def _world_features(tmp_path):
    torch.manual_seed(5)
    model = VGG16Features("relu1_2")
    folder = save_checkpoint(tmp_path / "vgg16-world", model, kind="vgg16-features",
                             args={"last": "relu1_2"}, resolution=64, data="test", card="")
    return model, folder


def test_load_feature_network_falls_back_to_world_weights(tmp_path, monkeypatch):
    model, folder = _world_features(tmp_path)
    monkeypatch.setattr(vgg, "imagenet_cache_path", lambda: tmp_path / "absent.pth")
    network = vgg.load_feature_network(None, world_model=folder)
    assert network.source == "world"
    assert network.path == folder
    assert "world" in network.describe() and str(folder) in network.describe()
    assert not network.model.training
    assert not any(p.requires_grad for p in network.model.parameters())
    for key, value in model.state_dict().items():
        torch.testing.assert_close(network.model.state_dict()[key], value, rtol=0, atol=0)


def test_load_feature_network_prefers_the_imagenet_file(tmp_path, monkeypatch, imagenet_file,
                                                        tv_features):
    _, folder = _world_features(tmp_path)
    monkeypatch.setattr(vgg, "imagenet_cache_path", lambda: imagenet_file)
    network = vgg.load_feature_network(None, world_model=folder)
    assert network.source == "imagenet"
    assert network.path == imagenet_file
    assert network.model.last == "relu4_3"
    torch.testing.assert_close(network.model.state_dict()["features.0.weight"],
                               tv_features[0].weight, rtol=0, atol=0)
    # An explicit file wins over both.
    explicit = vgg.load_feature_network(imagenet_file, world_model=folder)
    assert explicit.source == "imagenet" and explicit.path == imagenet_file


# --- segmenter --------------------------------------------------------------------------------


def test_segmenter_shapes():
    torch.manual_seed(0)
    model = Segmenter(width=4).eval()
    x = torch.rand(2, 3, 32, 48) * 2 - 1
    with torch.no_grad():
        assert model(x).shape == (2, WORLD_LABELS, 32, 48)
        embedding = model.embed(x)
    assert embedding.shape == (2, model.embed_channels)
    assert model.embed_channels == 4 * 8 + 4 * 4  # the two deepest maps at depth 3
    assert Segmenter(num_labels=5, width=4, depth=2).eval()(x).shape == (2, 5, 32, 48)


def test_segmenter_labels_match_the_world_palette():
    assert WORLD_LABELS == NUM_LABELS
    assert Segmenter().head.out_channels == NUM_LABELS


@pytest.mark.parametrize("size", [(36, 32), (32, 20), (4, 4)])
def test_segmenter_refuses_sides_not_multiple_of_8(size):
    model = Segmenter(width=4).eval()
    x = torch.zeros(1, 3, *size)
    with pytest.raises(ValueError, match="multiples of 8"):
        model(x)
    with pytest.raises(ValueError, match="multiples of 8"):
        model.embed(x)
