"""One optimizer step of `igan train spade` / `igan train pix2pix` (training/sketch.py) on
training/loop.py: D on real and generated pairs, then G, over the step's micro-batches, on one
process or several.

How it stays right under DDP and equal at any split of the global batch:

- D's terms are separate forward-backward passes (real pairs over every micro-batch, then
  generated ones), never one backward over two forwards: DDP broadcasts buffers (the spectral
  norm's vectors) at each forward, and expects each forward's backward before the next forward.
- G runs once per micro-batch; its graphs wait for D's update, then go back in one backward
  (`torch.autograd.backward` over every micro-batch's picture, with the gradient D, the VGG
  term and L1 gave each picture): DDP then reduces G's gradients once, whatever the number of
  micro-batches. In G's update D is a fixed function, frozen and unwrapped.
- Spectral norm's power iteration runs at each training-mode forward, which would make
  1 process × 2 micro-batches iterate twice where 2 processes iterate once each. It runs on
  the first micro-batch of each pass only (`power_iteration`); the others use the vectors it
  left. So 1 process × N parts and N processes hold the same vectors after every step, and a
  run with one part does what it did before the loop (4 iterations of D per step, 1 of G).
- Random numbers (flips, the VAE's noise, pix2pix's dropout masks) come from the step's
  generator, drawn for the global batch; dropout from a seed per global micro-batch (so its
  masks follow the split, as BatchNorm's statistics do).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from igan_app.training import common
from igan_app.training.loop import StepInput
from igan_app.zoo.pix2pix import set_variation

VGG_TAPS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
VGG_WEIGHTS = (1 / 16, 1 / 8, 1 / 4, 1.0)  # deeper layers weigh more, as in SPADE's VGG loss


class SpadeForward(nn.Module):
    """SPADE's generator pass as one module, for DDP: style encoder, the code sampled with the
    given noise, generator. Returns (picture, mu, logvar)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, cond: torch.Tensor, real: torch.Tensor, noise: torch.Tensor):
        mu, logvar = self.model.encode_style(real)
        return self.model(cond, mu + noise * (0.5 * logvar).exp()), mu, logvar


@contextmanager
def power_iteration(net: nn.Module, on: bool) -> Iterator[None]:
    """Spectral norm's power iteration in the forwards inside, or (on False) its vectors used as
    they are: the spectral-norm layers (nothing else in them depends on the mode) go to eval
    mode meanwhile."""
    held = [] if on else [m for m in net.modules() if hasattr(m, "weight_u") and m.training]
    for m in held:
        m.training = False
    try:
        yield
    finally:
        for m in held:
            m.training = True


def d_term(outputs: Any, real: bool, spade: bool) -> torch.Tensor:
    """D's loss on real (or generated) pairs: SPADE's hinge on every scale; pix2pix's
    cross-entropy, halved as in pix2pix."""
    if spade:
        sign = -1.0 if real else 1.0
        return sum(F.relu(1 + sign * out).mean() for out, _ in outputs)
    return 0.5 * F.softplus(-outputs if real else outputs).mean()


def spade_g_terms(outputs: Sequence, real_taps: Sequence) -> dict[str, torch.Tensor]:
    """Hinge on every scale, and feature matching against the real pair's D features."""
    gan = -sum(out.mean() for out, _ in outputs)
    fm = sum(sum(F.l1_loss(a, b) for a, b in zip(taps, real)) / len(taps)
             for (_, taps), real in zip(outputs, real_taps))
    return {"g": gan, "fm": fm}


