"""Editing: latents that satisfy the user's strokes while staying near the photo's latent.

As in iGAN, a batch of starts around the anchor latent z0 is optimized with Adam against the
constraints' cost plus λ · mean((z − origin)²) (and, if asked, a realism term from D); every few
iterations the best K become the candidates, after dropping those whose cost is above twice the
mean of the best K/2 and those whose picture nearly repeats a better one. `edit` is a generator:
each yielded EditStep is a complete answer, and a caller stops by not asking for the next one.

Why not every start pulls towards z0, as in iGAN: with the keep term (the picture away from the
strokes held, `constraints.Constraints`) the cost has one basin around the anchor, and 40 Adam
iterations brought all 16 starts into it — 8 candidates of one cost and one look (mean pairwise
VGG relu3_3 distance 0.045 on assets/photos/dune.jpg, where two different scenes are about 7
apart; 0.022 after a stroke drawn live, whose continued edit adds an Adam run per mouse move;
bench/candidates.py). So the anchor and the first `anchored` share of the starts keep iGAN's pull
and find the best edit, and the others are pulled towards where each began: each the nearest way
to meet the strokes from a different picture. Only the best of the anchored starts is offered
(they are one answer); all are ranked by the cost with the pull towards z0, so the best is what
iGAN's pull gives and the others say what they cost (0.127 and 0.269 on dune.jpg, same best).

A projected photo starts the session "fixed" on its projection: the anchor is the photo's latent,
so that edits change what the strokes ask for and little else. Fix makes the chosen candidate the
new anchor; Restart draws new starts around the same anchor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from igan_app.zoo.dcgan import Manifold

Cost = Callable[[torch.Tensor], torch.Tensor]  # images (N, 3, r, r) in [-1, 1] → (N,)
_W_LIMIT = 0.999


@dataclass(frozen=True)
class EditConfig:
    """starts: latents optimized together (iGAN: 64 on a GPU; fewer suit a CPU);
    keep: candidates shown (K); iterations: Adam iterations per edit (iGAN: 40);
    yield_every: iterations between yielded steps; lr, beta1: Adam's (iGAN: 0.1, 0.9);
    spread: starts are z0 + uniform noise of ± spread (iGAN: 0.5);
    pull: λ of the pull towards z0 (iGAN: 5; here 1: with the color term on images in [-1, 1],
    λ = 5 held a blue sky blue under orange strokes on most held-out scenes, λ = 1 let it
    turn, tests/engine/test_shipped_editing.py); realism: weight of D's realism term (0: off);
    anchored: the share of starts pulled towards z0 (1: iGAN's, all of them; the anchor always
    is), the others are pulled towards where they began; apart: the least RMS difference, in
    [-1, 1] units, between the pictures of two candidates (0: duplicates allowed)."""

    starts: int = 16
    keep: int = 8
    iterations: int = 40
    yield_every: int = 1
    lr: float = 0.1
    beta1: float = 0.9
    spread: float = 0.5
    pull: float = 1.0
    realism: float = 0.0
    anchored: float = 0.5
    apart: float = 0.02
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.keep <= self.starts:
            raise ValueError(f"keep ({self.keep}) must be between 1 and starts ({self.starts})")
        if self.iterations < 1 or self.yield_every < 1:
            raise ValueError("iterations and yield_every must be at least 1")
        if not 0 <= self.anchored <= 1:
            raise ValueError(f"anchored ({self.anchored}) must be between 0 and 1")


@dataclass(frozen=True)
class Starts:
    """An edit's latents (N, latent_dim) and the point each is pulled towards (N, latent_dim):
    what an edit of changed strokes continues from (`edit(..., starts=step.starts)`), so that
    every start keeps its own pull (and the candidates their spread) over a stroke being drawn."""

    latents: torch.Tensor
    origins: torch.Tensor

    def __len__(self) -> int:
        return len(self.latents)

    def to(self, device: torch.device | str) -> Starts:
        return Starts(self.latents.to(device), self.origins.to(device))


@dataclass
class EditStep:
    """iteration of total; candidates: (K', latent_dim) latents of the kept candidates, best
    first, with their images (K', 3, r, r) in [-1, 1] and costs (K',); costs_all: every start's
    cost; ms: milliseconds per iteration over the iterations since the last step; starts: every
    start's latent after this step's update and its origin, to continue from when the strokes
    change (`edit(..., starts=step.starts)`)."""

    iteration: int
    total: int
    candidates: torch.Tensor
    images: torch.Tensor
    costs: list[float]
    costs_all: list[float]
    ms: float
    starts: Starts | None = None

    @property
    def done(self) -> bool:
        return self.iteration >= self.total


def select_candidates(costs: torch.Tensor, keep: int, images: torch.Tensor | None = None,
                      apart: float = 0.0) -> torch.Tensor:
    """Indices of the best `keep` finite costs, best first, without those above twice the mean of
    the best keep/2 (iGAN's filter: a start stuck far from the strokes is not a candidate) and,
    given the pictures (N, ...), without one whose RMS difference from a better kept one is below
    `apart` (a repeat is no choice; the next best takes its place)."""
    order = torch.argsort(costs)
    order = order[torch.isfinite(costs[order])]
    reference = costs[order[:max(1, keep // 2)]].mean()
    order = order[costs[order] <= 2 * reference + 1e-12]
    if images is None or apart <= 0:
        return order[:keep]
    flat = images.flatten(1)
    kept: list[int] = []
    for index in order.tolist():
        if kept and (flat[kept] - flat[index]).pow(2).mean(1).sqrt().min() < apart:
            continue
        kept.append(index)
        if len(kept) == keep:
            break
    return order.new_tensor(kept)


def starts_around(anchor: torch.Tensor, count: int, spread: float,
                  rng: torch.Generator) -> torch.Tensor:
    """(count, d) latents: the anchor itself, then anchor + uniform noise of ± spread, reflected
    into the box. (Clamped, the noise put ~40 % of the coordinates of starts around a projected
    photo on the box's edge — half its coordinates lie beyond ±0.99 — all equal there and where
    tanh is flat: no spread left in those directions.)"""
    noise = (torch.rand(count - 1, anchor.shape[1], generator=rng) * 2 - 1) * spread
    others = anchor.cpu() + noise
    others = torch.where(others > 1, 2 - others, others)
    others = torch.where(others < -1, -2 - others, others).clamp(-1, 1)
    return torch.cat([anchor, others.to(anchor.device)])


def origins_for(anchor: torch.Tensor, latents: torch.Tensor, anchored: float) -> torch.Tensor:
    """Where each of fresh `latents` (N, d) is pulled towards: z0 for the anchor (the first) and
    the next round(anchored · (N − 1)) starts, its own start for the others."""
    count = 1 + round(anchored * (len(latents) - 1))
    return torch.cat([anchor.expand(count, -1), latents[count:]])


def edit(manifold: Manifold, anchor: torch.Tensor, cost: Cost,
         config: EditConfig = EditConfig(), starts: Starts | torch.Tensor | None = None,
         ) -> Iterator[EditStep]:
    """Optimize latents against `cost` (the strokes) around `anchor` (1, latent_dim).

    starts: where to begin (None: `starts_around` the anchor with the config's seed; an earlier
    step's `starts` to continue it, as a GUI does while a stroke grows; (N, latent_dim) latents:
    begin there, pulled as fresh starts are).
    """
    manifold.requires_grad_(False).eval()
    if anchor.dim() != 2 or anchor.shape[0] != 1 or anchor.shape[1] != manifold.latent_dim:
        raise ValueError(f"anchor must be (1, {manifold.latent_dim}), got {tuple(anchor.shape)}")
    rng = torch.Generator().manual_seed(config.seed)
    if starts is None:
        starts = starts_around(anchor, config.starts, config.spread, rng)
    if isinstance(starts, torch.Tensor):
        starts = Starts(starts, origins_for(anchor, starts, config.anchored))
    origins = starts.origins
    # The starts pulled towards z0 minimize one cost: several tries find its best minimum, and
    # only the best of them is a candidate (the others are the same picture, give or take).
    anchored = (origins == anchor).all(1)
    repeats = anchored if bool((~anchored).any()) else torch.zeros_like(anchored)
    w = torch.atanh(starts.latents.clamp(-_W_LIMIT, _W_LIMIT)).detach().requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=config.lr, betas=(config.beta1, 0.999))
    tick, since = time.perf_counter(), 0
    for iteration in range(1, config.iterations + 1):
        z = torch.tanh(w)
        images = manifold.generator(z)
        fit = cost(images)
        if config.realism:
            # Non-saturating: low when D calls the picture real.
            fit = fit + config.realism * F.softplus(-manifold.discriminator(images).flatten())
        # Each start is pulled towards its origin; all are ranked with the pull towards z0.
        total = fit + config.pull * (z - anchor).pow(2).mean(1)
        optimizer.zero_grad(set_to_none=True)
        (fit + config.pull * (z - origins).pow(2).mean(1)).sum().backward()
        optimizer.step()
        since += 1
        if iteration % config.yield_every and iteration != config.iterations:
            continue
        # The costs above belong to the latents before this Adam step; the candidates shown
        # are those latents, so the pictures and their costs agree.
        with torch.no_grad():
            costs = total.detach()
            best = torch.where(anchored, costs, torch.inf).argmin()
            others = torch.arange(len(costs), device=costs.device) != best
            offered = costs.masked_fill(repeats & others, torch.inf)
            index = select_candidates(offered, config.keep, images, config.apart)
            now = time.perf_counter()
            step = EditStep(iteration, config.iterations, z.detach()[index].clone(),
                            images.detach()[index].clone(), costs[index].tolist(),
                            costs.tolist(), (now - tick) * 1000 / since,
                            Starts(torch.tanh(w).detach().clone(), origins))
            tick, since = now, 0
        yield step


def run_edit(manifold: Manifold, anchor: torch.Tensor, cost: Cost,
             config: EditConfig = EditConfig()) -> EditStep:
    """`edit` run to its end."""
    step = None
    for step in edit(manifold, anchor, cost, config):
        pass
    assert step is not None
    return step


def diversity(features: torch.nn.Module, images: torch.Tensor) -> float:
    """How different (K, 3, r, r) pictures in [-1, 1] are: their mean pairwise distance in the
    feature network's space (`losses.feature_distance`: VGG16 relu3_3, where two different world
    scenes are about 7 apart); 0 for fewer than two pictures."""
    from igan_app.engine.losses import feature_distance

    first, second = torch.triu_indices(len(images), len(images), 1)
    if not len(first):
        return 0.0
    with torch.no_grad():
        return feature_distance(features, images[first], images[second]).mean().item()
