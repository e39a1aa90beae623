"""Projection: the latent whose generated picture best matches a photo's frame.

Three methods, as in iGAN: `encoder` (one pass of E), `optimize` (Adam on the latent from random
starts) and `hybrid` (E's prediction, then Adam). The loss is pixel L2 + λ · VGG feature distance
+ a small prior term; several starts run as one batch and the best is kept. `project` is a
generator that yields a ProjectionStep after every Adam step, so a caller can show progress and
stop whenever it likes; the last step it yields is the result.

The latent is kept inside the prior's box [-1, 1] by optimizing w with z = tanh(w), as iGAN did;
the encoder ends in tanh, so its prediction maps to w exactly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from igan_app.engine.choices import PROJECTION_METHODS
from igan_app.engine.losses import FEATURE_WEIGHT, ReconstructionLoss
from igan_app.zoo.dcgan import Manifold
from igan_app.zoo.vgg import VGG16Features

METHODS = PROJECTION_METHODS
_W_LIMIT = 0.999  # atanh(±1) is infinite; E's tanh output is clipped just inside the box


@dataclass(frozen=True)
class ProjectionConfig:
    """method: one of METHODS; steps: Adam steps (ignored by `encoder`); starts: latents optimized
    together, the best is kept (hybrid: E's prediction and starts − 1 jittered copies of it);
    lr: Adam's step size on w; jitter: spread of hybrid's extra starts in w;
    feature_weight: λ of the VGG term (0: pixels only); prior_weight: weight of mean(z²), a pull
    towards the middle of the box where the generator has seen most samples;
    time_budget: seconds after which the optimization stops early (None: no limit).
    The defaults fit about 2 s on a 2-core CPU, where one start with more steps beat several
    starts with fewer (bench/editing.py); on a GPU a batch of starts costs what one does."""

    method: str = "hybrid"
    steps: int = 30
    starts: int = 1
    lr: float = 0.1
    jitter: float = 0.3
    feature_weight: float = FEATURE_WEIGHT
    prior_weight: float = 1e-3
    time_budget: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown projection method {self.method!r}; "
                             f"known: {', '.join(METHODS)}")
        if self.starts < 1 or self.steps < 0:
            raise ValueError("starts must be at least 1 and steps not negative")


@dataclass
class ProjectionStep:
    """step of total; latent (1, latent_dim) and image (1, 3, r, r) of the best start so far;
    loss: its reconstruction loss; losses: every start's loss; elapsed: seconds since the start."""

    step: int
    total: int
    latent: torch.Tensor
    image: torch.Tensor
    loss: float
    losses: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def done(self) -> bool:
        return self.step >= self.total


def _device(manifold: Manifold) -> torch.device:
    return next(manifold.parameters()).device


def _initial_w(manifold: Manifold, target: torch.Tensor, config: ProjectionConfig,
               rng: torch.Generator) -> torch.Tensor:
    device = _device(manifold)
    if config.method == "optimize":
        z = manifold.sample_latent(config.starts, rng, device="cpu").to(device)
        return torch.atanh(z.clamp(-_W_LIMIT, _W_LIMIT))
    with torch.no_grad():
        z = manifold.encoder(target).clamp(-_W_LIMIT, _W_LIMIT)
    if config.method == "encoder":
        return torch.atanh(z)
    w = torch.atanh(z).repeat(config.starts, 1)
    if config.starts > 1:
        noise = torch.randn(config.starts - 1, w.shape[1], generator=rng).to(device)
        w[1:] += config.jitter * noise
    return w


def project(manifold: Manifold, target: torch.Tensor, config: ProjectionConfig = ProjectionConfig(),
            features: VGG16Features | None = None) -> Iterator[ProjectionStep]:
    """Yield the best projection of `target` ((1, 3, r, r) in [-1, 1], on the manifold's device)
    after each step; step 0 is the starting point. `features` None: pixel loss only."""
    r = manifold.resolution
    if target.dim() != 4 or target.shape[0] != 1 or tuple(target.shape[1:]) != (3, r, r):
        raise ValueError(f"target must be (1, 3, {r}, {r}), got {tuple(target.shape)}")
    # Only the latent learns; gradients into the networks' weights would be wasted work.
    manifold.requires_grad_(False).eval()
    if features is not None:
        features.requires_grad_(False).eval()
    started = time.perf_counter()
    rng = torch.Generator().manual_seed(config.seed)
    reconstruction = ReconstructionLoss(features, target, config.feature_weight)

    def loss_of(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z = torch.tanh(w)
        images = manifold.generator(z)
        fit = reconstruction(images)
        return fit + config.prior_weight * z.pow(2).mean(1), fit, images

    total = 0 if config.method == "encoder" else config.steps
    w = _initial_w(manifold, target, config, rng).requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=config.lr)
    best_loss, best_latent, best_image = math.inf, None, None
    for step in range(total + 1):
        loss, fit, images = loss_of(w)
        with torch.no_grad():
            i = int(fit.argmin())
            if fit[i].item() < best_loss:
                best_loss = fit[i].item()
                best_latent = torch.tanh(w[i:i + 1]).detach().clone()
                best_image = images[i:i + 1].detach().clone()
        elapsed = time.perf_counter() - started
        last = step == total or (config.time_budget is not None
                                 and elapsed >= config.time_budget)
        yield ProjectionStep(step, step if last else total, best_latent, best_image, best_loss,
                             fit.tolist(), elapsed)
        if last:
            return
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()


def run_projection(manifold: Manifold, target: torch.Tensor,
                   config: ProjectionConfig = ProjectionConfig(),
                   features: VGG16Features | None = None) -> ProjectionStep:
    """`project` run to its end."""
    result = None
    for result in project(manifold, target, config, features):
        pass
    assert result is not None
    return result
