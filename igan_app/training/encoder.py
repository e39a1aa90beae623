"""`igan train encoder`: the encoder E of a manifold, trained through its frozen generator.

Loss per image: pixel L2 + λ · VGG feature distance between G(E(x)) and x (the projection loss),
on a batch that is half generator samples and half real scenes. On generator samples the latent
they came from is known, so a small latent L2 term is added there: it keeps E's answers inside
the part of the prior where G is well behaved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from igan_app.engine.losses import FEATURE_WEIGHT, feature_distance, pixel_distance
from igan_app.training import common, speed
from igan_app.training.cards import card_for
from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, World, wrap
from igan_app.training.loop import Loop, OnLoop, Schedule, StepInput
from igan_app.training.style_manifold import KIND as STYLE_KIND
from igan_app.training.style_manifold import card_summary as style_card_summary
from igan_app.zoo.checkpoint import LoadedModel, save_checkpoint
from igan_app.zoo.dcgan import init_weights
from igan_app.zoo.vgg import FeatureNetwork


@dataclass(frozen=True)
class EncoderConfig:
    """batch: images per step over every process, half generator samples and half real scenes
    (each half must split over the processes and micro-batches); micro_batches: parts each
    process splits its share into (training/loop.Schedule)."""

    batch: int = 64
    steps: int = 2000
    lr: float = 2e-4
    beta1: float = 0.5
    feature_weight: float = FEATURE_WEIGHT
    # Images per batch that also get the feature term (None: all). The VGG pass costs ten times
    # the rest of a step on a CPU; a sub-batch keeps its signal at a fraction of the cost. Split
    # over the processes and micro-batches, each at least one image.
    feature_batch: int | None = None
    latent_weight: float = 0.1
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 250
    micro_batches: int = 1


class EncoderTraining(OnLoop):
    """A resumable run over a loaded manifold on training/loop.Loop; `export()` writes the
    manifold back with E trained. world: the processes (training/distributed.py); only E trains
    (and is wrapped for DDP), G and the feature network are frozen.

    The loop's data batch is the real half of `config.batch`; `images_per_step` (the whole
    batch) makes its images per second count the generated half too."""

    def __init__(self, config: EncoderConfig, manifold: LoadedModel, features: FeatureNetwork,
                 data: ImageSet, device: torch.device, run_dir: Path, *, resume: bool = False,
                 world: World = ALONE, eval_every: int = 0, held_out: ImageSet | None = None):
        resolution = manifold.model.resolution
        if data.images.shape[1] != resolution:
            raise ValueError(f"data is {data.images.shape[1]}px, the manifold {resolution}px")
        splits = world.size * config.micro_batches
        if (config.batch // 2) % splits:
            raise ValueError(f"the {config.batch // 2} generator samples of a batch of "
                             f"{config.batch} do not split into {world.size} processes × "
                             f"{config.micro_batches} micro-batches")
        self.config, self.loaded, self.features = config, manifold, features
        self.data, self.device, self.run_dir = data, device, Path(run_dir)
        common.seed_everything(config.seed)  # the encoder's start
        self.g = manifold.model.generator.to(device).eval().requires_grad_(False)
        self.e = manifold.model.encoder.to(device, memory_format=speed.memory_format())
        init_weights(self.e)  # a fresh start, whatever the checkpoint held
        self.train_e = wrap(self.e, world, device)
        self.opt = torch.optim.Adam(self.e.parameters(), config.lr, betas=(config.beta1, 0.999))
        self.scaler = speed.grad_scaler(device)
        self.fixed = common.to_batch(data.images, torch.arange(min(32, len(data))), device)
        reals = config.batch - config.batch // 2
        self.images_per_step = config.batch
        self.held_out = held_out
        schedule = Schedule(config.steps, reals, config.seed, config.micro_batches,
                            config.sample_every, config.checkpoint_every, eval_every=eval_every)
        settings = {**asdict(config), "manifold": str(manifold.path)}
        self.loop = Loop(self, schedule, len(data), self.run_dir, world, settings=settings,
                         resume=resume, free=("micro_batches",))

    def state(self) -> dict[str, Any]:
        return {"e": self.e.state_dict(), "opt": self.opt.state_dict(),
                "scaler": self.scaler.state_dict()}

    def load(self, state: Mapping[str, Any]) -> None:
        self.e.load_state_dict(state["e"])
        self.opt.load_state_dict(state["opt"])
        speed.load_scaler(self.scaler, state.get("scaler"))

    def train_step(self, step: StepInput) -> dict[str, float]:
        """The projection loss of G(E(x)) on generator samples and mirrored real scenes, over
        the micro-batches (each its share of both halves, so BatchNorm sees the same mix)."""
        cfg, parts = self.config, len(step.parts)
        splits = step.world.size * parts
        autocast = common.autocast(self.device)
        z_all = self.g.sample_latent(cfg.batch // 2, step.generator, "cpu")
        flips = torch.rand(step.batch, generator=step.generator) < 0.5
        self.e.train()
        self.opt.zero_grad(set_to_none=True)
        totals = {"fake": 0.0, "real": 0.0, "feat": 0.0, "z": 0.0}
        for i, index in enumerate(step.parts):
            z = step.part(z_all, i).to(self.device)
            half = len(z)
            with torch.no_grad():
                fake = self.g(z)
            real = common.to_batch(self.data.images, index, self.device)
            real = common.mirrored(real, step.part(flips, i))
            x = torch.cat([fake, real.contiguous()])
            with autocast:
                w = self.train_e(x.contiguous(memory_format=speed.memory_format()))
                y = self.g(w).float()
                per_image = pixel_distance(y, x)
                # Half of the feature sub-batch from each source.
                k = len(x) if cfg.feature_batch is None else min(
                    len(x), max(1, math.ceil(cfg.feature_batch / splits)))
                pick = torch.cat([torch.arange(k // 2), half + torch.arange(k - k // 2)])
                feature = feature_distance(self.features.model, y[pick], x[pick]).mean()
            latent = (w[:half].float() - z).pow(2).mean()
            loss = per_image.mean() + cfg.feature_weight * feature + cfg.latent_weight * latent
            self.scaler.scale(loss / parts).backward()
            for name, value in (("fake", per_image[:half].mean()), ("real", per_image[half:].mean()),
                                ("feat", feature), ("z", latent)):
                totals[name] += value.item() / parts
        self.scaler.step(self.opt)
        self.scaler.update()
        return totals

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """PSNR (dB) of G(E(x)) against x over the held-out images (for `Schedule.eval_every`;
        none without `held_out`)."""
        if self.held_out is None or not len(self.held_out):
            return {}
        from igan_app.engine.losses import psnr

        self.e.eval()
        count, scores = len(self.held_out), []
        for start in range(0, count, 64):
            index = torch.arange(start, min(start + 64, count))
            x = common.to_batch(self.held_out.images, index, self.device)
            scores.append(psnr(self.g(self.e(x)), x).cpu())
        self.e.train()
        return {"reconstruction_psnr": torch.cat(scores).mean().item()}

    @torch.no_grad()
    def write_samples(self, path: Path) -> Path:
        """Real scenes (odd rows) above their reconstructions G(E(x)) (even rows)."""
        self.e.eval()
        y = self.g(self.e(self.fixed))
        self.e.train()
        rows = []
        for start in range(0, len(self.fixed), 8):
            rows += [self.fixed[start:start + 8], y[start:start + 8]]
        return common.write_grid(path, torch.cat(rows))

    def export(self, folder: Path, *, command: str, hardware: str,
               metrics: dict[str, Any] | None = None) -> Path:
        config = self.loaded.config
        meta = dict(config.meta)
        meta["training"] = {**meta.get("training", {}), "encoder": {
            "command": command, "seed": self.config.seed, "data": self.data.description
            + " and generator samples", "hardware": hardware, "steps": self.step,
            "batch": self.config.batch, "wall_time_s": round(self.seconds, 1),
            "settings": asdict(self.config),
            "notes": {"feature network": self.features.describe()}}}
        meta["encoder_trained"] = True
        meta["feature_weights"] = self.features.describe()
        meta["metrics"] = {**meta.get("metrics", {}), **(metrics or {})}
        if config.kind == STYLE_KIND:
            meta["summary"] = style_card_summary(config.args, encoder_trained=True)
        model = self.loaded.model.cpu().float()
        self.e.eval()
        return save_checkpoint(folder, model, kind=config.kind, args=config.args,
                               resolution=config.resolution, data=config.data,
                               card=card_for(Path(folder).name, config.kind, config.args, meta),
                               meta=meta, value_range=config.value_range, dtype=config.dtype)
