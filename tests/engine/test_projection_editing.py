"""Projection, editing and interpolation on tiny random manifolds (the shipped model is tested in
tests/test_shipped_models.py)."""

from __future__ import annotations

import itertools

import pytest
import torch

from igan_app.engine.editing import EditConfig, edit, run_edit, select_candidates, starts_around
from igan_app.engine.interpolation import interpolate, render_path
from igan_app.engine.losses import ReconstructionLoss, reconstruction_loss
from igan_app.engine.projection import ProjectionConfig, project, run_projection
from igan_app.training.common import recalibrate_batchnorm
from igan_app.zoo.dcgan import Manifold
from igan_app.zoo.vgg import VGG16Features

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def manifold():
    torch.manual_seed(0)
    m = Manifold(resolution=32, latent_dim=8, width=8)
    # Fresh BatchNorm statistics make an untrained generator's pictures nearly flat; statistics
    # of its own activations give it varied pictures, as a trained one has.
    recalibrate_batchnorm(m.generator, 8, 4, 64, torch.Generator().manual_seed(0), "cpu")
    return m.eval()


@pytest.fixture(scope="module")
def target(manifold):
    """A picture the generator can make exactly, from a known latent."""
    z = torch.tensor([[0.5, -0.3, 0.2, 0.7, -0.6, 0.1, -0.2, 0.4]])
    with torch.no_grad():
        return manifold.generator(z), z


def test_reconstruction_loss_with_cached_target_matches_the_plain_loss():
    torch.manual_seed(1)
    features = VGG16Features("relu3_3").eval()
    target = torch.rand(1, 3, 32, 32) * 2 - 1
    images = torch.rand(3, 3, 32, 32) * 2 - 1
    cached = ReconstructionLoss(features, target)(images)
    plain = reconstruction_loss(features, images, target.expand(3, -1, -1, -1))
    torch.testing.assert_close(cached, plain, rtol=1e-5, atol=1e-6)


def test_optimize_recovers_a_picture_the_generator_can_make(manifold, target):
    image, _ = target
    config = ProjectionConfig("optimize", steps=150, starts=8, lr=0.1, prior_weight=0.0)
    steps = list(project(manifold, image, config))
    assert [s.step for s in steps] == list(range(151))
    best = [s.loss for s in steps]
    assert all(b2 <= b1 for b1, b2 in itertools.pairwise(best))  # the best never worsens
    assert best[-1] < 0.1 * best[0]
    assert steps[-1].done and steps[-1].latent.abs().max() <= 1.0
    with torch.no_grad():
        again = manifold.generator(steps[-1].latent)
    torch.testing.assert_close(again, steps[-1].image)


def test_hybrid_starts_from_the_encoder_and_improves_on_it(manifold, target):
    image, _ = target
    with torch.no_grad():
        z_e = manifold.encoder(image)
    encoder_only = run_projection(manifold, image, ProjectionConfig("encoder"))
    assert encoder_only.step == 0 and len(encoder_only.losses) == 1
    torch.testing.assert_close(encoder_only.latent, z_e, atol=2e-3, rtol=0)
    hybrid = run_projection(manifold, image, ProjectionConfig("hybrid", steps=40, starts=2))
    assert hybrid.loss < encoder_only.loss


def test_projection_stops_at_its_time_budget(manifold, target):
    image, _ = target
    config = ProjectionConfig("optimize", steps=100_000, time_budget=0.2)
    result = run_projection(manifold, image, config)
    assert result.done and 0 < result.step < 100_000
    assert 0.2 <= result.elapsed < 5.0


def test_projection_is_deterministic_for_a_seed(manifold, target):
    image, _ = target
    config = ProjectionConfig("optimize", steps=5, starts=3, seed=4)
    a, b = run_projection(manifold, image, config), run_projection(manifold, image, config)
    torch.testing.assert_close(a.latent, b.latent)
    c = run_projection(manifold, image, ProjectionConfig("optimize", steps=5, starts=3, seed=5))
    assert not torch.equal(a.latent, c.latent)


def test_projection_rejects_bad_targets_and_settings(manifold):
    with pytest.raises(ValueError, match=r"\(1, 3, 32, 32\)"):
        next(project(manifold, torch.zeros(1, 3, 64, 64)))
    with pytest.raises(ValueError, match="unknown projection method 'best'"):
        ProjectionConfig("best")


# --- editing ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corner_cost(manifold):
    """Asks for the top-left 12×12 corner of a picture the generator makes from another latent,
    so that the strokes can be met."""
    with torch.no_grad():
        wanted = manifold.generator(torch.full((1, 8), -0.4))[:, :, :12, :12]

    def cost(images: torch.Tensor) -> torch.Tensor:
        return (images[:, :, :12, :12] - wanted).pow(2).mean((1, 2, 3))
    return cost