def kl_term(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


def vgg_loss(features: Any, fake: torch.Tensor, real: torch.Tensor,
             size: int) -> torch.Tensor:
    both = F.interpolate(torch.cat([fake, real]), size=(size, size), mode="bilinear",
                         align_corners=False, antialias=True)
    loss = fake.new_zeros(())
    for weight, tap in zip(VGG_WEIGHTS, features.model(both, VGG_TAPS)):
        f, r = tap.chunk(2)
        loss = loss + weight * F.l1_loss(f, r.detach())
    return loss


def train_step(run: Any, step: StepInput) -> dict[str, float]:
    """One step of `run` (a SketchTraining); the losses averaged over its micro-batches."""
    cfg, parts, device = run.config, len(step.parts), run.device
    spade = cfg.model == "spade"
    flips = torch.rand(step.batch, generator=step.generator) < 0.5
    if spade:
        noise = torch.randn(step.batch, cfg.z_dim, generator=step.generator)
    else:
        seeds = torch.randint(2**62, (step.world.size * parts,), generator=step.generator)
    pairs = [run.pairs(index, step.part(flips, i)) for i, index in enumerate(step.parts)]
    run.g.train()
    run.d.train()
    outs = []
    for i, (cond, real) in enumerate(pairs):
        with power_iteration(run.g, i == 0), common.autocast(device):
            if spade:
                outs.append(run.train_g(cond, real, step.part(noise, i).to(device)))
            else:
                set_variation(run.g, int(step.part(seeds, i)[0]))
                outs.append((run.train_g(cond),))
    set_variation(run.g, None)
    fakes = [out[0] for out in outs]
    losses = {"d": _update_d(run, pairs, fakes, spade)}
    return losses | _update_g(run, pairs, outs, spade)


def _update_d(run: Any, pairs: list, fakes: list, spade: bool) -> float:
    run.opt_d.zero_grad(set_to_none=True)
    total = 0.0
    for real_pairs in (True, False):
        for i, ((cond, real), fake) in enumerate(zip(pairs, fakes)):
            picture = real if real_pairs else fake.detach()
            with power_iteration(run.d, i == 0), common.autocast(run.device):
                term = d_term(run.train_d(torch.cat([cond, picture], 1)), real_pairs,
                              spade) / len(pairs)
            run.scaler.scale(term).backward()
            total += term.item()
    run.scaler.step(run.opt_d)
    return total


def _update_g(run: Any, pairs: list, outs: list, spade: bool) -> dict[str, float]:
    cfg, parts, autocast = run.config, len(pairs), common.autocast(run.device)
    run.opt_g.zero_grad(set_to_none=True)
    run.d.requires_grad_(False)
    try:
        if spade:
            with torch.no_grad():
                real_taps = []
                for i, (cond, real) in enumerate(pairs):
                    with power_iteration(run.d, i == 0), autocast:
                        real_taps.append([t for _, t in run.d(torch.cat([cond, real], 1))])
        sums: dict[str, float] = {}
        grads = []
        for i, ((cond, real), out) in enumerate(zip(pairs, outs)):
            fake = out[0].detach().requires_grad_()
            with power_iteration(run.d, i == 0), autocast:
                judged = run.d(torch.cat([cond, fake], 1))
                if spade:
                    terms = spade_g_terms(judged, real_taps[i])
                    weights = {"g": 1.0, "fm": cfg.lambda_fm}
                    if cfg.lambda_vgg > 0:
                        terms["vgg"] = vgg_loss(run.features, fake, real, cfg.vgg_resolution)
                        weights["vgg"] = cfg.lambda_vgg
                else:
                    terms = {"g": F.softplus(-judged).mean(), "l1": F.l1_loss(fake, real)}
                    weights = {"g": 1.0, "l1": cfg.lambda_l1}
                loss = sum(weights[k] * v for k, v in terms.items()) / parts
            run.scaler.scale(loss).backward()
            grads.append(fake.grad)  # scaled already
            for name, value in terms.items():
                sums[name] = sums.get(name, 0.0) + value.item() / parts
        tensors = [out[0] for out in outs]
        if spade:
            kl = sum(kl_term(mu, logvar) for _, mu, logvar in outs) / parts
            sums["kl"] = kl.item()
            tensors.append(run.scaler.scale(cfg.lambda_kl * kl))
            grads.append(None)
        torch.autograd.backward(tensors, grads)
    finally:
        run.d.requires_grad_(True)
    run.scaler.step(run.opt_g)
    run.scaler.update()
    return sums
