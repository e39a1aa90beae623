"""The style manifold's trainer (zoo/style.py): a StyleGAN2 recipe sized for a CPU, on the loop.

Non-saturating logistic loss; R1 on real pictures every `r1_every` steps (lazy regularization,
the penalty scaled by the interval); DiffAugment on everything D sees; an exponential moving
average of G whose horizon grows with the images seen (StyleGAN2-ADA's ramp-up), which is what
gets shipped; Adam with β1 = 0; path-length regularization of G, off by default (it is
StyleGAN2's, and costs a second generator pass with a double backward).

Published defaults it follows (StyleGAN2-ADA): lr 0.0025 below 1024² with betas (0, 0.99); R1
every 16 steps with γ = 0.0002 · R² / batch; EMA half-life 10k images at batch 32, ramp-up 0.05;
the lazy step's Adam settings scaled by interval / (interval + 1); path length weight 2, every 4
steps, decay 0.01.

`generator: "transformer"` trains zoo/transgan.py's generator with the same discriminator,
losses and schedule, so the two compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from igan_app.training import common, speed
from igan_app.training.cards import render_card
from igan_app.training.data import ImageSet
from igan_app.training.diffaugment import Augmentation, augment, draw, parse_policy
from igan_app.training.distributed import ALONE, World, wrap
from igan_app.training.loop import Loop, OnLoop, Schedule, StepInput
from igan_app.training.manifold import check_run, d_loss_fake, d_loss_real, g_loss, sample_fid
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.style import GENERATORS, StyleManifold

if TYPE_CHECKING:
    from igan_app.training.evaluation import SampleFID

KIND = "style-manifold"
NETWORK_ARGS = ("generator", "generator_width", "resolution", "latent_dim", "width", "max_width",
                "w_dim", "mapping_layers", "spectral_norm", "encoder_width")


@dataclass(frozen=True)
class StyleManifoldConfig:
    """generator: "style" or "transformer"; generator_width, resolution, latent_dim, width,
    max_width, w_dim, mapping_layers, spectral_norm, encoder_width: the networks'
    (zoo/style.StyleManifold); batch: the global batch; micro_batches: parts each process splits
    its share into; lr, beta1, beta2: Adam's; r1_gamma: the R1 weight γ (None: 0.0002 · R² /
    batch); r1_every: steps between R1 penalties (0: none); ema_kimg: the average's half-life
    in thousands of images; ema_rampup: the half-life is at most this fraction of the images
    seen so far; augment: DiffAugment's policy ("" for none); pl_weight: path-length
    regularization (0: off), every pl_every steps."""

    generator: str = "style"
    generator_width: int | None = None
    resolution: int = 64
    latent_dim: int = 100
    width: int = 12
    max_width: int = 256
    w_dim: int = 256
    mapping_layers: int = 4
    spectral_norm: bool = False
    encoder_width: int = 32
    batch: int = 32
    steps: int = 20000
    lr: float = 0.0025
    beta1: float = 0.0
    beta2: float = 0.99
    r1_gamma: float | None = None
    r1_every: int = 16
    ema_kimg: float = 10.0
    ema_rampup: float = 0.05
    augment: str = "color,translation,cutout"
    pl_weight: float = 0.0
    pl_every: int = 4
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 250
    micro_batches: int = 1

    def __post_init__(self) -> None:
        if self.generator not in GENERATORS:
            raise ValueError(f"unknown generator {self.generator!r}; choose one of "
                             f"{', '.join(GENERATORS)}")
        if self.pl_weight and self.generator != "style":
            raise ValueError("path-length regularization needs the style generator's w")
        parse_policy(self.augment)

    def network_args(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NETWORK_ARGS}

    @property
    def gamma(self) -> float:
        """The R1 weight: the configured one, or StyleGAN2-ADA's rule for this size and batch."""
        return self.r1_gamma if self.r1_gamma is not None else (
            0.0002 * self.resolution**2 / self.batch)


def r1_penalty(logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Per item, the squared norm of D's gradient at the real picture `real` (which must
    require grad), kept in the graph so the penalty itself can be trained on."""
    (grad,) = torch.autograd.grad(logits.sum(), real, create_graph=True)
    return grad.square().flatten(1).sum(1)


def path_lengths(image: torch.Tensor, ws: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Per item, the length of J_wᵀ·y for a random image-space direction y (`noise`, scaled by
    1/√pixels): how much the picture moves per step in w, which the regularizer keeps even."""
    (grad,) = torch.autograd.grad((image * noise).sum(), ws, create_graph=True)
    return grad.square().sum(2).mean(1).sqrt()


def ema_decay(images_seen: int, batch: int, half_life_kimg: float, rampup: float) -> float:
    """The average's decay for a step of `batch` images after `images_seen` (StyleGAN2-ADA):
    a half-life of half_life_kimg thousand images, at most `rampup` of those seen."""
    half_life = min(half_life_kimg * 1000, images_seen * rampup) if rampup else (
        half_life_kimg * 1000)
    return 0.5 ** (batch / max(half_life, 1e-8))


