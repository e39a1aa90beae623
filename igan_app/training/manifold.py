"""`igan train manifold`: a DCGAN generator and discriminator on world scenes or a folder.

Non-saturating GAN loss, Adam (2e-4, β1 0.5) as DCGAN, random left-right flips, and an
exponential moving average of the generator's weights, which is what gets shipped: on short runs
it gives visibly cleaner samples and a lower FID-L than the raw generator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from igan_app.training import common
from igan_app.training.cards import manifold_card
from igan_app.training.data import ImageSet
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.dcgan import Manifold


@dataclass(frozen=True)
class ManifoldConfig:
    """resolution: image side (32, 64, 128); width: the networks' narrowest channel count;
    steps: optimizer steps of G and D; ema: the averaged generator's decay per step."""

    resolution: int = 64
    latent_dim: int = 100
    width: int = 32
    max_width: int = 512
    batch: int = 64
    steps: int = 6000
    lr: float = 2e-4
    beta1: float = 0.5
    ema: float = 0.999
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 250

    def network_args(self) -> dict[str, Any]:
        return {"resolution": self.resolution, "latent_dim": self.latent_dim,
                "width": self.width, "max_width": self.max_width}


def _settings_that_matter(settings: dict[str, Any]) -> dict[str, Any]:
    # A run may be resumed for more (or fewer) steps, with grids and checkpoints at other intervals.
    return {k: v for k, v in settings.items()
            if k not in ("steps", "sample_every", "checkpoint_every")}


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator: real → 1, fake → 0 (binary cross-entropy on logits)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator, non-saturating: maximise log D(G(z))."""
    return F.softplus(-fake_logits).mean()


class ManifoldTraining:
    """A resumable run: `steps()` yields a TrainStep per optimizer step; `export()` writes the model."""

    def __init__(self, config: ManifoldConfig, data: ImageSet, device: torch.device,
                 run_dir: Path, *, resume: bool = False):
        if data.images.shape[1] != config.resolution:
            raise ValueError(f"data is {data.images.shape[1]}px, the model {config.resolution}px")
        self.config, self.data, self.device, self.run_dir = config, data, device, Path(run_dir)
        self.rng = common.seed_everything(config.seed)
        self.model = Manifold(**config.network_args()).to(device, memory_format=torch.channels_last)
        self.g, self.d = self.model.generator, self.model.discriminator
        self.ema = common.EMA(self.g, config.ema)
        betas = (config.beta1, 0.999)
        self.opt_g = torch.optim.Adam(self.g.parameters(), config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), config.lr, betas=betas)
        self.fixed_z = self.g.sample_latent(64, self.rng, device)
        self.step = 0
        self.seconds = 0.0
        state = common.open_run(self.run_dir, resume)
        if state is not None:
            self._restore(state)

    def _restore(self, state: dict[str, Any]) -> None:
        changed = _settings_that_matter(state["config"]) != _settings_that_matter(asdict(self.config))
        if changed:
            raise ValueError(f"{self.run_dir}: the saved run has different settings "
                             f"({state['config']}); start a new run folder or drop --resume")
        self.g.load_state_dict(state["g"])
        self.d.load_state_dict(state["d"])
        self.ema.module.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.fixed_z = state["fixed_z"].to(self.device)
        self.step, self.seconds = common.restore_progress(state, self.rng)

    def _state(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "g": self.g.state_dict(), "d": self.d.state_dict(),
                "ema": self.ema.module.state_dict(), "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(), "fixed_z": self.fixed_z.cpu(),
                "step": self.step, "seconds": self.seconds, "rng": common.rng_state(self.rng)}

    def steps(self) -> Iterator[common.TrainStep]:
        cfg = self.config
        # A resumed run starts a new permutation from the restored generator: deterministic for
        # the same interruption points, not batch-for-batch equal to an uninterrupted run.
        batches = common.index_batches(len(self.data), cfg.batch, self.rng)
        timer = common.Timer()
        autocast = common.autocast(self.device)
        self.g.train()
        self.d.train()
        while self.step < cfg.steps:
            started = time.perf_counter()
            real = common.flip(common.to_batch(self.data.images, next(batches), self.device),
                               self.rng)
            z = self.g.sample_latent(real.shape[0], self.rng, self.device)
            with autocast:
                fake = self.g(z)
                loss_d = d_loss(self.d(real), self.d(fake.detach()))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            with autocast:
                loss_g = g_loss(self.d(fake))
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_g.step()
            # Early on the average would mostly remember the random start; ramp its horizon up.
            self.ema.update(self.g, min(cfg.ema, (1 + self.step) / (10 + self.step)))
            self.step += 1
            self.seconds += time.perf_counter() - started
            result = common.TrainStep(self.step, cfg.steps,
                                      {"d": loss_d.item(), "g": loss_g.item()},
                                      timer.rate(real.shape[0]))
            if self.step % cfg.sample_every == 0 or self.step == cfg.steps:
                result.sample_grid = self.write_samples()
            if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                result.checkpoint = common.save_state(self.run_dir, self._state())
            yield result

    def averaged_generator(self) -> torch.nn.Module:
        """The averaged generator with batch-norm statistics that fit its weights."""
        rng = torch.Generator().manual_seed(self.config.seed + 1)
        common.recalibrate_batchnorm(self.ema.module, self.config.latent_dim, 50, 64, rng,
                                     self.device)
        return self.ema.module

    @torch.no_grad()
    def write_samples(self) -> Path:
        g = self.averaged_generator()
        path = self.run_dir / "samples" / f"{self.step:07d}.png"
        return common.write_grid(path, g(self.fixed_z))

    def export(self, folder: Path, *, command: str, hardware: str) -> Path:
        """Write the averaged generator and the discriminator as a manifold model folder."""
        self.model.generator.load_state_dict(self.averaged_generator().state_dict())
        training = {"command": command, "seed": self.config.seed, "data": self.data.description,
                    "hardware": hardware, "steps": self.step, "batch": self.config.batch,
                    "wall_time_s": round(self.seconds, 1), "settings": asdict(self.config)}
        meta = {"training": {"manifold": training}, "encoder_trained": False, "metrics": {}}
        args = self.model_args()
        return save_checkpoint(folder, self.model.cpu().float(), kind="dcgan-manifold", args=args,
                               resolution=self.config.resolution, data=self.data.description,
                               card=manifold_card(folder.name, args, meta), meta=meta)

    def model_args(self) -> dict[str, Any]:
        return self.config.network_args()
