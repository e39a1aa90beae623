"""Importing official pix2pix, CycleGAN and SPADE generator files.

The official networks are re-created here, independently of igan_app, with the official module
structure (so their state dicts have exactly the official keys and shapes), at tiny sizes with
random values, saved with torch.save, imported, and compared with what the official test code
computes: pix2pix in train mode at batch size 1 (BatchNorm on the image's own statistics),
CycleGAN in eval mode, SPADE in eval mode through torch's own spectral norm.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo.checkpoint import describe_mismatch, load_checkpoint
from igan_app.zoo.importers import (
    SPADE_DATASETS,
    CheckpointImportError,
    build_model,
    clean_state_dict,
    import_checkpoint,
    plan_import,
    read_state_dict,
)
from igan_app.zoo.pix2pix import Variation, has_variation, set_variation
from igan_app.zoo.spade import semantic_input

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --- the official networks, re-created ------------------------------------------------------

class OfficialUnetBlock(nn.Module):
    """UnetSkipConnectionBlock of junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False,
                 innermost=False, norm="batch", use_dropout=False):
        super().__init__()
        self.outermost = outermost
        norm_layer = nn.BatchNorm2d if norm == "batch" else nn.InstanceNorm2d
        use_bias = norm == "instance"
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        downnorm = norm_layer(inner_nc)
        uprelu = nn.ReLU(True)
        upnorm = norm_layer(outer_nc)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1,
                                        bias=use_bias)
            model = [downrelu, downconv, uprelu, upconv, upnorm]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1,
                                        bias=use_bias)
            model = [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm]
            if use_dropout:
                model += [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class OfficialUnet(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf=64, norm="batch", use_dropout=True):
        super().__init__()
        block = OfficialUnetBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(num_downs - 5):
            block = OfficialUnetBlock(ngf * 8, ngf * 8, submodule=block, norm=norm,
                                      use_dropout=use_dropout)
        block = OfficialUnetBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = OfficialUnetBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = OfficialUnetBlock(ngf, ngf * 2, submodule=block, norm=norm)
        self.model = OfficialUnetBlock(output_nc, ngf, input_nc=input_nc, submodule=block,
                                       outermost=True, norm=norm)

    def forward(self, x):
        return self.model(x)


class OfficialResnetBlock(nn.Module):
    def __init__(self, dim, norm_layer, use_dropout, use_bias):
        super().__init__()
        block = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias),
                 norm_layer(dim), nn.ReLU(True)]
        if use_dropout:
            block += [nn.Dropout(0.5)]
        block += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias),
                  norm_layer(dim)]
        self.conv_block = nn.Sequential(*block)

    def forward(self, x):
        return x + self.conv_block(x)


class OfficialResnet(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, n_blocks=9, norm="instance",
                 use_dropout=False):
        super().__init__()
        if norm == "instance":
            def norm_layer(c):
                return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        else:
            norm_layer = nn.BatchNorm2d
        use_bias = norm == "instance"
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=use_bias),
                 norm_layer(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=use_bias),
                      norm_layer(ngf * mult * 2), nn.ReLU(True)]
        for _ in range(n_blocks):
            model += [OfficialResnetBlock(ngf * 4, norm_layer, use_dropout, use_bias)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1,
                                         output_padding=1, bias=use_bias),
                      norm_layer(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class OfficialSPADE(nn.Module):
    def __init__(self, norm_nc, label_nc, nhidden):
        super().__init__()
        self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)  # SynchronizedBatchNorm2d
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, nhidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(nhidden, norm_nc, 3, padding=1)
        self.mlp_beta = nn.Conv2d(nhidden, norm_nc, 3, padding=1)

    def forward(self, x, segmap):
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.size()[2:], mode="nearest")
        actv = self.mlp_shared(segmap)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class OfficialSPADEResnetBlock(nn.Module):
    def __init__(self, fin, fout, label_nc, nhidden, spectral=True):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        sn = nn.utils.spectral_norm if spectral else (lambda conv: conv)
        self.conv_0 = sn(nn.Conv2d(fin, fmiddle, kernel_size=3, padding=1))
        self.conv_1 = sn(nn.Conv2d(fmiddle, fout, kernel_size=3, padding=1))
        if self.learned_shortcut:
            self.conv_s = sn(nn.Conv2d(fin, fout, kernel_size=1, bias=False))
        self.norm_0 = OfficialSPADE(fin, label_nc, nhidden)
        self.norm_1 = OfficialSPADE(fmiddle, label_nc, nhidden)
        if self.learned_shortcut:
            self.norm_s = OfficialSPADE(fin, label_nc, nhidden)

    def forward(self, x, seg):
        x_s = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 2e-1))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 2e-1))
        return x_s + dx


