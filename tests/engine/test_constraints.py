"""The costs the editor optimizes: color under the mask, sketch on HOG-like edge features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from igan_app.engine.constraints import (
    SKETCH_WEIGHT,
    Constraints,
    cell_size,
    edge_features,
    grayscale,
)
from igan_app.engine.frame import Frame
from igan_app.engine.rasterize import Targets, rasterize
from igan_app.engine.strokes import Stroke, StrokeSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PHOTO = (480, 640)
FRAME = Frame.centre(PHOTO, 64)  # photo x = 80 + model x · 7.5, photo y = model y · 7.5


def _targets(*items) -> Targets:
    return rasterize(StrokeSet(PHOTO, items), FRAME)


def _random(n: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, 64, 64, generator=g) * 2 - 1


def _step(axis: int, at: int = 32, low: float = -0.6, high: float = 0.6) -> torch.Tensor:
    """(1, 3, 64, 64): `low` before index `at` along `axis` (3: x, a vertical edge; 2: y)."""
    ramp = torch.where(torch.arange(64) < at, low, high)
    shape = [1, 1, 1, 1]
    shape[axis] = 64
    return ramp.view(shape).expand(1, 3, 64, 64).clone()


# --- color ------------------------------------------------------------------------------------

ORANGE = (255, 128, 0)
COLOR = Stroke("color", ((200, 240), (440, 240)), 40, ORANGE)  # model rows 29-34, x 16-48


def _painted(images: torch.Tensor, targets: Targets) -> torch.Tensor:
    """`images` with the target color wherever the mask is on."""
    mask = torch.from_numpy(targets.color_mask) > 0
    return torch.where(mask, torch.from_numpy(targets.color), images)


def test_color_cost_is_zero_when_the_masked_pixels_match():
    targets = _targets(COLOR)
    constraints = Constraints(targets)
    images = _painted(_random(), targets)  # anything at all elsewhere
    torch.testing.assert_close(constraints.cost(images), torch.zeros(4))
    assert constraints.cost(_random()).min() > 0.1


def test_color_cost_grows_with_distance_and_is_normalized_by_the_area():
    small = Constraints(_targets(Stroke("color", ((300, 200),), 20, ORANGE)))
    large = Constraints(_targets(COLOR))
    target = torch.tensor([1.0, 128 / 127.5 - 1, -1.0]).view(1, 3, 1, 1)
    offsets = torch.tensor([0.0, 0.1, 0.3, 0.6, 1.0])
    images = (target - offsets.view(-1, 1, 1, 1)).expand(-1, 3, 64, 64)
    for constraints in (small, large):
        cost = constraints.cost(images)
        # The mean squared error over the mask, whatever the stroke's size.
        torch.testing.assert_close(cost, offsets**2)
        assert (cost.diff() > 0).all()


def test_color_gradient_flows_only_through_masked_pixels():
    targets = _targets(COLOR)
    images = _random(2).requires_grad_(True)
    Constraints(targets).cost(images).sum().backward()
    moved = images.grad.abs().sum((0, 1)) > 0
    assert torch.equal(moved, torch.from_numpy(targets.color_mask[0] > 0))


# --- sketch -----------------------------------------------------------------------------------

VERTICAL = Stroke("sketch", ((320, 40), (320, 440)), 6)  # model x 32, y 5-59


def test_sketch_cost_prefers_an_edge_along_the_line():
    constraints = Constraints(_targets(VERTICAL))
    assert constraints.has_sketch and not constraints.has_color
    along = _step(axis=3)
    across = _step(axis=2)
    flat = torch.zeros(1, 3, 64, 64)
    cost = constraints.cost(torch.cat([along, across, flat]))
    assert cost[0] < 0.2 * cost[1] and cost[0] < 0.2 * cost[2]
    assert cost[2] < cost[1]  # no edge is less wrong than the wrong edge
    # An edge along the line but far from it is as bad as none near the line.
    far = constraints.cost(_step(axis=3, at=8))
    assert far > 5 * cost[0]


def test_sketch_term_is_weighted_relative_to_color():
    targets = _targets(VERTICAL)
    images = _random(3)
    full = Constraints(targets, sketch_weight=1.0).terms(images)["sketch"]
    torch.testing.assert_close(Constraints(targets).terms(images)["sketch"],
                               SKETCH_WEIGHT * full)


def test_features_are_invariant_to_a_constant_brightness_change():
    gray = grayscale(_random(2) * 0.5)
    torch.testing.assert_close(edge_features(gray + 0.4, 8), edge_features(gray, 8),
                               atol=1e-5, rtol=1e-4)
    constraints = Constraints(_targets(VERTICAL))
    torch.testing.assert_close(constraints.cost(_step(axis=3) + 0.3),
                               constraints.cost(_step(axis=3)), atol=1e-5, rtol=1e-4)


def test_features_are_oriented_cells_of_unit_size_at_most():
    features = edge_features(grayscale(torch.cat([_step(axis=3), _step(axis=2)])), cell_size(64))
    assert features.shape == (2, 8, 8, 8)
    assert (features.norm(dim=1) <= 1).all()
    # A vertical edge has horizontal gradients (bin 0); a horizontal edge vertical ones (bin 4).
    assert features[0, :, 3, 4].argmax() == 0 and features[0, 0, 3, 4] > 0.9
    assert features[1, :, 4, 3].argmax() == 4 and features[1, 4, 4, 3] > 0.9
    # Far from the edge there is nothing.
    assert features[0, :, :, 0].abs().max() < 1e-3


def test_sketch_gradient_is_finite_on_flat_images():
    images = torch.zeros(2, 3, 64, 64, requires_grad=True)
    Constraints(_targets(VERTICAL)).cost(images).sum().backward()
    assert torch.isfinite(images.grad).all()


# --- the whole ---------------------------------------------------------------------------------


def test_terms_add_up_to_the_cost():
    constraints = Constraints(_targets(COLOR, VERTICAL))
    images = _random(5)
    terms = constraints.terms(images)
    assert set(terms) == {"color", "sketch", "keep"}
    assert all(value.shape == (5,) for value in terms.values())
    torch.testing.assert_close(sum(terms.values()), constraints.cost(images))
    torch.testing.assert_close(constraints(images), constraints.cost(images))


def test_empty_targets_cost_nothing():
    erased = _targets(COLOR, VERTICAL, Stroke("eraser", ((320, 240),), 2000))
    constraints = Constraints(erased)
    assert erased.is_empty and constraints.is_empty
    images = _random(3).requires_grad_(True)
    cost = constraints.cost(images)
    torch.testing.assert_close(cost, torch.zeros(3))
    only_color = Constraints(_targets(COLOR)).terms(_random(2))
    torch.testing.assert_close(only_color["sketch"], torch.zeros(2))


def test_images_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"\(N, 3, 64, 64\)"):
        Constraints(_targets(COLOR)).cost(torch.zeros(1, 3, 32, 32))


def test_other_resolutions():
    targets = rasterize(StrokeSet(PHOTO, (COLOR, VERTICAL)), Frame.centre(PHOTO, 32))
    constraints = Constraints(targets)
    images = torch.from_numpy(np.zeros((2, 3, 32, 32), np.float32))
    assert constraints.cost(images).shape == (2,) and cell_size(32) == 4


# --- keep -------------------------------------------------------------------------------------

def _picture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (64, 64, 3), dtype=np.uint8)


def test_keep_term_asks_for_the_old_picture_only_away_from_the_strokes():
    targets = _targets(COLOR)  # model rows 29-34
    before = _picture(1)
    constraints = Constraints(targets, keep=before, keep_weight=1.0)
    assert constraints.has_keep
    old = torch.from_numpy(before.astype(np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
    assert constraints.terms(old)["keep"].item() == pytest.approx(0.0, abs=1e-6)
    changed_near = old.clone()
    changed_near[:, :, 24:40, 12:52] = 0.9  # the stroke (x 16-48) and its margin (8 px at 64)
    assert constraints.terms(changed_near)["keep"].item() == pytest.approx(0.0, abs=1e-6)
    changed_far = old.clone()
    changed_far[:, :, :10] = 0.9
    far = constraints.terms(changed_far)["keep"].item()
    assert far > 0.01
    twice = Constraints(targets, keep=before, keep_weight=2.0).terms(changed_far)["keep"].item()
    assert twice == pytest.approx(2 * far, rel=1e-5)
    terms = constraints.terms(changed_far)
    torch.testing.assert_close(constraints.cost(changed_far), sum(terms.values()))


def test_keep_term_is_off_without_a_picture_or_weight():
    targets = _targets(COLOR)
    assert not Constraints(targets).has_keep
    assert not Constraints(targets, keep=_picture(2), keep_weight=0.0).has_keep
    with pytest.raises(ValueError, match="keep must be a uint8"):
        Constraints(targets, keep=np.zeros((32, 32, 3), np.uint8))
