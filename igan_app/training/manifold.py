"""`igan train manifold`: a DCGAN generator and discriminator on world scenes or a folder.

Non-saturating GAN loss, Adam (2e-4, β1 0.5) as DCGAN, random left-right flips, and an
exponential moving average of the generator's weights, which is what gets shipped: on short runs
it gives visibly cleaner samples and a lower FID-L than the raw generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from igan_app.training import common, speed
from igan_app.training.cards import manifold_card
from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, World, wrap
from igan_app.training.loop import Loop, OnLoop, Schedule, StepInput
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.dcgan import Manifold

if TYPE_CHECKING:
    from igan_app.training.evaluation import SampleFID


@dataclass(frozen=True)
class ManifoldConfig:
    """resolution: image side (32, 64, 128); width: the networks' narrowest channel count;
    steps: optimizer steps of G and D; batch: the global batch (over every process);
    micro_batches: parts each process splits its share into (training/loop.Schedule); ema: the
    averaged generator's decay per step."""

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
    micro_batches: int = 1

    def network_args(self) -> dict[str, Any]:
        return {"resolution": self.resolution, "latent_dim": self.latent_dim,
                "width": self.width, "max_width": self.max_width}


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator: real → 1, fake → 0 (binary cross-entropy on logits)."""
    return d_loss_real(real_logits) + d_loss_fake(fake_logits)


def d_loss_real(real_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real_logits).mean()


def d_loss_fake(fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(fake_logits).mean()


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator, non-saturating: maximise log D(G(z))."""
    return F.softplus(-fake_logits).mean()


def check_run(data: ImageSet, resolution: int, evaluation: SampleFID | None,
              eval_every: int) -> None:
    """A manifold trainer's inputs agree: the data's size, an evaluation when one is asked for."""
    if data.images.shape[1] != resolution:
        raise ValueError(f"data is {data.images.shape[1]}px, the model {resolution}px")
    if eval_every and evaluation is None:
        raise ValueError("evaluating every N steps needs the FID-L's segmenter and held-out "
                         "pictures")


@torch.no_grad()
def sample_fid(evaluation: SampleFID, generator: torch.nn.Module, seed: int,
               device: torch.device) -> dict[str, float]:
    """A manifold's periodic evaluation: FID-L of `generator`'s samples, from the same
    latents at every call."""
    generator.eval()
    rng = torch.Generator().manual_seed(seed + 2)
    return {"FID-L": evaluation(lambda k: generator(generator.sample_latent(k, rng, device)))}


class ManifoldTraining(OnLoop):
    """A resumable run on training/loop.Loop: `steps()` yields a TrainStep per optimizer step;
    `export()` writes the model. world: the processes (training/distributed.py).
    evaluation: the FID-L that `evaluate()` logs every `eval_every` steps."""

    def __init__(self, config: ManifoldConfig, data: ImageSet, device: torch.device,
                 run_dir: Path, *, resume: bool = False, world: World = ALONE,
                 evaluation: SampleFID | None = None, eval_every: int = 0):
        check_run(data, config.resolution, evaluation, eval_every)
        self.evaluation = evaluation
        self.config, self.data, self.device, self.run_dir = config, data, device, Path(run_dir)
        self.rng = common.seed_everything(config.seed)  # the networks' start and fixed_z
        self.model = Manifold(**config.network_args()).to(device,
                                                          memory_format=speed.memory_format())
        self.g, self.d = self.model.generator, self.model.discriminator
        self.ema = common.EMA(self.g, config.ema)
        self.train_g, self.train_d = wrap(self.g, world, device), wrap(self.d, world, device)
        betas = (config.beta1, 0.999)
        self.opt_g = torch.optim.Adam(self.g.parameters(), config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), config.lr, betas=betas)
        self.scaler = speed.grad_scaler(device)
        self.fixed_z = self.g.sample_latent(64, self.rng, device)
        schedule = Schedule(config.steps, config.batch, config.seed, config.micro_batches,
                            config.sample_every, config.checkpoint_every, eval_every=eval_every)
        self.loop = Loop(self, schedule, len(data), self.run_dir, world,
                         settings=asdict(config), resume=resume, free=("micro_batches",))

    def state(self) -> dict[str, Any]:
        return {"g": self.g.state_dict(), "d": self.d.state_dict(),
                "ema": self.ema.module.state_dict(), "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(), "fixed_z": self.fixed_z.cpu(),
                "scaler": self.scaler.state_dict()}

    def load(self, state: Mapping[str, Any]) -> None:
        self.g.load_state_dict(state["g"])
        self.d.load_state_dict(state["d"])
        self.ema.module.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.fixed_z = state["fixed_z"].to(self.device)
        speed.load_scaler(self.scaler, state.get("scaler"))

    def train_step(self, step: StepInput) -> dict[str, float]:
        """D on real and generated pictures, then G, each over the step's micro-batches.

        D's two terms are two forward-backward passes rather than one backward over two
        forwards: DDP expects each forward to be followed by its backward, and with
        BatchNorm's buffers broadcast at every forward the second forward would change what
        the first one's graph saved.
        """
        cfg, parts = self.config, len(step.parts)
        autocast = common.autocast(self.device)
        z_all = self.g.sample_latent(step.batch, step.generator, "cpu")
        flips = torch.rand(step.batch, generator=step.generator) < 0.5
        self.g.train()
        self.d.train()
        self.opt_d.zero_grad(set_to_none=True)
        fakes, loss_d = [], 0.0
        for i, index in enumerate(step.parts):
            real = common.to_batch(self.data.images, index, self.device)
            real = common.mirrored(real, step.part(flips, i))
            with autocast:
                fake = self.train_g(step.part(z_all, i).to(self.device))
                real_term = d_loss_real(self.train_d(real)) / parts
            self.scaler.scale(real_term).backward()
            with autocast:
                fake_term = d_loss_fake(self.train_d(fake.detach())) / parts
            self.scaler.scale(fake_term).backward()
            fakes.append(fake)
            loss_d += real_term.item() + fake_term.item()
        self.scaler.step(self.opt_d)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g = 0.0
        for fake in fakes:
            with autocast:
                term = g_loss(self.train_d(fake)) / parts
            self.scaler.scale(term).backward()
            loss_g += term.item()
        self.scaler.step(self.opt_g)
        self.scaler.update()
        # Early on the average would mostly remember the random start; ramp its horizon up.
        self.ema.update(self.g, min(cfg.ema, (1 + step.step) / (10 + step.step)))
        return {"d": loss_d, "g": loss_g}

    def averaged_generator(self) -> torch.nn.Module:
        """The averaged generator with batch-norm statistics that fit its weights."""
        rng = torch.Generator().manual_seed(self.config.seed + 1)
        common.recalibrate_batchnorm(self.ema.module, self.config.latent_dim, 50, 64, rng,
                                     self.device)
        return self.ema.module

    @torch.no_grad()
    def write_samples(self, path: Path) -> Path:
        return common.write_grid(path, self.averaged_generator()(self.fixed_z))

    def evaluate(self) -> dict[str, float]:
        return sample_fid(self.evaluation, self.averaged_generator(), self.config.seed,
                          self.device)

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