class OfficialSPADEGenerator(nn.Module):
    def __init__(self, semantic_nc, ngf=64, num_upsampling_layers="normal", nhidden=128,
                 use_vae=False, z_dim=256, spectral=True):
        super().__init__()
        nf = ngf
        self.num_upsampling_layers = num_upsampling_layers
        self.fc = (nn.Linear(z_dim, 16 * nf * 8 * 8) if use_vae
                   else nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1))
        block = {"label_nc": semantic_nc, "nhidden": nhidden, "spectral": spectral}
        self.head_0 = OfficialSPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.G_middle_0 = OfficialSPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.G_middle_1 = OfficialSPADEResnetBlock(16 * nf, 16 * nf, **block)
        self.up_0 = OfficialSPADEResnetBlock(16 * nf, 8 * nf, **block)
        self.up_1 = OfficialSPADEResnetBlock(8 * nf, 4 * nf, **block)
        self.up_2 = OfficialSPADEResnetBlock(4 * nf, 2 * nf, **block)
        self.up_3 = OfficialSPADEResnetBlock(2 * nf, 1 * nf, **block)
        final_nc = nf
        if num_upsampling_layers == "most":
            self.up_4 = OfficialSPADEResnetBlock(1 * nf, nf // 2, **block)
            final_nc = nf // 2
        self.conv_img = nn.Conv2d(final_nc, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, seg):
        layers = {"normal": 5, "more": 6, "most": 7}[self.num_upsampling_layers]
        sh, sw = seg.shape[2] // 2 ** layers, seg.shape[3] // 2 ** layers
        x = self.fc(F.interpolate(seg, size=(sh, sw)))
        x = self.head_0(x, seg)
        x = self.up(x)
        x = self.G_middle_0(x, seg)
        if self.num_upsampling_layers in ("more", "most"):
            x = self.up(x)
        x = self.G_middle_1(x, seg)
        for block in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = block(self.up(x), seg)
        if self.num_upsampling_layers == "most":
            x = self.up_4(self.up(x), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 2e-1)))


# --- random, non-trivial values -------------------------------------------------------------

