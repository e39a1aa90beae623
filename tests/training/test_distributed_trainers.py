"""The segmenter, features and encoder trainers on several processes (gloo on the CPU) against
one, resuming exactly, and resuming with another number of processes (training/loop.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from same_weights import assert_same
from trainer_runs import largest_change, parameters, train_one, train_two, weights

from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, World
from igan_app.training.encoder import EncoderConfig, EncoderTraining
from igan_app.training.segmentation import SegmentationConfig, SegmentationTraining, cosine_lr
from igan_app.world.palette import NUM_LABELS
from igan_app.zoo.checkpoint import load_checkpoint, save_checkpoint
from igan_app.zoo.dcgan import Manifold
from igan_app.zoo.vgg import FeatureNetwork, VGG16Features

CPU = torch.device("cpu")
# Large rates: the segmenter's warm-up starts at 1% of it, and the differences the tests look
# for (micro-batches against the whole batch) must stand above the tolerance.
SEGMENTER = SegmentationConfig(task="segmenter", resolution=32, width=4, batch=8, steps=3, lr=0.3,
                               dice_weight=0.5, sample_every=0, checkpoint_every=1)
FEATURES = SegmentationConfig(task="features", resolution=32, batch=4, steps=1, lr=0.3,
                              sample_every=0, checkpoint_every=1)
ENCODER = EncoderConfig(batch=4, steps=3, lr=1e-2, feature_batch=2, sample_every=0,
                        checkpoint_every=1)
MANIFOLD = {"resolution": 32, "latent_dim": 8, "width": 4}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


def scenes(n: int = 12) -> ImageSet:
    rng = np.random.default_rng(0)
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
                    rng.integers(0, NUM_LABELS, (n, 32, 32), dtype=np.uint8), f"random: {n}")


def segmentation(config: SegmentationConfig, run_dir: Path, resume: bool = False,
                 world: World = ALONE) -> SegmentationTraining:
    return SegmentationTraining(config, scenes(), CPU, run_dir, resume=resume, world=world)


def write_manifold(folder: Path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(folder, Manifold(**MANIFOLD), kind="dcgan-manifold", args=MANIFOLD,
                           resolution=32, data="none", card="")


def encoder(config: EncoderConfig, run_dir: Path, resume: bool = False,
            world: World = ALONE) -> EncoderTraining:
    """An encoder run over the manifold beside the run folder (written by `write_manifold`)."""
    manifold = load_checkpoint(run_dir.parent / "manifold", expected_kind="dcgan-manifold")
    torch.manual_seed(0)  # the same feature network in every process
    features = FeatureNetwork(VGG16Features("relu3_3").eval().requires_grad_(False), "world",
                              Path("test-vgg"))
    return EncoderTraining(config, manifold, features, scenes(), CPU, run_dir, resume=resume,
                           world=world)


@pytest.mark.parametrize("build, config", [(segmentation, SEGMENTER), (encoder, ENCODER)],
                         ids=["segmenter", "encoder"])
def test_two_processes_train_what_one_does_in_two_parts_and_resume_on_one(tmp_path, build,
                                                                          config):
    write_manifold(tmp_path / "manifold")
    halves = dataclasses.replace(config, micro_batches=2)
    run = build(halves, tmp_path / "one")
    one = {result.step: weights(run) for result in run.steps()}
    two = train_two(build, config, tmp_path / "two", tmp_path, stop=2)
    assert_same(parameters(one[2], run), parameters(two, run))
    _, resumed = train_one(build, halves, tmp_path / "two", resume=True)  # one process, 2 parts
    assert_same(parameters(one[3], run), parameters(resumed, run))
    # ...and the micro-batches are not a no-op: BatchNorm over the whole batch trains others.
    _, whole = train_one(build, config, tmp_path / "whole")
    assert largest_change(parameters(whole, run), parameters(one[3], run)) > 1e-3
    start = weights(build(config, tmp_path / "start"))
    assert largest_change(parameters(start, run), parameters(one[3], run)) > 1e-2  # it trained


def test_the_feature_task_trains_alike_in_two_parts(tmp_path):
    # VGG16 has no BatchNorm: the whole batch and two micro-batches train the same. (One step:
    # after more, Adam turns the float noise in near-zero gradients into steps of the rate.)
    _, whole = train_one(segmentation, FEATURES, tmp_path / "whole")
    _, parts = train_one(segmentation, dataclasses.replace(FEATURES, micro_batches=2),
                         tmp_path / "parts")
    assert_same(whole, parts)


@pytest.mark.parametrize("build, config", [(segmentation, SEGMENTER), (encoder, ENCODER)],
                         ids=["segmenter", "encoder"])
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path, build, config):
    write_manifold(tmp_path / "manifold")
    _, straight = train_one(build, config, tmp_path / "straight")
    train_one(build, config, tmp_path / "stopped", stop=1)
    resumed, after = train_one(build, config, tmp_path / "stopped", resume=True)
    assert resumed.step == config.steps
    assert_same(straight, after, exact=True)  # BatchNorm statistics included


def test_the_segmenter_learning_rate_follows_the_step(tmp_path):
    run, _ = train_one(segmentation, SEGMENTER, tmp_path / "run", stop=2)
    assert run.opt.param_groups[0]["lr"] == cosine_lr(1, SEGMENTER.steps, SEGMENTER.lr)
    resumed = segmentation(SEGMENTER, tmp_path / "run", resume=True)
    steps = resumed.steps()
    next(steps)
    steps.close()
    assert resumed.opt.param_groups[0]["lr"] == cosine_lr(2, SEGMENTER.steps, SEGMENTER.lr)


def test_resume_refuses_other_settings_but_not_other_micro_batches(tmp_path):
    write_manifold(tmp_path / "manifold")
    train_one(encoder, ENCODER, tmp_path / "run", stop=1)
    assert encoder(dataclasses.replace(ENCODER, micro_batches=2), tmp_path / "run",
                   resume=True).step == 1
    with pytest.raises(ValueError, match="different settings"):
        encoder(dataclasses.replace(ENCODER, latent_weight=0.5), tmp_path / "run", resume=True)
    train_one(segmentation, SEGMENTER, tmp_path / "seg", stop=1)
    with pytest.raises(ValueError, match="different settings"):
        segmentation(dataclasses.replace(SEGMENTER, dice_weight=0.0), tmp_path / "seg",
                     resume=True)


def test_an_encoder_batch_whose_halves_do_not_split_is_refused(tmp_path):
    write_manifold(tmp_path / "manifold")
    with pytest.raises(ValueError, match="not split"):
        encoder(dataclasses.replace(ENCODER, batch=6, micro_batches=2), tmp_path / "run")
    with pytest.raises(ValueError, match="not split"):
        encoder(dataclasses.replace(ENCODER, batch=9, micro_batches=2), tmp_path / "run")
