"""Editing: latents that satisfy the user's strokes while staying near the photo's latent.

As in iGAN, a batch of starts around the anchor latent z0 is optimized with Adam against the
constraints' cost plus λ · mean((z − z0)²) (and, if asked, a realism term from D); every few
iterations the best K become the candidates, after dropping those whose cost is above twice the
mean of the best K/2. `edit` is a generator: each yielded EditStep is a complete answer, and a
caller stops by not asking for the next one.

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
    turn, tests/engine/test_shipped_editing.py); realism: weight of D's realism term (0: off)."""

    starts: int = 16
    keep: int = 8
    iterations: int = 40
    yield_every: int = 1
    lr: float = 0.1
    beta1: float = 0.9
    spread: float = 0.5
    pull: float = 1.0
    realism: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.keep <= self.starts:
            raise ValueError(f"keep ({self.keep}) must be between 1 and starts ({self.starts})")
        if self.iterations < 1 or self.yield_every < 1:
            raise ValueError("iterations and yield_every must be at least 1")


@dataclass
class EditStep:
    """iteration of total; candidates: (K', latent_dim) latents of the kept candidates, best
    first, with their images (K', 3, r, r) in [-1, 1] and costs (K',); costs_all: every start's
    cost; ms: milliseconds per iteration over the iterations since the last step; latents: every
    start's latent after this step's update (N, latent_dim), to continue from when the strokes
    change (`edit(..., starts=step.latents)`)."""

    iteration: int
    total: int
    candidates: torch.Tensor
    images: torch.Tensor
    costs: list[float]
    costs_all: list[float]
    ms: float
    latents: torch.Tensor | None = None

    @property
    def done(self) -> bool:
        return self.iteration >= self.total


def select_candidates(costs: torch.Tensor, keep: int) -> torch.Tensor:
    """Indices of the best `keep` costs, best first, without those above twice the mean of the
    best keep/2 (iGAN's filter: a start stuck far from the strokes is not a candidate)."""
    order = torch.argsort(costs)[:keep]
    reference = costs[order[:max(1, keep // 2)]].mean()
    return order[costs[order] <= 2 * reference + 1e-12]


def starts_around(anchor: torch.Tensor, count: int, spread: float,
                  rng: torch.Generator) -> torch.Tensor:
    """(count, d) latents: the anchor itself, then anchor + uniform noise of ± spread, in the box."""
    noise = (torch.rand(count - 1, anchor.shape[1], generator=rng) * 2 - 1) * spread
    others = (anchor.cpu() + noise).clamp(-1, 1).to(anchor.device)
    return torch.cat([anchor, others])


def edit(manifold: Manifold, anchor: torch.Tensor, cost: Cost,
         config: EditConfig = EditConfig(), starts: torch.Tensor | None = None,
         ) -> Iterator[EditStep]:
    """Optimize latents against `cost` (the strokes) around `anchor` (1, latent_dim).

    starts: (N, latent_dim) latents to begin from (None: `starts_around` the anchor with the
    config's seed; a GUI passes the last candidates so that a growing stroke continues).
    """
    manifold.requires_grad_(False).eval()
    if anchor.dim() != 2 or anchor.shape[0] != 1 or anchor.shape[1] != manifold.latent_dim:
        raise ValueError(f"anchor must be (1, {manifold.latent_dim}), got {tuple(anchor.shape)}")
    rng = torch.Generator().manual_seed(config.seed)
    if starts is None:
        starts = starts_around(anchor, config.starts, config.spread, rng)
    w = torch.atanh(starts.clamp(-_W_LIMIT, _W_LIMIT)).detach().requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=config.lr, betas=(config.beta1, 0.999))
    tick, since = time.perf_counter(), 0
    for iteration in range(1, config.iterations + 1):
        z = torch.tanh(w)
        images = manifold.generator(z)
        total = cost(images) + config.pull * (z - anchor).pow(2).mean(1)
        if config.realism:
            # Non-saturating: low when D calls the picture real.
            total = total + config.realism * F.softplus(-manifold.discriminator(images).flatten())
        optimizer.zero_grad(set_to_none=True)
        total.sum().backward()
        optimizer.step()
        since += 1
        if iteration % config.yield_every and iteration != config.iterations:
            continue
        # The costs above belong to the latents before this Adam step; the candidates shown
        # are those latents, so the pictures and their costs agree.
        with torch.no_grad():
            costs = total.detach()
            index = select_candidates(costs, config.keep)
            now = time.perf_counter()
            step = EditStep(iteration, config.iterations, z.detach()[index].clone(),
                            images.detach()[index].clone(), costs[index].tolist(),
                            costs.tolist(), (now - tick) * 1000 / since,
                            torch.tanh(w).detach().clone())
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
