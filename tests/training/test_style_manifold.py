"""The style manifold's trainer (training/style_manifold.py) and DiffAugment
(training/diffaugment.py): the augmentation's properties, R1 and the average's schedule, two
processes against one, resuming, and a trained checkpoint that the editor's projection uses."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from same_weights import assert_same
from trainer_runs import largest_change, train_one, train_two

from igan_app.engine.losses import psnr
from igan_app.engine.projection import ProjectionConfig, run_projection
from igan_app.training.data import ImageSet
from igan_app.training.diffaugment import augment, cut_out, draw, translate
from igan_app.training.distributed import ALONE, World
from igan_app.training.style_manifold import (
    StyleManifoldConfig,
    StyleManifoldTraining,
    ema_decay,
    r1_penalty,
)
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.style import StyleManifold

CPU = torch.device("cpu")
# R1 and the path-length term both fall on steps 0 and 2 of 3.
TINY = StyleManifoldConfig(resolution=32, latent_dim=8, width=2, max_width=8, w_dim=8,
                           mapping_layers=2, encoder_width=4, batch=8, steps=3, r1_every=2,
                           pl_weight=2.0, pl_every=2, sample_every=0, checkpoint_every=1)


# --- DiffAugment ------------------------------------------------------------------------------

def pictures(n: int = 4, size: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_one_draw_augments_any_two_batches_alike():
    a, b = pictures(seed=1), pictures(seed=2)
    aug = draw(4, 16, torch.Generator().manual_seed(0), "translation,cutout")
    # Shifts and cutouts are linear: one geometry for both batches.
    torch.testing.assert_close(augment(a + b, aug), augment(a, aug) + augment(b, aug))
    again = draw(4, 16, torch.Generator().manual_seed(0), "translation,cutout")
    assert torch.equal(augment(a, aug), augment(a, again))
    other = draw(4, 16, torch.Generator().manual_seed(1), "translation,cutout")
    assert not torch.equal(augment(a, aug), augment(a, other))
    # A flat picture stays flat under saturation and contrast: only the brightness moves it.
    colour = draw(4, 16, torch.Generator().manual_seed(0), "color")
    flat = torch.full((4, 3, 16, 16), 0.25)
    torch.testing.assert_close(augment(flat, colour)[:, :, 0, 0],
                               (0.25 + colour.brightness).view(4, 1).expand(4, 3))


def test_a_part_of_the_draw_augments_its_part_of_the_batch():
    x = pictures(8)
    aug = draw(8, 16, torch.Generator().manual_seed(3))
    torch.testing.assert_close(augment(x, aug)[4:], augment(x[4:], aug.part(lambda v: v[4:])))


def test_translation_moves_the_content_and_fills_with_zeros():
    x = pictures(2)
    moved = translate(x, torch.tensor([[2, -3], [-1, 0]]))
    torch.testing.assert_close(moved[0, :, 2:, :13], x[0, :, :14, 3:])
    assert moved[0, :, :2].abs().max() == 0 and moved[0, :, :, 13:].abs().max() == 0
    torch.testing.assert_close(moved[1, :, :15], x[1, :, 1:])


def test_gradients_flow_through_the_augmentation_to_the_pixels_it_keeps():
    x = pictures(1).requires_grad_(True)
    translate(x, torch.tensor([[2, -3]])).sum().backward()
    assert x.grad.sum() == 3 * 14 * 13  # each kept pixel once, the shifted-out ones not at all
    x.grad = None
    full = draw(1, 16, torch.Generator().manual_seed(5))
    augment(x, full).square().sum().backward()
    assert x.grad.abs().sum() > 0


def test_cutout_blanks_a_square_of_half_the_side_clipped_at_the_border():
    x = torch.ones(2, 3, 16, 16)
    cut = cut_out(x, torch.tensor([[4, 5], [-3, 12]]), 8)
    assert (cut[0] == 0).all(0).sum() == 64 and (cut[0, :, 4:12, 5:13] == 0).all()
    assert (cut[1] == 0).all(0).sum() == 5 * 4  # rows 0..4, columns 12..15


# --- R1 and the average -----------------------------------------------------------------------

def test_r1_penalty_is_the_squared_input_gradient_and_trains():
    a = torch.randn(3, 4, 4, requires_grad=True)
    real = pictures(2, 4).requires_grad_(True)
    logits = (real * a).sum((1, 2, 3))  # a linear D: its gradient is `a` everywhere
    penalty = r1_penalty(logits, real)
    torch.testing.assert_close(penalty, a.detach().square().sum().expand(2))
    penalty.mean().backward()
    torch.testing.assert_close(a.grad, 2 * a.detach())


def test_the_average_copies_at_first_then_keeps_a_half_life_of_ten_thousand_images():
    assert ema_decay(0, 32, 10.0, 0.05) == 0.0
    assert ema_decay(3200, 32, 10.0, 0.05) < ema_decay(32000, 32, 10.0, 0.05)
    late = ema_decay(10**7, 32, 10.0, 0.05)
    assert late ** (10_000 / 32) == pytest.approx(0.5)
    assert ema_decay(0, 32, 10.0, 0.0) == late  # no ramp-up


# --- the trainer ------------------------------------------------------------------------------

def scenes(n: int = 12) -> ImageSet:
    rng = np.random.default_rng(0)
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), None, f"random: {n}")


def style(config: StyleManifoldConfig, run_dir: Path, resume: bool = False,
          world: World = ALONE) -> StyleManifoldTraining:
    """A run, with its networks and average as `net`, where the distributed tests' helpers
    read a trainer's weights."""
    run = StyleManifoldTraining(config, scenes(), CPU, run_dir, resume=resume, world=world)
    run.net = torch.nn.ModuleDict({"model": run.model, "ema": run.ema.module})
    return run


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_steps_report_the_losses_and_their_regularizers_when_due(tmp_path):
    run = style(dataclasses.replace(TINY, sample_every=3), tmp_path / "run")
    results = list(run.steps())
    assert [set(r.losses) for r in results] == [{"d", "g", "r1", "pl"}, {"d", "g"},
                                                {"d", "g", "r1", "pl"}]
    assert all(math.isfinite(v) for r in results for v in r.losses.values())
    assert results[0].losses["r1"] > 0 and results[0].losses["pl"] > 0
    assert run.pl_mean > 0  # the running path length moved
    assert results[-1].sample_grid is not None and results[-1].sample_grid.is_file()


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_the_evaluation_scores_the_averaged_generators_samples(tmp_path):
    seen = []

    def judge(generate):  # stands in for SampleFID: a number from the pictures it is given
        pictures = generate(6)
        seen.append(pictures)
        return float(pictures.mean())

    run = StyleManifoldTraining(dataclasses.replace(TINY, steps=2), scenes(), CPU,
                                tmp_path / "run", evaluation=judge, eval_every=2)
    results = list(run.steps())
    assert "eval" not in results[0].extra
    assert results[1].extra["eval"] == {"FID-L": pytest.approx(seen[0].mean().item())}
    z = run.g.sample_latent(6, torch.Generator().manual_seed(TINY.seed + 2))
    with torch.no_grad():
        torch.testing.assert_close(seen[0], run.ema.module(z))
    with pytest.raises(ValueError, match="FID-L"):
        StyleManifoldTraining(TINY, scenes(), CPU, tmp_path / "other", eval_every=2)


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_two_processes_train_what_one_does_in_two_parts_and_resume_on_one(tmp_path):
    halves = dataclasses.replace(TINY, micro_batches=2)
    run = style(halves, tmp_path / "one")
    one = {}
    for result in run.steps():
        one[result.step] = {k: v.detach().clone() for k, v in run.net.state_dict().items()}
    two = train_two(style, TINY, tmp_path / "two", tmp_path, stop=2)
    assert_same(one[2], two)
    _, resumed = train_one(style, halves, tmp_path / "two", resume=True)  # one process, 2 parts
    assert_same(one[3], resumed)
    # ...and the split is not a no-op: the minibatch deviation's groups follow the parts.
    _, whole = train_one(style, TINY, tmp_path / "whole")
    assert largest_change(whole, one[3]) > 1e-3
    start = style(TINY, tmp_path / "start").net.state_dict()
    assert largest_change(start, one[3]) > 1e-3  # it trained


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    _, straight = train_one(style, TINY, tmp_path / "straight")
    train_one(style, TINY, tmp_path / "stopped", stop=1)
    resumed, after = train_one(style, TINY, tmp_path / "stopped", resume=True)
    assert resumed.step == TINY.steps
    assert_same(straight, after, exact=True)
    with pytest.raises(ValueError, match="different settings"):
        style(dataclasses.replace(TINY, r1_gamma=1.0), tmp_path / "stopped", resume=True)


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_a_trained_checkpoint_loads_and_the_editor_projects_onto_it(tmp_path):
    run, _ = train_one(style, dataclasses.replace(TINY, steps=2), tmp_path / "run")
    folder = run.export(tmp_path / "model", command="test", hardware="test CPU")
    loaded = load_checkpoint(folder, expected_kind="style-manifold")
    assert isinstance(loaded.model, StyleManifold)
    assert "style manifold at 32×32" in loaded.card()
    z = run.fixed_z[:2]
    with torch.no_grad():  # the shipped generator is the average
        torch.testing.assert_close(loaded.model.generator(z), run.ema.module(z))
    target = torch.from_numpy(scenes().images[:1]).permute(0, 3, 1, 2).float() / 127.5 - 1
    for method in ("hybrid", "optimize"):
        result = run_projection(loaded.model, target, ProjectionConfig(method, steps=3))
        assert result.step == 3 and result.image.shape == (1, 3, 32, 32)
        assert math.isfinite(psnr(result.image, target).item())


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_the_transformer_generator_trains_with_the_same_discriminator_and_losses(tmp_path):
    pytest.importorskip("igan_app.zoo.transgan")
    config = dataclasses.replace(TINY, generator="transformer", generator_width=32, pl_weight=0.0,
                                 steps=2)
    run, after = train_one(style, config, tmp_path / "run")
    assert type(run.g).__name__ == "TransformerGenerator"
    assert type(run.d) is type(style(TINY, tmp_path / "style").d)
    before = style(config, tmp_path / "start").net.state_dict()
    changed = [k for k in after if k.startswith("model.generator.")
               and not torch.equal(after[k], before[k])]
    assert changed  # G trained through the same D


def test_path_length_needs_the_style_generator():
    with pytest.raises(ValueError, match="path-length"):
        StyleManifoldConfig(generator="transformer", pl_weight=2.0)
    with pytest.raises(ValueError, match="unknown augmentation"):
        StyleManifoldConfig(augment="color,rotation")