def randomize(net: nn.Module, seed: int = 0) -> nn.Module:
    """Random weights, biases, running statistics and spectral-norm vectors (as a trained
    network has: u is not the top singular vector, but u·Wv > 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in net.modules():
            for name, p in module.named_parameters(recurse=False):
                if isinstance(module, (nn.BatchNorm2d, nn.InstanceNorm2d)) and name == "weight":
                    p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(torch.randn(p.shape, generator=g) * (0.3 if p.ndim > 1 else 0.2))
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(torch.randn(module.num_features, generator=g) * 0.5)
                module.running_var.copy_(torch.rand(module.num_features, generator=g) + 0.5)
                module.num_batches_tracked.fill_(1000)
            if hasattr(module, "weight_orig"):
                w = module.weight_orig.reshape(module.weight_orig.shape[0], -1)
                v = F.normalize(torch.randn(w.shape[1], generator=g), dim=0)
                module.weight_v.copy_(v)
                module.weight_u.copy_(F.normalize(w @ v + 0.3 * torch.randn(w.shape[0],
                                                                            generator=g), dim=0))
    return net


def save(state: dict, path, prefix: str = "", wrapper: str | None = None):
    state = {prefix + key: value for key, value in state.items()}
    torch.save(state if wrapper is None else {wrapper: state, "epoch": 200}, path)
    return path


def one_line(err: pytest.ExceptionInfo, path) -> str:
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    return message


# --- pix2pix U-Net ----------------------------------------------------------------------------

@pytest.mark.parametrize(("num_downs", "prefix", "wrapper"), [
    (5, "", None), (6, "module.", None), (5, "_orig_mod.", "state_dict"),
    (5, "module._orig_mod.", "netG")])
def test_pix2pix_unet_matches_official_train_mode(tmp_path, num_downs, prefix, wrapper):
    official = randomize(OfficialUnet(3, 2, num_downs, ngf=4, norm="batch", use_dropout=True))
    state = official.state_dict()
    assert any(k.endswith("running_mean") for k in state)  # BatchNorm keys, as official
    path = save(state, tmp_path / "latest_net_G.pth", prefix, wrapper)

    folder = import_checkpoint(path, "pix2pix", name="facades", out_dir=tmp_path / "models")

    loaded = load_checkpoint(folder)
    assert loaded.config.kind == "unet-generator"
    assert loaded.config.args == {"input_nc": 3, "output_nc": 2, "num_downs": num_downs, "ngf": 4,
                                  "norm": "affine-instance", "dropout": True, "bias": False}
    assert loaded.config.meta["input"] == "image"
    assert loaded.config.resolution == (256, 256)
    side = 2 ** num_downs
    x = torch.randn(1, 3, side, side, generator=torch.Generator().manual_seed(1))
    official.train()  # the official test: BatchNorm on the image's own statistics ...
    for m in official.modules():
        if isinstance(m, nn.Dropout):
            m.eval()  # ... with dropout switched off, as the imported model's variation is
    with torch.no_grad():
        expected = official(x.clone())
        got = loaded.model(x.clone())
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert expected.std() > 0.05  # not a trivially constant picture


def test_pix2pix_dropout_becomes_seedable_variation(tmp_path):
    official = randomize(OfficialUnet(3, 3, 5, ngf=4, use_dropout=True))
    path = save(official.state_dict(), tmp_path / "g.pth")
    model = load_checkpoint(import_checkpoint(path, "pix2pix", name="p", out_dir=tmp_path)).model
    # num_downs 5 has no dropout level; 6 has one.
    official6 = randomize(OfficialUnet(3, 3, 6, ngf=4, use_dropout=True))
    path6 = save(official6.state_dict(), tmp_path / "g6.pth")
    model6 = load_checkpoint(import_checkpoint(path6, "pix2pix", name="p6",
                                               out_dir=tmp_path)).model
    assert not has_variation(model) and has_variation(model6)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        plain = model6(x)
        set_variation(model6, 3)
        first = model6(x)
        set_variation(model6, 3)
        again = model6(x)
        set_variation(model6, None)
    assert not torch.equal(first, plain)
    torch.testing.assert_close(first, again)

    cyclegan_unet = import_checkpoint(path6, "cyclegan", name="c6", out_dir=tmp_path)
    assert not has_variation(load_checkpoint(cyclegan_unet).model)
    override = import_checkpoint(path6, "pix2pix", name="o6", out_dir=tmp_path, dropout=False)
    assert load_checkpoint(override).config.args["dropout"] is False


# --- CycleGAN ResNet --------------------------------------------------------------------------

def _old_instance_norm_stats(official: OfficialResnet, state: dict) -> dict:
    """What PyTorch 0.3 saved: running_mean/var for every InstanceNorm2d."""
    state = dict(state)
    for name, module in official.named_modules():
        if isinstance(module, nn.InstanceNorm2d):
            state[f"{name}.running_mean"] = torch.randn(module.num_features)
            state[f"{name}.running_var"] = torch.rand(module.num_features) + 0.5
    return state


@pytest.mark.parametrize(("old", "use_dropout", "prefix"), [
    (False, False, ""), (True, False, "module."), (False, True, "_orig_mod."), (True, True, "")])
def test_cyclegan_resnet_matches_official_eval(tmp_path, old, use_dropout, prefix):
    official = randomize(OfficialResnet(3, 3, ngf=4, n_blocks=2, use_dropout=use_dropout)).eval()
    state = official.state_dict()
    second = "conv_block.6" if use_dropout else "conv_block.5"
    assert f"model.10.{second}.weight" in state
    if old:
        state = _old_instance_norm_stats(official, state)
    path = save(state, tmp_path / "latest_net_G_A.pth", prefix)

    folder = import_checkpoint(path, "cyclegan", name="horse2zebra", out_dir=tmp_path / "m")

    loaded = load_checkpoint(folder)
    assert loaded.config.kind == "resnet-generator"
    assert loaded.config.args == {"input_nc": 3, "output_nc": 3, "ngf": 4, "n_blocks": 2,
                                  "norm": "instance", "dropout": use_dropout, "bias": True}
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x), official(x), atol=1e-5, rtol=1e-4)


def test_pix2pix_resnet_with_batchnorm(tmp_path):
    official = randomize(OfficialResnet(1, 3, ngf=4, n_blocks=3, norm="batch")).train()
    path = save(official.state_dict(), tmp_path / "g.pth")
    loaded = load_checkpoint(import_checkpoint(path, "pix2pix", name="r", out_dir=tmp_path))
    assert loaded.config.args["norm"] == "affine-instance"
    assert loaded.config.args["bias"] is False and loaded.config.args["input_nc"] == 1
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x), official(x), atol=1e-5, rtol=1e-4)


# --- SPADE ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("dataset", "given", "upsampling", "size"), [
    ("coco", None, "normal", (32, 32)), ("ade20k", "ade20k", "normal", (32, 64)),
    ("cityscapes", None, "more", (64, 128))])
def test_spade_matches_official_eval(tmp_path, dataset, given, upsampling, size):
    spec = SPADE_DATASETS[dataset]
    official = randomize(OfficialSPADEGenerator(spec.channels, ngf=4, nhidden=8,
                                                num_upsampling_layers=upsampling)).eval()
    state = official.state_dict()
    assert "head_0.conv_0.weight_orig" in state and "head_0.conv_0.weight_u" in state
    assert "head_0.norm_0.param_free_norm.num_batches_tracked" in state
    path = save(state, tmp_path / "latest_net_G.pth")

    folder = import_checkpoint(path, "spade", name=f"{dataset}-spade", dataset=given,
                               out_dir=tmp_path / "models")

    loaded = load_checkpoint(folder)
    config = loaded.config
    assert config.kind == "spade"
    assert config.args["num_labels"] == spec.labels
    assert (config.args["dont_care"], config.args["instance_edge"]) == (spec.dont_care,
                                                                         spec.instance_edge)
    assert config.args["num_upsampling"] == upsampling
    assert (config.args["ngf"], config.args["hidden"]) == (4, 8)
    assert config.args["use_vae"] is False and config.args["spectral"] is False
    assert config.meta["input"] == "labels" and config.meta["palette"] == dataset
    assert config.resolution == spec.resolution
    assert not any("weight_orig" in k for k in loaded.model.state_dict())

    g = torch.Generator().manual_seed(3)
    labels = torch.randint(0, spec.labels, (1, size[0] // 8, size[1] // 8), generator=g)
    labels = labels.repeat_interleave(8, 1).repeat_interleave(8, 2)
    if spec.dont_care:
        labels[0, :4, :4] = 255
    seg = semantic_input(labels, spec.labels, dont_care=spec.dont_care,
                         instance_edge=spec.instance_edge)
    assert seg.shape[1] == spec.channels
    with torch.no_grad():
        expected = official(seg)  # torch's spectral norm in eval mode, BatchNorm's running stats
        got = loaded.model(loaded.model.one_hot(labels))
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert expected.std() > 0.05


def test_spade_file_without_batch_counters(tmp_path):
    official = randomize(OfficialSPADEGenerator(151, ngf=4, nhidden=8)).eval()
    state = {k: v for k, v in official.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    path = save(state, tmp_path / "old.pth")
    loaded = load_checkpoint(import_checkpoint(path, "spade", name="old", out_dir=tmp_path))
    labels = torch.randint(0, 150, (1, 32, 32))
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(loaded.model.one_hot(labels)),
                                   official(loaded.model.one_hot(labels)), atol=1e-5, rtol=1e-4)


def test_card_and_config_describe_the_source(tmp_path):
    official = randomize(OfficialSPADEGenerator(36, ngf=4, nhidden=8, num_upsampling_layers="more"))
    path = save(official.state_dict(), tmp_path / "cityscapes_G.pth")
    folder = import_checkpoint(path, "spade", name="city", out_dir=tmp_path / "models")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    config = json.loads((folder / "config.json").read_text())
    assert config["data"] == "imported from cityscapes_G.pth (official spade checkpoint)"
    assert config["resolution"] == [256, 512]
    assert config["meta"]["imported"]["sha256"] == sha
    card = (folder / "card.md").read_text()
    assert "cityscapes_G.pth" in card and sha in card
    assert "CC BY-NC-SA" in card and "users bring the files" in card
    assert "ngf 4" in card and "more" in card


# --- full official sizes, shapes only (meta tensors) ------------------------------------------

def _count(state):
    return len(state), sum(v.numel() for k, v in state.items()
                           if not k.endswith(("running_mean", "running_var", "num_batches_tracked",
                                              "weight_u", "weight_v")))


def _fits_at_full_size(state, kind, **kw):
    plan = plan_import(clean_state_dict(state), kind, **kw)
    with torch.device("meta"):
        model = build_model(plan)
    assert describe_mismatch(model.state_dict(), plan.state) == ""
    return plan


def with_spectral_keys(state):
    """The keys torch's spectral_norm gives the residual blocks' convolutions (building it on
    meta tensors costs seconds of one-off imports): weight → weight_orig, weight_u, weight_v."""
    out = {}
    for key, value in state.items():
        if re.search(r"\.conv_[01s]\.weight$", key):
            out[key + "_orig"] = value
            out[key + "_u"] = torch.empty(value.shape[0], device=value.device)
            out[key + "_v"] = torch.empty(value[0].numel(), device=value.device)
        else:
            out[key] = value
    return out


def test_spectral_keys_helper_matches_torch():
    real = OfficialSPADEGenerator(36, ngf=2, nhidden=4).state_dict()
    made = with_spectral_keys(OfficialSPADEGenerator(36, ngf=2, nhidden=4,
                                                     spectral=False).state_dict())
    assert {k: v.shape for k, v in made.items()} == {k: v.shape for k, v in real.items()}


def test_official_full_size_layouts():
    with torch.device("meta"):
        unet = OfficialUnet(3, 3, 8, ngf=64).state_dict()
        resnet = OfficialResnet(3, 3, ngf=64, n_blocks=9).state_dict()
        coco = with_spectral_keys(OfficialSPADEGenerator(184, spectral=False).state_dict())
    assert _count(unet) == (82, 54_413_955)
    assert tuple(unet["model.model.1.model.1.weight"].shape) == (128, 64, 4, 4)
    assert tuple(unet["model.model.3.weight"].shape) == (128, 3, 4, 4)
    assert _count(resnet) == (48, 11_378_179)
    assert tuple(resnet["model.22.weight"].shape) == (128, 64, 3, 3)
    assert len(coco) == 234
    assert _count(coco)[1] == pytest.approx(97.5e6, rel=2e-3)

    plan = _fits_at_full_size(unet, "pix2pix")
    assert plan.args["num_downs"] == 8 and plan.args["ngf"] == 64 and len(plan.state) == 43
    assert _fits_at_full_size(resnet, "cyclegan").args["n_blocks"] == 9
    assert _fits_at_full_size(coco, "spade").args["num_labels"] == 182
    with torch.device("meta"):
        most = OfficialSPADEGenerator(151, num_upsampling_layers="most", spectral=False)
    plan = _fits_at_full_size(with_spectral_keys(most.state_dict()), "spade", dataset="ade20k")
    assert plan.args["num_upsampling"] == "most" and plan.args["num_labels"] == 150


# --- refusals: one line naming the file -------------------------------------------------------

@pytest.fixture
def cyclegan_file(tmp_path):
    official = randomize(OfficialResnet(3, 3, ngf=4, n_blocks=1))
    return save(official.state_dict(), tmp_path / "latest_net_G.pth")


@pytest.fixture
def spade_state():
    return randomize(OfficialSPADEGenerator(184, ngf=2, nhidden=4)).state_dict()


def test_wrong_kind_names_what_the_file_is(tmp_path, cyclegan_file, spade_state):
    with pytest.raises(CheckpointImportError) as err:
        import_checkpoint(cyclegan_file, "spade", name="x", out_dir=tmp_path)
    assert one_line(err, cyclegan_file).endswith(
        "this is a CycleGAN ResNet generator, not a SPADE generator (has model.1.weight; "
        "SPADE generators have fc.weight)")
    spade = save(spade_state, tmp_path / "spade.pth")
    with pytest.raises(CheckpointImportError) as err:
        import_checkpoint(spade, "pix2pix", name="x", out_dir=tmp_path)
    assert "this is a SPADE generator, not a pix2pix generator" in one_line(err, spade)
    assert "kind 'spade'" in str(err.value)
    with torch.device("meta"):
        disc = nn.Sequential(nn.Conv2d(6, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                             nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128))
    path = save({"model." + k: torch.zeros(v.shape) for k, v in disc.state_dict().items()},
                tmp_path / "latest_net_D.pth")
    with pytest.raises(CheckpointImportError) as err:
        import_checkpoint(path, "cyclegan", name="x", out_dir=tmp_path)
    assert "this is a PatchGAN discriminator, not a CycleGAN generator" in one_line(err, path)
    assert not (tmp_path / "x").exists()


class Custom:
    def __init__(self):
        self.payload = "not a tensor"


def _damaged_files(tmp_path, good):
    data = good.read_bytes()
    files = {}

    def write(name, content):
        files[name] = tmp_path / name
        files[name].write_bytes(content)

    write("empty.pth", b"")
    write("text.pth", b"hello, this is not a checkpoint\n")
    write("truncated.pth", data[: len(data) // 2])
    legacy = tmp_path / "legacy_full.pth"
    torch.save(torch.load(good, weights_only=True), legacy, _use_new_zipfile_serialization=False)
    write("legacy_truncated.pth", legacy.read_bytes()[: legacy.stat().st_size // 3])
    write("plain.pkl", pickle.dumps({"a": 1}))
    torch.save({"w": torch.zeros(1), "obj": Custom()}, tmp_path / "code.pth")
    files["code.pth"] = tmp_path / "code.pth"
    torch.save(torch.zeros(3), tmp_path / "tensor.pth")
    files["tensor.pth"] = tmp_path / "tensor.pth"
    torch.save({"epoch": 3, "lr": 0.1}, tmp_path / "nostate.pth")
    files["nostate.pth"] = tmp_path / "nostate.pth"
    state = torch.load(good, weights_only=True)
    torch.save({"netG": state, "model": state}, tmp_path / "ambiguous.pth")
    files["ambiguous.pth"] = tmp_path / "ambiguous.pth"
    files["missing.pth"] = tmp_path / "missing.pth"
    files["folder"] = tmp_path / "folder"
    files["folder"].mkdir()
    return files


@pytest.mark.parametrize(("case", "needle"), [
    ("empty.pth", "empty or truncated"), ("text.pth", "not a PyTorch checkpoint"),
    ("truncated.pth", "damaged or truncated"), ("legacy_truncated.pth", "truncated"),
    ("plain.pkl", "not a PyTorch checkpoint"), ("code.pth", "pickled Python objects"),
    ("tensor.pth", "holds a Tensor, not a state dict"), ("nostate.pth", "is not a state dict"),
    ("ambiguous.pth", "several state dicts"), ("missing.pth", "no such file"),
    ("folder", "is a folder")])
def test_damaged_or_foreign_files(tmp_path, cyclegan_file, case, needle):
    path = _damaged_files(tmp_path, cyclegan_file)[case]
    with pytest.raises(CheckpointImportError) as err:
        import_checkpoint(path, "cyclegan", name="x", out_dir=tmp_path / "models")
    assert needle in one_line(err, path)
    assert not (tmp_path / "models" / "x").exists()


def test_pickled_code_is_refused_not_run(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"w": torch.zeros(1), "obj": Custom()}, path)
    with pytest.raises(CheckpointImportError) as err:
        read_state_dict(path)
    assert "Custom" in one_line(err, path) and "could run code" in str(err.value)


def _edit(state, path, *, drop=(), add=None, change=None):
    state = {k: v for k, v in state.items() if k not in drop}
    state.update(add or {})
    state.update(change or {})
    return save(state, path)


def test_missing_unexpected_and_misshapen_keys(tmp_path, cyclegan_file):
    state = torch.load(cyclegan_file, weights_only=True)
    cases = {
        "missing": ({"drop": ["model.10.conv_block.5.bias"]}, "1 missing: model.10.conv_block.5"),
        "unexpected": ({"add": {"model.40.weight": torch.zeros(2)}}, "1 unexpected: model.40"),
        "shape": ({"change": {"model.4.bias": torch.zeros(5)}},
                  "shape mismatch (file vs expected): model.4.bias [5] vs [8]"),
        "no output": ({"drop": ["model.18.weight"]}, "lacks model.18.weight"),
    }
    for name, (edit, needle) in cases.items():
        path = _edit(state, tmp_path / f"{name}.pth", **edit)
        with pytest.raises(CheckpointImportError) as err:
            import_checkpoint(path, "cyclegan", name="x", out_dir=tmp_path / "models")
        assert needle in one_line(err, path), name


def test_spade_refusals(tmp_path, spade_state):
    cases = {
        "no_u": ({"drop": ["up_1.conv_s.weight_u"]}, "lacks up_1.conv_s.weight_u", None),
        "bad_v": ({"change": {"up_1.conv_0.weight_v": torch.ones(3)}}, "up_1.conv_0.weight_u/_v",
                  None),
        "vae": ({"change": {"fc.weight": torch.zeros(2048, 256), "fc.bias": torch.zeros(2048)}},
                "style encoder (use_vae", None),
        "channels": ({"change": {"fc.weight": torch.zeros(32, 40, 3, 3)}},
                     "has 40 label channels", None),
        "dataset": ({}, "but a cityscapes SPADE takes 36 (35 labels + instance edge)",
                    "cityscapes"),
        "mlp": ({"change": {"up_0.norm_0.mlp_gamma.weight": torch.zeros(32, 5, 3, 3)}},
                "shape mismatch", None),
    }
    for name, (edit, needle, dataset) in cases.items():
        path = _edit(spade_state, tmp_path / f"{name}.pth", **edit)
        with pytest.raises(CheckpointImportError) as err:
            import_checkpoint(path, "spade", name="x", dataset=dataset, out_dir=tmp_path / "m")
        assert needle in one_line(err, path), name
    with pytest.raises(CheckpointImportError, match="data set applies to SPADE"):
        import_checkpoint(tmp_path / "dataset.pth", "pix2pix", name="x", dataset="coco",
                          out_dir=tmp_path / "m")


def test_existing_folder_and_bad_names(tmp_path, cyclegan_file):
    out = tmp_path / "models"
    first = import_checkpoint(cyclegan_file, "cyclegan", name="h2z", out_dir=out)
    with pytest.raises(CheckpointImportError, match="already exists"):
        import_checkpoint(cyclegan_file, "cyclegan", name="h2z", out_dir=out)
    assert import_checkpoint(cyclegan_file, "cyclegan", name="h2z", out_dir=out,
                             overwrite=True) == first
    for bad in ("", ".hidden", "a/b", "..", "x\\y"):
        with pytest.raises(CheckpointImportError, match="invalid model name"):
            import_checkpoint(cyclegan_file, "cyclegan", name=bad, out_dir=out)
    with pytest.raises(CheckpointImportError, match="unknown kind"):
        import_checkpoint(cyclegan_file, "stylegan", name="y", out_dir=out)


def test_default_destination_is_the_user_models_folder(tmp_path, monkeypatch, cyclegan_file):
    monkeypatch.setenv("IGAN_MODELS_DIR", str(tmp_path / "user"))
    folder = import_checkpoint(cyclegan_file, "cyclegan", name="mine")
    assert folder == tmp_path / "user" / "mine"
    assert isinstance(load_checkpoint(folder).model.model[-1], nn.Tanh)
    assert not any(isinstance(m, Variation) for m in load_checkpoint(folder).model.modules())
