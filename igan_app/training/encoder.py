"""`igan train encoder`: the encoder E of a manifold, trained through its frozen generator.

Loss per image: pixel L2 + λ · VGG feature distance between G(E(x)) and x (the projection loss),
on a batch that is half generator samples and half real scenes. On generator samples the latent
they came from is known, so a small latent L2 term is added there: it keeps E's answers inside
the part of the prior where G is well behaved.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from igan_app.engine.losses import FEATURE_WEIGHT, feature_distance, pixel_distance
from igan_app.training import common
from igan_app.training.cards import manifold_card
from igan_app.training.data import ImageSet
from igan_app.zoo.checkpoint import LoadedModel, save_checkpoint
from igan_app.zoo.dcgan import init_weights
from igan_app.zoo.vgg import FeatureNetwork


@dataclass(frozen=True)
class EncoderConfig:
    batch: int = 64
    steps: int = 2000
    lr: float = 2e-4
    beta1: float = 0.5
    feature_weight: float = FEATURE_WEIGHT
    # Images per batch that also get the feature term (None: all). The VGG pass costs ten times
    # the rest of a step on a CPU; a sub-batch keeps its signal at a fraction of the cost.
    feature_batch: int | None = None
    latent_weight: float = 0.1
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 250


class EncoderTraining:
    """A resumable run over a loaded manifold; `export()` writes the manifold back with E trained."""

    def __init__(self, config: EncoderConfig, manifold: LoadedModel, features: FeatureNetwork,
                 data: ImageSet, device: torch.device, run_dir: Path, *, resume: bool = False):
        resolution = manifold.model.resolution
        if data.images.shape[1] != resolution:
            raise ValueError(f"data is {data.images.shape[1]}px, the manifold {resolution}px")
        self.config, self.loaded, self.features = config, manifold, features
        self.data, self.device, self.run_dir = data, device, Path(run_dir)
        self.rng = common.seed_everything(config.seed)
        self.g = manifold.model.generator.to(device).eval().requires_grad_(False)
        self.e = manifold.model.encoder.to(device, memory_format=torch.channels_last)
        init_weights(self.e)  # a fresh start, whatever the checkpoint held
        self.opt = torch.optim.Adam(self.e.parameters(), config.lr, betas=(config.beta1, 0.999))
        self.step, self.seconds = 0, 0.0
        self.fixed = common.to_batch(data.images, torch.arange(min(32, len(data))), device)
        state = common.open_run(self.run_dir, resume)
        if state is not None:
            if state.get("manifold") != str(manifold.path):
                raise ValueError(f"{self.run_dir}: the saved run trained the encoder of "
                                 f"{state.get('manifold')}; start a new run folder or drop --resume")
            self.e.load_state_dict(state["e"])
            self.opt.load_state_dict(state["opt"])
            self.step, self.seconds = common.restore_progress(state, self.rng)

    def steps(self) -> Iterator[common.TrainStep]:
        cfg = self.config
        half = cfg.batch // 2
        batches = common.index_batches(len(self.data), cfg.batch - half, self.rng)
        timer = common.Timer()
        autocast = common.autocast(self.device)
        self.e.train()
        while self.step < cfg.steps:
            started = time.perf_counter()
            z = self.g.sample_latent(half, self.rng, self.device)
            with torch.no_grad():
                fake = self.g(z)
            real = common.flip(common.to_batch(self.data.images, next(batches), self.device),
                               self.rng)
            x = torch.cat([fake, real.contiguous()])
            with autocast:
                w = self.e(x.contiguous(memory_format=torch.channels_last))
                y = self.g(w).float()
                per_image = pixel_distance(y, x)
                # Half of the feature sub-batch from each source.
                k = len(x) if cfg.feature_batch is None else min(cfg.feature_batch, len(x))
                pick = torch.cat([torch.arange(k // 2), half + torch.arange(k - k // 2)])
                feature = feature_distance(self.features.model, y[pick], x[pick]).mean()
            latent = (w[:half].float() - z).pow(2).mean()
            loss = per_image.mean() + cfg.feature_weight * feature + cfg.latent_weight * latent
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.step += 1
            self.seconds += time.perf_counter() - started
            result = common.TrainStep(self.step, cfg.steps, {
                "fake": per_image[:half].mean().item(), "real": per_image[half:].mean().item(),
                "feat": feature.item(), "z": latent.item()}, timer.rate(len(x)))
            if self.step % cfg.sample_every == 0 or self.step == cfg.steps:
                result.sample_grid = self.write_samples()
            if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                result.checkpoint = common.save_state(self.run_dir, {
                    "config": asdict(cfg), "manifold": str(self.loaded.path),
                    "e": self.e.state_dict(),
                    "opt": self.opt.state_dict(), "step": self.step, "seconds": self.seconds,
                    "rng": common.rng_state(self.rng)})
            yield result

    @torch.no_grad()
    def write_samples(self) -> Path:
        """Real scenes (odd rows) above their reconstructions G(E(x)) (even rows)."""
        self.e.eval()
        y = self.g(self.e(self.fixed))
        self.e.train()
        rows = []
        for start in range(0, len(self.fixed), 8):
            rows += [self.fixed[start:start + 8], y[start:start + 8]]
        path = self.run_dir / "samples" / f"{self.step:07d}.png"
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
        model = self.loaded.model.cpu().float()
        self.e.eval()
        return save_checkpoint(folder, model, kind=config.kind, args=config.args,
                               resolution=config.resolution, data=config.data,
                               card=manifold_card(Path(folder).name, config.args, meta),
                               meta=meta, value_range=config.value_range, dtype=config.dtype)