class StyleManifoldTraining(OnLoop):
    """A resumable run on training/loop.Loop: `steps()` yields a TrainStep per optimizer step;
    `export()` writes the model. world: the processes (training/distributed.py); evaluation:
    the FID-L that `evaluate()` logs every `eval_every` steps (as the DCGAN trainer's)."""

    def __init__(self, config: StyleManifoldConfig, data: ImageSet, device: torch.device,
                 run_dir: Path, *, resume: bool = False, world: World = ALONE,
                 evaluation: SampleFID | None = None, eval_every: int = 0):
        check_run(data, config.resolution, evaluation, eval_every)
        if speed.precision(device) == "fp16":
            # R1's double backward would need the loss scale taken out of its gradients.
            raise ValueError("the style manifold trains in fp32 or bf16, not fp16 "
                             "(--precision bf16 on a GPU)")
        self.evaluation = evaluation
        self.config, self.data, self.device, self.run_dir = config, data, device, Path(run_dir)
        self.rng = common.seed_everything(config.seed)  # the networks' start and fixed_z
        self.model = StyleManifold(**config.network_args()).to(device)
        self.g, self.d = self.model.generator, self.model.discriminator
        self.ema = common.EMA(self.g, 0.0)
        self.train_g, self.train_d = wrap(self.g, world, device), wrap(self.d, world, device)
        # Lazy regularization: a regularized step is one step in (interval + 1) of the
        # optimizer's, so its rate and momenta are scaled to keep the per-image dynamics.
        self.opt_g = self._adam(self.g, config.pl_every if config.pl_weight else 0)
        self.opt_d = self._adam(self.d, config.r1_every if config.gamma else 0)
        self.pl_mean = torch.zeros(())
        self.fixed_z = self.g.sample_latent(64, self.rng, device)
        schedule = Schedule(config.steps, config.batch, config.seed, config.micro_batches,
                            config.sample_every, config.checkpoint_every, eval_every=eval_every)
        self.loop = Loop(self, schedule, len(data), self.run_dir, world,
                         settings=asdict(config), resume=resume, free=("micro_batches",))

    def _adam(self, module: torch.nn.Module, interval: int) -> torch.optim.Adam:
        ratio = interval / (interval + 1) if interval else 1.0
        cfg = self.config
        return torch.optim.Adam(module.parameters(), cfg.lr * ratio,
                                betas=(cfg.beta1**ratio, cfg.beta2**ratio), eps=1e-8)

    def _stateful(self) -> dict[str, Any]:
        """What the resumable state holds by name: each has state_dict / load_state_dict."""
        return {"g": self.g, "d": self.d, "ema": self.ema.module, "opt_g": self.opt_g,
                "opt_d": self.opt_d}

    def state(self) -> dict[str, Any]:
        return {**{name: part.state_dict() for name, part in self._stateful().items()},
                "pl_mean": self.pl_mean.clone(), "fixed_z": self.fixed_z.cpu()}

    def load(self, state: Mapping[str, Any]) -> None:
        for name, part in self._stateful().items():
            part.load_state_dict(state[name])
        self.pl_mean = state["pl_mean"].clone()
        self.fixed_z = state["fixed_z"].to(self.device)

    def train_step(self, step: StepInput) -> dict[str, float]:
        """D on real and generated pictures (with R1 on the reals when due), then G (with the
        path-length term when due), each over the step's micro-batches.

        Every random number is drawn for the global batch from the step's generator and each
        micro-batch takes its part. D's real and fake terms are separate forward-backward
        passes (DDP expects each forward to be followed by its backward); the R1 penalty rides
        on the real pass, with the logits in the same loss so that every parameter of D gets a
        gradient in it, as DDP requires.
        """
        cfg, parts, n = self.config, len(step.parts), step.batch
        autocast = common.autocast(self.device)
        z_all = self.g.sample_latent(n, step.generator, "cpu")
        flips = torch.rand(n, generator=step.generator) < 0.5
        real_aug = draw(n, cfg.resolution, step.generator, cfg.augment)
        fake_aug = draw(n, cfg.resolution, step.generator, cfg.augment)
        pl_noise = torch.randn(n, 3, cfg.resolution, cfg.resolution, generator=step.generator)
        r1_due = cfg.gamma > 0 and cfg.r1_every > 0 and step.step % cfg.r1_every == 0
        pl_due = cfg.pl_weight > 0 and step.step % cfg.pl_every == 0
        self.g.train()
        self.d.train()
        self.opt_d.zero_grad(set_to_none=True)
        fakes, totals = [], {"d": 0.0, "g": 0.0}
        if r1_due:
            totals["r1"] = 0.0
        for i, index in enumerate(step.parts):
            real = common.mirrored(common.to_batch(self.data.images, index, self.device),
                                   step.part(flips, i)).requires_grad_(r1_due)
            with autocast:
                fake = self.train_g(step.part(z_all, i).to(self.device))
                logits = self.train_d(augment(real, _part(real_aug, step, i)))
                real_term = d_loss_real(logits)
            loss = real_term
            if r1_due:
                penalty = r1_penalty(logits.float(), real).mean()
                loss = loss + penalty * (cfg.gamma / 2 * cfg.r1_every)
                totals["r1"] += penalty.item() / parts
            (loss / parts).backward()
            with autocast:
                fake_term = d_loss_fake(self.train_d(augment(fake.detach(),
                                                             _part(fake_aug, step, i))))
            (fake_term / parts).backward()
            fakes.append(fake)
            totals["d"] += (real_term.item() + fake_term.item()) / parts
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        for i, fake in enumerate(fakes):
            with autocast:
                term = g_loss(self.train_d(augment(fake, _part(fake_aug, step, i)))) / parts
            term.backward()
            totals["g"] += term.item()
        if pl_due:
            totals["pl"] = self._path_length_step(step, z_all, pl_noise)
        self.opt_g.step()
        images_seen = step.step * cfg.batch
        self.ema.update(self.g, ema_decay(images_seen, cfg.batch, cfg.ema_kimg, cfg.ema_rampup))
        return totals

    def _path_length_step(self, step: StepInput, z_all: torch.Tensor,
                          noise_all: torch.Tensor) -> float:
        """Accumulate the path-length penalty's gradient into G and move the running mean
        length; the penalty is against the mean before this step (StyleGAN2-ADA uses the mean
        after it, which micro-batches could not share), so every rank and part agrees."""
        cfg, parts, r = self.config, len(step.parts), self.config.resolution
        lengths = 0.0
        target = self.pl_mean.to(self.device)
        for i in range(parts):
            image, ws = self.train_g(step.part(z_all, i).to(self.device), return_ws=True)
            noise = step.part(noise_all, i).to(self.device) / r
            length = path_lengths(image, ws, noise)
            penalty = (length - target).square().mean() * (cfg.pl_weight * cfg.pl_every)
            # The image's term keeps every parameter in the graph of this backward (DDP).
            ((penalty + image[:, 0, 0, 0].sum() * 0) / parts).backward()
            lengths += length.mean().item() / parts
        mean = step.world.average(lengths)
        self.pl_mean = self.pl_mean.lerp(torch.tensor(mean, dtype=self.pl_mean.dtype), 0.01)
        return mean

    def evaluate(self) -> dict[str, float]:
        return sample_fid(self.evaluation, self.ema.module, self.config.seed, self.device)

    @torch.no_grad()
    def write_samples(self, path: Path) -> Path:
        return common.write_grid(path, self.ema.module.eval()(self.fixed_z))

    def model_args(self) -> dict[str, Any]:
        return self.config.network_args()

    def export(self, folder: Path, *, command: str, hardware: str) -> Path:
        """Write the averaged generator, the discriminator and the (untrained) encoder as a
        "style-manifold" model folder with its card."""
        self.model.generator.load_state_dict(self.ema.module.state_dict())
        training = {"command": command, "seed": self.config.seed, "data": self.data.description,
                    "hardware": hardware, "steps": self.step, "batch": self.config.batch,
                    "wall_time_s": round(self.seconds, 1), "settings": asdict(self.config)}
        args = self.model_args()
        meta = {"training": {"manifold": training}, "encoder_trained": False, "metrics": {},
                "summary": card_summary(args, encoder_trained=False)}
        return save_checkpoint(folder, self.model.cpu().float(), kind=KIND, args=args,
                               resolution=self.config.resolution, data=self.data.description,
                               card=render_card(folder.name, KIND, meta["summary"], args, meta),
                               meta=meta)


def _part(augmentation: Augmentation, step: StepInput, index: int) -> Augmentation:
    """Micro-batch `index` of this rank's share of an augmentation drawn for the global batch."""
    return augmentation.part(lambda values: step.part(values, index))


def card_summary(args: Mapping[str, Any], *, encoder_trained: bool) -> str:
    """The first paragraph of a style manifold's card (cards.card_for renders it from
    meta["summary"])."""
    r = args.get("resolution")
    generator = ("a style-based generator (mapping network to w, modulated convolutions)"
                 if args.get("generator", "style") == "style" else "a transformer generator")
    encoder = ("The encoder is trained (`igan train encoder`)." if encoder_trained
               else "The encoder is untrained: run `igan train encoder` before projecting photos.")
    return (f"A style manifold at {r}×{r}: {generator} (latent of {args.get('latent_dim')} "
            f"numbers, uniform in [-1, 1]; the shipped weights are an exponential moving "
            f"average), a residual discriminator and an encoder. {encoder}")


__all__ = ["KIND", "StyleManifoldConfig", "StyleManifoldTraining", "card_summary",
           "ema_decay", "path_lengths", "r1_penalty"]
