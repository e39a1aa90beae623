"""Pivotal tuning (PTI, Roich et al. 2021): fit a copy of the generator to one photo, or to
several at once (a morph's two photos: one generator, each photo's latent its own pivot).

After projection the latent z is the best point on the manifold, but a DCGAN trained on rendered
scenes reconstructs a real photo's frame at 12–15 dB. Pivotal tuning keeps z fixed (the pivot)
and fine-tunes a copy of the generator so that G'(z) is the photo's frame: pixel distance plus
λ · VGG feature distance (the projection's `ReconstructionLoss`; λ = 0 by default). A locality term keeps the
tuned generator's pictures of latents around z as the original drew them, so that edits, which
move the latent away from z, still behave like the manifold's: latents z_r = z + radius · (p − z)
towards random prior samples p must give G'(z_r) ≈ G(z_r).

The shipped generator is never modified: `tune` works on a deep copy. Batch normalisation stays
in eval mode (running statistics used, never updated); its scales and shifts may learn.
`tune` is a generator of TuningStep, stoppable by not asking for the next; the last step holds
the tuned manifold.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from igan_app.engine.losses import ReconstructionLoss, pixel_distance, psnr
from igan_app.zoo.dcgan import Manifold
from igan_app.zoo.vgg import VGG16Features


@dataclass(frozen=True)
class TuningConfig:
    """steps: Adam steps; lr: Adam's step size on the generator's weights; feature_weight: λ of
    the VGG term (0: pixels only); locality_weight: weight of the locality term (0: off);
    locality_radius: how far towards a random prior sample the locality latents lie (0–1);
    locality_samples: locality latents per step; blocks: how many of the generator's last
    blocks (a transposed convolution and its batch norm) learn (None: all); seed: of the
    locality samples. Defaults measured with bench/tuning.py on the shipped landscape64: the
    feature term (λ = FEATURE_WEIGHT) cost 2–3 dB of PSNR and doubled the time; locality 0.3
    keeps nearby latents at 25–26 dB (16 dB without) for about 1 dB of the photo's PSNR. On the
    34 photos of the real-photo set, 200 steps reach a median 30.7 dB, worst 25.4, in 2.8 s (100
    steps: 27.6 dB; lr 1e-3: 28.9 dB at 200, and 6e-4 was no better on the first 19 photos);
    `bench/tuning.py --photo-set`."""

    steps: int = 200
    lr: float = 3e-4
    feature_weight: float = 0.0
    locality_weight: float = 0.3
    locality_radius: float = 0.3
    locality_samples: int = 2
    blocks: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.lr <= 0:
            raise ValueError("tuning steps must not be negative and lr must be positive")
        if not 0 <= self.locality_radius <= 1 or self.locality_samples < 1:
            raise ValueError("locality_radius must be in [0, 1], locality_samples at least 1")
        if self.blocks is not None and self.blocks < 1:
            raise ValueError("blocks must be at least 1 (None: all)")


def tuning_config(steps: int | None) -> TuningConfig:
    """The default config with `steps` Adam steps (None: the default's; 0: no tuning), as the
    command line's --tune-steps and the GUI's setting ask."""
    return TuningConfig() if steps is None else TuningConfig(steps=steps)


@dataclass
class TuningStep:
    """step of total; loss: the objective at this step; psnr: of G'(z) against the target in
    dB, with the weights after `step` updates (several targets: their mean); ms: milliseconds
    this step took; manifold: the tuned copy (the same object on every step, updated in place:
    read it on the last step); psnrs: each target's PSNR, in the targets' order."""

    step: int
    total: int
    loss: float
    psnr: float
    ms: float
    manifold: Manifold
    psnrs: tuple[float, ...] = ()

    @property
    def done(self) -> bool:
        return self.step >= self.total


def generator_blocks(generator: nn.Module) -> list[list[nn.Module]]:
    """The generator's blocks from the latent to the image: its own `blocks()` where it has
    them (the style and transformer generators), else each convolution with the batch norm
    after it (DCGAN; the last block has none)."""
    if hasattr(generator, "blocks"):
        return generator.blocks()
    blocks: list[list[nn.Module]] = []
    for module in generator.modules():
        if isinstance(module, (nn.ConvTranspose2d, nn.Conv2d)):
            blocks.append([module])
        elif isinstance(module, nn.BatchNorm2d) and blocks:
            blocks[-1].append(module)
    return blocks


def _trainable(generator: nn.Module, blocks: int | None) -> list[nn.Parameter]:
    chosen = generator_blocks(generator)
    if blocks is not None:
        chosen = chosen[-blocks:]
    return [p for block in chosen for module in block for p in module.parameters()]


def tune(manifold: Manifold, target: torch.Tensor, latent: torch.Tensor,
         config: TuningConfig = TuningConfig(), features: VGG16Features | None = None,
         ) -> Iterator[TuningStep]:
    """Yield a TuningStep after each Adam step on a copy of `manifold`'s generator, fitting
    G'(latent) to `target`; step 0 is the untouched copy. target: (n, 3, r, r) in [-1, 1];
    latent: (n, d), row i the pivot of target i (n = 1: one photo); both on the manifold's
    device. The pixel objective is the targets' mean, so each photo weighs the same.
    `features` None: pixel loss only."""
    r, d = manifold.resolution, manifold.latent_dim
    if target.dim() != 4 or target.shape[0] < 1 or tuple(target.shape[1:]) != (3, r, r):
        raise ValueError(f"target must be (n, 3, {r}, {r}), got {tuple(target.shape)}")
    if tuple(latent.shape) != (target.shape[0], d):
        raise ValueError(f"latent must be ({target.shape[0]}, {d}) for {target.shape[0]} "
                         f"target(s), got {tuple(latent.shape)}")
    original = manifold.generator.eval()
    tuned = copy.deepcopy(manifold).eval().requires_grad_(False)
    parameters = _trainable(tuned.generator, config.blocks)
    for parameter in parameters:
        parameter.requires_grad_(True)
    if features is not None:
        features.requires_grad_(False).eval()
    reconstruction = ReconstructionLoss(features, target, config.feature_weight)
    optimizer = torch.optim.Adam(parameters, lr=config.lr)
    rng = torch.Generator().manual_seed(config.seed)
    z = latent.detach()
    for step in range(config.steps + 1):
        started = time.perf_counter()
        image = tuned.generator(z)
        loss = reconstruction(image).mean()
        with torch.no_grad():
            qualities = tuple(float(q) for q in psnr(image, target))
        quality = sum(qualities) / len(qualities)
        if step == config.steps:
            yield TuningStep(step, config.steps, float(loss.detach()), quality,
                             (time.perf_counter() - started) * 1000, tuned, qualities)
            return
        if config.locality_weight:
            toward = manifold.sample_latent(config.locality_samples, rng, device="cpu")
            # Each sample goes around one pivot in turn: as many samples per step for a morph's
            # two photos as for one, the generator kept near both.
            pivots = z[torch.arange(config.locality_samples, device=z.device) % z.shape[0]]
            nearby = pivots + config.locality_radius * (toward.to(z.device) - pivots)
            with torch.no_grad():
                kept = original(nearby)
            loss = loss + config.locality_weight * pixel_distance(tuned.generator(nearby),
                                                                  kept).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        yield TuningStep(step, config.steps, float(loss.detach()), quality,
                         (time.perf_counter() - started) * 1000, tuned, qualities)


def run_tuning(manifold: Manifold, target: torch.Tensor, latent: torch.Tensor,
               config: TuningConfig = TuningConfig(),
               features: VGG16Features | None = None) -> TuningStep:
    """`tune` run to its end."""
    result = None
    for result in tune(manifold, target, latent, config, features):
        pass
    assert result is not None
    return result
