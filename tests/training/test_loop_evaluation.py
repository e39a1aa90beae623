"""The loop's periodic evaluation: a trainer's `evaluate` every `eval_every` steps, on rank 0,
into the step's result and the TensorBoard log under eval/."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from igan_app.training.data import ImageSet
from igan_app.training.segmentation import SegmentationConfig, SegmentationTraining

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


def pairs(n: int, seed: int) -> ImageSet:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, (n, 32, 32), dtype=np.uint8)
    images = np.repeat(labels[..., None] * 80, 3, axis=-1).astype(np.uint8)  # label = colour
    return ImageSet(images, labels, f"pairs {seed}")


def test_the_segmenter_is_evaluated_on_its_held_out_pairs_every_n_steps(tmp_path):
    config = SegmentationConfig(task="segmenter", resolution=32, width=4, batch=4, steps=4,
                                sample_every=100, lr=1e-2)
    run = SegmentationTraining(config, pairs(8, 0), torch.device("cpu"), tmp_path,
                               eval_every=2, held_out=pairs(4, 1))
    results = list(run.steps())
    evaluated = [r.step for r in results if "eval" in r.extra]
    assert evaluated == [2, 4]
    assert all(0 <= r.extra["eval"]["mIoU"] <= 1 for r in results if "eval" in r.extra)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log = EventAccumulator(str(tmp_path / "logs"))
    log.Reload()
    assert [e.step for e in log.Scalars("eval/mIoU")] == [2, 4]
    assert [round(e.value, 6) for e in log.Scalars("eval/mIoU")] == [
        round(r.extra["eval"]["mIoU"], 6) for r in results if "eval" in r.extra]


def test_no_evaluation_unless_asked(tmp_path):
    config = SegmentationConfig(task="segmenter", resolution=32, width=4, batch=4, steps=2,
                                sample_every=100)
    run = SegmentationTraining(config, pairs(8, 0), torch.device("cpu"), tmp_path,
                               held_out=pairs(4, 1))
    assert not any("eval" in r.extra for r in run.steps())


def test_the_encoder_logs_its_reconstruction_of_held_out_scenes(tmp_path, monkeypatch):
    import math
    import shutil
    from pathlib import Path

    from cli_runner import igan
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "models" / "landscape64", tmp_path / "manifold")
    code, _out, err = igan("train", "encoder", "--manifold", tmp_path / "manifold",
                           "--features", root / "models" / "vgg16-world", "--scenes", "8",
                           "--steps", "2", "--batch", "4", "--eval-every", "1", "--eval-n", "4",
                           "--run", tmp_path / "run")
    assert code == 0, err
    log = EventAccumulator(str(tmp_path / "run" / "logs"))
    log.Reload()
    points = log.Scalars("eval/reconstruction_psnr")
    assert [p.step for p in points] == [1, 2]
    assert all(math.isfinite(p.value) and 5 < p.value < 60 for p in points)


def test_sample_fid_is_near_zero_for_the_reference_and_large_for_noise():
    from igan_app.training.data import world_scenes
    from igan_app.training.evaluation import SampleFID
    from igan_app.world.dataset import HELD_OUT_SEED
    from igan_app.zoo.registry import ModelRegistry

    segmenter = ModelRegistry().load("world-segmenter64", expected_kind="world-segmenter").model
    held = world_scenes(32, 64, first_seed=HELD_OUT_SEED, cache=False)
    fid = SampleFID(segmenter, held, torch.device("cpu"))
    itself = torch.from_numpy(held.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    noise = torch.rand(32, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert fid(lambda k: itself[:k]) < 1e-6
    assert fid(lambda k: noise[:k]) > 1.0


def test_the_manifold_and_a_paint_model_log_their_evaluation(tmp_path, monkeypatch):
    from cli_runner import igan
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    common = ["--scenes", "8", "--steps", "2", "--batch", "4", "--eval-every", "2",
              "--eval-n", "4", "--sample-every", "100"]
    code, _out, err = igan("train", "manifold", "--resolution", "32", "--width", "4",
                           "--latent-dim", "8", *common, "--run", tmp_path / "m",
                           "--out", tmp_path / "m-model")
    assert code == 0, err
    code, _out, err = igan("train", "pix2pix", "--resolution", "64", "--ngf", "4", "--ndf", "4",
                           *common, "--run", tmp_path / "p", "--out", tmp_path / "p-model")
    assert code == 0, err
    scores = {}
    for run, names in (("m", ("FID-L",)), ("p", ("L1", "mIoU"))):
        log = EventAccumulator(str(tmp_path / run / "logs"))
        log.Reload()
        for name in names:
            points = log.Scalars(f"eval/{name}")
            assert [p.step for p in points] == [2]
            scores[name] = points[0].value
    assert scores["FID-L"] > 0 and 0 < scores["L1"] < 1 and 0 <= scores["mIoU"] <= 1
