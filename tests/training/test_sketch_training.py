"""`igan train spade` / `igan train pix2pix` loops, their export, and the paint-quality report."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from igan_app.engine.edges import edge_map
from igan_app.engine.paint import Painter
from igan_app.training.data import ImageSet
from igan_app.training.sketch import SketchConfig, SketchTraining
from igan_app.training.sketch_metrics import paint_quality
from igan_app.world.render import render
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.spade import SpadeModel

CPU = torch.device("cpu")
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

SPADE = SketchConfig(model="spade", resolution=64, ngf=2, hidden=4, z_dim=4, ndf=4, d_layers=2,
                     batch=2, steps=3, lambda_vgg=0.0, sample_every=3, checkpoint_every=1)
PIX2PIX = SketchConfig(model="pix2pix", source="edges", resolution=64, ngf=4, ndf=4, d_layers=2,
                       num_d=1, batch=2, steps=2, lr_g=2e-4, sample_every=2, checkpoint_every=1)


def scenes(n: int = 6, size: int = 64) -> ImageSet:
    pairs = [render(seed, size) for seed in range(n)]
    return ImageSet(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]),
                    f"world: {n} scenes")


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_spade_trains_resumes_exactly_and_exports(tmp_path):
    data = scenes()
    straight = SketchTraining(SPADE, data, CPU, tmp_path / "a")
    steps = list(straight.steps())
    assert [s.step for s in steps] == [1, 2, 3]
    assert all(np.isfinite(v) for s in steps for v in s.losses.values())
    assert {"d", "g", "fm", "kl"} <= steps[0].losses.keys()
    assert steps[-1].sample_grid.is_file()

    first = SketchTraining(dataclasses.replace(SPADE, steps=2), data, CPU, tmp_path / "b")
    list(first.steps())
    resumed = SketchTraining(SPADE, data, CPU, tmp_path / "b", resume=True)
    assert resumed.step == 2
    for name in ("g", "d", "opt_g"):
        assert str(getattr(resumed, name).state_dict()) == str(getattr(first, name).state_dict())
    assert same(resumed.ema.module.state_dict(), first.ema.module.state_dict())
    assert [s.step for s in resumed.steps()] == [3]

    folder = straight.export(tmp_path / "landscape-spade", command="igan train spade", hardware="t")
    loaded = load_checkpoint(folder, expected_kind="spade")
    assert loaded.config.args["use_vae"] and "spectral" not in loaded.config.args
    assert not any(k.endswith("weight_orig") for k in loaded.model.state_dict())
    # The folded, shipped generator renders what the averaged training generator renders.
    straight.ema.module.eval()
    seg = loaded.model.one_hot(torch.from_numpy(data.labels[:2]).long())
    z = torch.randn(2, SPADE.z_dim)
    with torch.no_grad():
        assert torch.allclose(loaded.model(seg, z), straight.ema.module(seg, z), atol=1e-5)
    card = (folder / "card.md").read_text()
    assert "igan train spade" in card and "steps 0–3 at 64²" in card


def test_a_run_resumes_at_a_larger_resolution_but_not_as_another_network(tmp_path):
    small = SketchTraining(dataclasses.replace(SPADE, steps=1, resolution=32), scenes(4, 32), CPU, tmp_path)
    list(small.steps())
    grown = SketchTraining(dataclasses.replace(SPADE, steps=2), scenes(4), CPU, tmp_path,
                           resume=True)
    list(grown.steps())
    assert grown.phase_notes().startswith("steps 0–1 at 32²")
    assert "steps 1–2 at 64²" in grown.phase_notes()
    with pytest.raises(ValueError, match="different settings"):
        SketchTraining(dataclasses.replace(SPADE, ngf=3), scenes(4), CPU, tmp_path, resume=True)


def test_pix2pix_edges_learns_from_sketches_and_exports_an_image_model(tmp_path):
    data = scenes(4)
    run = SketchTraining(PIX2PIX, data, CPU, tmp_path / "run")
    assert np.array_equal(run.inputs[1], edge_map(data.images[1]))
    before = {k: v.clone() for k, v in run.g.state_dict().items()}
    results = list(run.steps())
    assert {"d", "g", "l1"} == results[0].losses.keys()
    assert not same(before, run.g.state_dict())
    folder = run.export(tmp_path / "edges", command="igan train pix2pix", hardware="t")
    painter = Painter.from_checkpoint(load_checkpoint(folder, expected_kind="unet-generator"))
    assert painter.input == "image" and painter.has_variation
    assert painter.render(edge_map(data.images[0])).shape == (64, 64, 3)


def test_spade_needs_features_for_its_vgg_loss(tmp_path):
    with pytest.raises(ValueError, match="feature network"):
        SketchTraining(dataclasses.replace(SPADE, lambda_vgg=10.0), scenes(2), CPU, tmp_path)
    with pytest.raises(ValueError, match="use pix2pix for edges"):
        SketchConfig(model="spade", source="edges")


def test_paint_quality_reports_ceiling_and_renders(tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    torch.manual_seed(0)
    args = {"num_labels": 9, "ngf": 2, "hidden": 4, "use_vae": True, "z_dim": 4,
            "latent_size": [2, 2], "encoder_input": 64}
    from igan_app.zoo.checkpoint import save_checkpoint

    folder = save_checkpoint(tmp_path / "m", SpadeModel(**args).eval(), kind="spade", args=args,
                             resolution=64, data="t", card="", meta={"palette": "world"})
    painter = Painter.from_checkpoint(load_checkpoint(folder))
    segmenter = Segmenter(9, 4).eval()
    report = paint_quality(painter, segmenter, n=6, batch=3)
    names = [row[0] for row in report.rows]
    assert names == ["real scenes (ceiling)", "random styles", "style of the true picture"]
    v = report.values
    assert all(0 <= v[f"mIoU {n}"] <= 1 for n in names)
    assert v["mIoU ratio random styles"] == pytest.approx(
        v["mIoU random styles"] / v["mIoU real scenes (ceiling)"])
    assert 0 < v["L1 random styles"] < 1 and "ms/picture" in report.note
