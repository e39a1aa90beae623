"""The editor's candidates are real choices: different pictures at a cost close to the best.

Issue 14: the first edit on a photo gave 8 candidates of one cost and one look, because every
start was pulled towards the one anchor (and, with the keep term, fell into one basin), the
continued edit of a stroke drawn live collapsed them further, and starts around a projected
photo were clamped onto the box's edge. bench/candidates.py measures the same on both photos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from igan_app import imaging
from igan_app.engine.editing import (
    EditConfig,
    Starts,
    diversity,
    edit,
    select_candidates,
    starts_around,
)
from igan_app.engine.frame import Frame
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.strokes import Stroke, StrokeSet
from igan_app.imaging.reading import read_image
from igan_app.journeys.edit import editing, projection
from igan_app.journeys.models import ModelCache

PHOTO = Path(__file__).resolve().parents[2] / "assets" / "photos" / "dune.jpg"
EDITOR = EditConfig(starts=16, keep=8, iterations=40)  # the editor's defaults
ORANGE = (240, 150, 90)


def test_starts_around_an_anchor_on_the_box_edge_keep_their_spread():
    anchor = torch.tensor([[0.999, -0.999, 0.2, 1.0]])
    starts = starts_around(anchor, 16, 0.5, torch.Generator().manual_seed(0))
    assert starts.abs().max() <= 1 and (starts[1:] - anchor).abs().max() <= 0.5 + 1e-6
    # Clamped, about half the starts sat exactly on the edge in the first two coordinates.
    for column in range(4):
        assert len(torch.unique(starts[1:, column])) == 15


def test_select_candidates_skips_repeats_and_what_is_not_offered():
    costs = torch.tensor([1.0, 1.1, 1.2, torch.inf, 1.3])
    images = torch.zeros(5, 3, 2, 2)
    images[2] += 0.5
    images[4] -= 0.5  # 0 and 1 are one picture, 2 and 4 others; 3 is not offered
    assert select_candidates(costs, 3, images, apart=0.02).tolist() == [0, 2, 4]
    assert select_candidates(costs, 3).tolist() == [0, 1, 2]


@pytest.fixture(scope="module")
def dune():
    """The editor's first edit on dune.jpg: the projection of its centre square (hybrid, 30
    steps), the frame, the cache and the feature network."""
    cache = ModelCache()
    models = cache.manifold("landscape64", "cpu")
    photo = read_image(PHOTO)
    frame = Frame.centre(photo.shape[:2], 64)
    *_, start = projection(cache, "landscape64", "cpu", photo, frame,
                           ProjectionConfig("hybrid", steps=30))
    return cache, models, photo, frame, start


def stroke(frame: Frame, shape, fraction: float = 1.0) -> StrokeSet:
    x0, y0, x1, _ = frame.box
    side = x1 - x0
    points = [(x0 + side * (0.1 + 0.8 * t), y0 + 0.15 * side)
              for t in np.linspace(0, fraction, max(2, round(12 * fraction)))]
    return StrokeSet(shape, (Stroke("color", tuple(points), 0.08 * side, ORANGE),))


def last(steps):
    *_, step = steps
    return step


def check_choices(models, step, reference) -> None:
    """8 candidates, pairwise different pictures, more diverse than iGAN's pull gave, and the
    best about as good."""
    pictures = imaging.to_tensor(step.images)
    assert len(step.costs) == 8
    apart = (pictures[:, None] - pictures[None]).flatten(2).pow(2).mean(2).sqrt()
    assert apart[~torch.eye(8, dtype=torch.bool)].min() >= EDITOR.apart
    ours = diversity(models.features.model, pictures)
    igan = diversity(models.features.model, imaging.to_tensor(reference.images))
    assert ours > 2 * igan, (ours, igan)
    assert step.costs[0] <= 1.05 * reference.costs[0], (step.costs, reference.costs)


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_the_first_edit_offers_different_candidates(dune):
    cache, models, photo, frame, start = dune

    def candidates(config: EditConfig):
        return last(editing(cache, "landscape64", "cpu", stroke(frame, photo.shape[:2]), frame,
                            start.latent, start.image, config))

    igan = candidates(EditConfig(starts=16, keep=8, iterations=40, anchored=1.0, apart=0.0))
    check_choices(models, candidates(EDITOR), igan)


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_a_stroke_drawn_live_keeps_its_candidates_apart(dune):
    """As the editor draws: each mouse move's edit continues the last one after one step, then
    the released stroke's edit continues from there."""
    cache, models, photo, frame, start = dune

    def drawn(config: EditConfig):
        resume = None
        for moves in range(1, 11):
            steps = editing(cache, "landscape64", "cpu", stroke(frame, photo.shape[:2], moves / 10),
                            frame, start.latent, start.image, config, resume=resume)
            resume = next(steps).resume
        assert isinstance(resume, Starts)
        return last(editing(cache, "landscape64", "cpu", stroke(frame, photo.shape[:2]), frame,
                            start.latent, start.image, config, resume=resume))

    igan = drawn(EditConfig(starts=16, keep=8, iterations=40, anchored=1.0, apart=0.0))
    check_choices(models, drawn(EDITOR), igan)


@pytest.mark.usefixtures("one_torch_thread")
def test_continued_starts_keep_their_own_pull():
    """Each start is pulled towards where it began, the anchor's share towards the anchor, and a
    continued edit keeps those origins."""
    models = ModelCache().manifold("landscape64", "cpu", features=None)
    anchor = torch.rand(1, models.manifold.latent_dim, generator=torch.Generator().manual_seed(1))
    zero = lambda images: images.new_zeros(len(images))  # no strokes: only the pull acts
    config = EditConfig(starts=8, keep=4, iterations=3)
    first = last(edit(models.manifold, anchor, zero, config))
    origins = first.starts.origins
    assert torch.equal(origins[:5], anchor.expand(5, -1))  # the anchor and round(0.5 · 7)
    assert not (origins[5:] == anchor).all(1).any()
    again = last(edit(models.manifold, anchor, zero, config, starts=first.starts))
    assert torch.equal(again.starts.origins, origins)