def test_select_candidates_keeps_the_best_k_and_drops_outliers():
    costs = torch.tensor([5.0, 1.0, 100.0, 2.0, 1.5, 3.9])
    assert select_candidates(costs, 4).tolist() == [1, 4, 3]  # 3.9 > 2 × mean(1, 1.5)
    assert select_candidates(costs, 1).tolist() == [1]
    flat = torch.full((6,), 2.0)
    assert len(select_candidates(flat, 6)) == 6


def test_starts_stay_in_the_box_and_begin_with_the_anchor():
    anchor = torch.full((1, 8), 0.9)
    starts = starts_around(anchor, 10, 0.5, torch.Generator().manual_seed(0))
    assert starts.shape == (10, 8) and torch.equal(starts[0], anchor[0])
    assert starts.abs().max() <= 1.0 and (starts[1:] - anchor).abs().max() <= 0.5 + 1e-6


def test_edit_moves_candidates_towards_the_strokes(manifold, target, corner_cost):
    _, anchor = target
    config = EditConfig(starts=8, keep=4, iterations=30, yield_every=5, pull=0.0)
    steps = list(edit(manifold, anchor, corner_cost, config))
    assert [s.iteration for s in steps] == [5, 10, 15, 20, 25, 30] and steps[-1].done
    first, last = steps[0], steps[-1]
    assert last.costs == sorted(last.costs) and 1 <= len(last.costs) <= 4
    with torch.no_grad():
        start_cost = corner_cost(manifold.generator(anchor)).item()
        best_cost = corner_cost(last.images[:1]).item()
    assert best_cost < 0.5 * start_cost
    assert last.costs[0] < first.costs[0]
    assert last.ms > 0 and len(last.costs_all) == 8


def test_a_strong_pull_keeps_candidates_near_the_anchor(manifold, target, corner_cost):
    _, anchor = target
    loose = run_edit(manifold, anchor, corner_cost, EditConfig(starts=4, keep=2, pull=0.0))
    tight = run_edit(manifold, anchor, corner_cost, EditConfig(starts=4, keep=2, pull=1e3))
    distance = lambda step: (step.candidates[0] - anchor[0]).abs().mean().item()
    assert distance(tight) < 0.5 * distance(loose)


def test_realism_term_changes_the_result_and_edit_is_deterministic(manifold, target,
                                                                     corner_cost):
    _, anchor = target
    plain = EditConfig(starts=4, keep=2, iterations=5)
    a = run_edit(manifold, anchor, corner_cost, plain)
    b = run_edit(manifold, anchor, corner_cost, plain)
    torch.testing.assert_close(a.candidates, b.candidates)
    real = run_edit(manifold, anchor, corner_cost,
                    EditConfig(starts=4, keep=2, iterations=5, realism=1.0))
    assert not torch.allclose(a.candidates, real.candidates)


def test_edit_rejects_bad_settings(manifold, corner_cost):
    with pytest.raises(ValueError, match="keep"):
        EditConfig(starts=4, keep=5)
    with pytest.raises(ValueError, match=r"anchor must be \(1, 8\)"):
        next(edit(manifold, torch.zeros(2, 8), corner_cost))


# --- interpolation ----------------------------------------------------------------------------

def test_linear_and_slerp_paths_join_the_ends():
    a, b = torch.tensor([1.0, 0.0, 0.5]), torch.tensor([0.0, 0.8, -0.5])
    for mode in ("linear", "slerp"):
        path = interpolate(a, b, 5, mode)
        assert path.shape == (5, 3)
        torch.testing.assert_close(path[0], a)
        torch.testing.assert_close(path[-1], b)
    torch.testing.assert_close(interpolate(a, b, 3)[1], (a + b) / 2)


def test_slerp_changes_length_linearly_and_leaves_the_straight_line():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    path = interpolate(a, b, 5, "slerp")
    torch.testing.assert_close(path.norm(dim=1), torch.linspace(1, 2, 5))
    assert not torch.allclose(path, interpolate(a, b, 5, "linear"))
    # equal directions: no arc to follow, the straight line
    torch.testing.assert_close(interpolate(a, 3 * a, 4, "slerp"), interpolate(a, 3 * a, 4))


def test_interpolation_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown interpolation 'cubic'"):
        interpolate(torch.zeros(3), torch.ones(3), 4, "cubic")
    with pytest.raises(ValueError, match="at least 2 frames"):
        interpolate(torch.zeros(3), torch.ones(3), 1)


def test_render_path_matches_the_generator_in_batches(manifold):
    latents = interpolate(torch.full((8,), -0.5), torch.full((8,), 0.5), 5)
    frames = render_path(manifold, latents, batch=2)
    with torch.no_grad():
        torch.testing.assert_close(frames, manifold.generator(latents))
