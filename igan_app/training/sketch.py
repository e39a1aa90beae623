"""`igan train spade` and `igan train pix2pix`: label maps (or edge sketches) → pictures.

pix2pix: U-Net generator, 70×70 PatchGAN on (input, picture), cross-entropy GAN loss plus
λ_L1 · L1 to the true picture, Adam 2e-4, β (0.5, 0.999).
SPADE: generator with a style encoder (VAE), multiscale spectral-norm PatchGAN, hinge loss,
feature matching and VGG losses (λ 10 each), KL 0.05, Adam G 1e-4 / D 4e-4, β (0, 0.9).
The VGG term uses the project's feature network at `vgg_resolution`, which keeps its cost
below the generator's on a CPU. Both keep an exponential moving average of the generator, which
is what gets shipped.

Runs on training/loop.py (one process or several, micro-batches, exact resume); one step, and
how it stays right under DDP (spectral norm's power iteration included), is
training/sketch_steps.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from igan_app import imaging
from igan_app.engine.edges import edge_map
from igan_app.training import common, sketch_steps, speed
from igan_app.training.cards import render_card
from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, World, wrap
from igan_app.training.evaluation import paint_scores
from igan_app.training.loop import Loop, OnLoop, Schedule, StepInput
from igan_app.training.sketch_steps import SpadeForward
from igan_app.world.palette import NUM_LABELS, colorize
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.pix2pix import (
    MultiscaleDiscriminator,
    PatchDiscriminator,
    UnetGenerator,
    set_variation,
)
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.spade import SpadeModel, fold_spectral_norm, semantic_input
from igan_app.zoo.vgg import FeatureNetwork

SOURCES = ("labels", "edges")


@dataclass(frozen=True)
class SketchConfig:
    """model: "spade" or "pix2pix"; source: "labels" (one-hot label maps) or "edges" (sketches,
    pix2pix only). ngf/ndf: generator and discriminator widths; hidden: SPADE's MLP width;
    batch: the global batch (over every process); micro_batches: parts each process splits its
    share into (training/loop.Schedule)."""

    model: str = "spade"
    source: str = "labels"
    resolution: int = 128
    ngf: int = 16
    hidden: int = 16
    z_dim: int = 64
    latent_side: int = 2
    unet_downs: int = 6
    ndf: int = 32
    d_layers: int = 3
    num_d: int = 2
    batch: int = 8
    steps: int = 20000
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    lambda_l1: float = 100.0
    lambda_fm: float = 10.0
    lambda_vgg: float = 10.0
    lambda_kl: float = 0.05
    vgg_resolution: int = 64
    ema: float = 0.999
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 100
    micro_batches: int = 1

    def __post_init__(self) -> None:
        if self.model not in ("spade", "pix2pix"):
            raise ValueError(f"model must be spade or pix2pix, got {self.model!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.model == "spade" and self.source != "labels":
            raise ValueError("SPADE turns label maps into pictures; use pix2pix for edges")


SPADE_ONLY = ("hidden", "z_dim", "latent_side", "lr_d", "lambda_fm", "lambda_vgg", "lambda_kl",
              "vgg_resolution", "num_d")
PIX2PIX_ONLY = ("lambda_l1", "unet_downs")


def card_settings(cfg: SketchConfig) -> dict[str, Any]:
    """The settings that apply to the model trained (pix2pix's D shares G's rate)."""
    dropped = PIX2PIX_ONLY if cfg.model == "spade" else SPADE_ONLY
    return {k: v for k, v in asdict(cfg).items() if k not in dropped}


# The settings a run may be resumed with changed (besides steps and intervals, training/loop.py).
# The networks do not depend on the resolution, so a run may be resumed at a larger one: most
# steps at 64², the last at 128² (progressive training, about 4× cheaper per step). The VGG term
# may be switched on for the last phase only: at 64² it costs more than G.
RESUMABLE_CHANGES = ("resolution", "vgg_resolution", "lambda_vgg", "micro_batches")


def generator_args(cfg: SketchConfig) -> tuple[str, dict[str, Any]]:
    """(kind, constructor arguments) of the shipped generator: SPADE folded, no spectral norm."""
    if cfg.model == "spade":
        side = cfg.latent_side
        return "spade", {"num_labels": NUM_LABELS, "ngf": cfg.ngf, "use_vae": True,
                         "z_dim": cfg.z_dim, "latent_size": [side, side], "hidden": cfg.hidden,
                         "encoder_ngf": max(cfg.ngf, 16), "encoder_input": 64}
    return "unet-generator", {"input_nc": NUM_LABELS if cfg.source == "labels" else 3,
                              "output_nc": 3, "num_downs": cfg.unet_downs, "ngf": cfg.ngf,
                              "norm": "affine-instance", "dropout": True}


def build_generator(cfg: SketchConfig) -> nn.Module:
    kind, args = generator_args(cfg)
    if kind == "spade":
        return SpadeModel(**{**args, "spectral": True})
    return UnetGenerator(**args)


def build_discriminator(cfg: SketchConfig) -> nn.Module:
    input_nc = (NUM_LABELS if cfg.source == "labels" else 3) + 3
    if cfg.model == "spade":
        return MultiscaleDiscriminator(input_nc, cfg.ndf, cfg.d_layers, cfg.num_d)
    return PatchDiscriminator(input_nc, cfg.ndf, cfg.d_layers, norm="affine-instance")


def sketch_inputs(data: ImageSet, source: str) -> np.ndarray:
    """The model inputs for every scene: label ids (N, H, W), or edge sketches (N, H, W, 3)."""
    if source == "labels":
        if data.labels is None:
            raise ValueError(f"{data.description}: has no label maps to learn from")
        return data.labels
    return np.stack([edge_map(im) for im in data.images])


def model_input(inputs: np.ndarray, index: np.ndarray, source: str,
                device: torch.device) -> torch.Tensor:
    if source == "labels":
        return semantic_input(torch.from_numpy(inputs[index]).to(device), NUM_LABELS)
    return imaging.to_tensor(inputs[index], device)


class SketchTraining(OnLoop):
    """A resumable run on training/loop.Loop: `steps()` yields a TrainStep per step; `export()`
    writes the model. world: the processes (training/distributed.py). G and D train under
    `wrap` (G as `SpadeForward` for SPADE: encoder and generator in one forward); the VGG
    term's feature network is frozen, so it is not wrapped: each process runs its own copy."""

    def __init__(self, config: SketchConfig, data: ImageSet, device: torch.device,
                 run_dir: Path, *, features: FeatureNetwork | None = None, resume: bool = False,
                 world: World = ALONE, held_out: ImageSet | None = None,
                 segmenter: Segmenter | None = None, eval_every: int = 0):
        if config.model == "spade" and features is None and config.lambda_vgg > 0:
            raise ValueError("SPADE training needs the feature network for its VGG loss")
        if eval_every and held_out is None:
            raise ValueError("evaluating every N steps needs held-out pairs")
        self.config, self.data, self.device, self.run_dir = config, data, device, Path(run_dir)
        self.features, self.held_out, self.segmenter = features, held_out, segmenter
        self.inputs = sketch_inputs(data, config.source)
        # The held-out inputs once (edge maps cost a filter pass each), not at every evaluation.
        self.held_inputs = (sketch_inputs(held_out, config.source) if eval_every and held_out
                            is not None else None)
        common.seed_everything(config.seed)  # the networks' start
        self.g = build_generator(config).to(device)
        self.d = build_discriminator(config).to(device)
        # SPADE: Adam β (0, 0.9), D faster than G; pix2pix: β (0.5, 0.999), one rate for both.
        spade = config.model == "spade"
        betas = (0.0, 0.9) if spade else (0.5, 0.999)
        self.opt_g = torch.optim.Adam(self.g.parameters(), config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), config.lr_d if spade else config.lr_g,
                                      betas=betas)
        self.scaler = speed.grad_scaler(device)
        self.ema = common.EMA(self.g, config.ema)
        self.train_g = wrap(SpadeForward(self.g) if spade else self.g, world, device)
        self.train_d = wrap(self.d, world, device)
        # [resolution, first step, seconds so far] per phase of a progressive run.
        self.phases: list[list[float]] = [[config.resolution, 0, 0.0]]
        schedule = Schedule(config.steps, config.batch, config.seed, config.micro_batches,
                            config.sample_every, config.checkpoint_every, eval_every=eval_every)
        self.loop = Loop(self, schedule, len(data), self.run_dir, world, settings=asdict(config),
                         resume=resume, free=RESUMABLE_CHANGES)
        if self.phases[-1][0] != config.resolution:
            self.phases.append([config.resolution, self.step, self.seconds])

    def state(self) -> dict[str, Any]:
        return {"g": self.g.state_dict(), "d": self.d.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "ema": self.ema.module.state_dict(), "phases": self.phases,
                "scaler": self.scaler.state_dict()}

    def load(self, state: Mapping[str, Any]) -> None:
        for name in ("g", "d", "opt_g", "opt_d"):
            getattr(self, name).load_state_dict(state[name])
        self.ema.module.load_state_dict(state["ema"])
        self.phases = [list(p) for p in state["phases"]]
        speed.load_scaler(self.scaler, state.get("scaler"))

    def phase_notes(self) -> str:
        """"steps 0–6000 at 64² (80 min), 6000–8000 at 128² (50 min)"."""
        ends = [p[1] for p in self.phases[1:]] + [self.step]
        times = [p[2] for p in self.phases[1:]] + [self.seconds]
        return ", ".join(f"steps {int(p[1])}–{int(end)} at {int(p[0])}² "
                         f"({(t - p[2]) / 60:.0f} min)"
                         for p, end, t in zip(self.phases, ends, times))

    def pairs(self, index: torch.Tensor, flips: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(model input, true picture) of scenes `index`, those where `flips` holds mirrored."""
        cond = model_input(self.inputs, index.numpy(), self.config.source, self.device)
        real = common.to_batch(self.data.images, index, self.device).contiguous()
        return common.mirrored(cond, flips), common.mirrored(real, flips)

    def train_step(self, step: StepInput) -> dict[str, float]:
        """D, then G, over the step's micro-batches (training/sketch_steps.py), then the average."""
        losses = sketch_steps.train_step(self, step)
        self.ema.update(self.g, min(self.config.ema, (1 + step.step) / (10 + step.step)))
        return losses

    @torch.no_grad()
    def render(self, net: nn.Module, index: np.ndarray, *, styles: torch.Tensor | None = None,
               z: torch.Tensor | None = None, inputs: np.ndarray | None = None) -> torch.Tensor:
        """Pictures for scenes `index` (of `inputs`, default the training data's), in eval mode;
        SPADE takes style codes or style images (neither: codes drawn from the seed, the same
        at every call)."""
        inputs = self.inputs if inputs is None else inputs
        cond = model_input(inputs, index, self.config.source, self.device)
        net.eval()
        if self.config.model == "spade":
            if z is None:
                z = net.encode_style(styles)[0] if styles is not None else torch.randn(
                    len(index), self.config.z_dim,
                    generator=torch.Generator().manual_seed(self.config.seed)).to(self.device)
            return net(cond, z)
        return net(cond)

    @torch.no_grad()
    def write_samples(self, path: Path) -> Path:
        """Rows: input, averaged generator (SPADE: the scene's own style), a random style (pix2pix:
        dropout on), the true scene."""
        count = min(8, len(self.data))
        index = np.arange(count)
        real = common.to_batch(self.data.images, torch.from_numpy(index), self.device)
        net = self.ema.module
        own = imaging.to_uint8(self.render(net, index, styles=real if self.config.model == "spade"
                                           else None))
        set_variation(net, None if self.config.model == "spade" else 1)  # pix2pix: dropout on
        other = imaging.to_uint8(self.render(net, index))
        set_variation(net, None)
        shown = (np.stack([colorize(m) for m in self.inputs[index]])
                 if self.config.source == "labels" else self.inputs[index])
        tiles = []
        for i in range(count):
            tiles += [shown[i], own[i], other[i], self.data.images[i]]
        imaging.write_image(path, imaging.tile(tiles, 4))
        return path

    @torch.no_grad()
    def evaluate(self, batch: int = 16) -> dict[str, float]:
        """L1 (and mIoU, training/evaluation.py) of the averaged generator's pictures of the
        held-out pairs: SPADE with each picture's own style, pix2pix without dropout."""
        held, net, inputs = self.held_out, self.ema.module, self.held_inputs
        pictures = []
        for start in range(0, len(held), batch):
            index = np.arange(start, min(start + batch, len(held)))
            styles = (common.to_batch(held.images, torch.from_numpy(index), self.device)
                      if self.config.model == "spade" else None)
            pictures.append(imaging.to_uint8(self.render(net, index, styles=styles,
                                                         inputs=inputs)))
        return paint_scores(np.concatenate(pictures), held, self.segmenter, self.device)

    @torch.no_grad()
    def recalibrate(self, batches: int = 25) -> None:
        """Recompute the averaged SPADE generator's BatchNorm statistics for its own weights, on
        training pairs with each scene's own style (the same pairs at every call)."""
        net, size = self.ema.module, self.config.batch
        rng = torch.Generator().manual_seed(1)
        order = torch.randperm(len(self.data), generator=rng)

        def feed(i: int) -> None:
            index = order[i * size:(i + 1) * size]
            cond, real = self.pairs(index, torch.rand(len(index), generator=rng) < 0.5)
            net(cond, net.encode_style(real)[0])

        common.recalibrate_norms(net, feed, -(-min(batches * size, len(order)) // size))

    def shipped_generator(self) -> nn.Module:
        """The averaged generator, spectral norm folded into plain weights, on the CPU."""
        kind, args = generator_args(self.config)
        self.recalibrate()
        state = {k: v.detach().cpu().float() for k, v in self.ema.module.state_dict().items()}
        net = SpadeModel(**args) if kind == "spade" else UnetGenerator(**args)
        net.load_state_dict(fold_spectral_norm(state) if kind == "spade" else state)
        return net.eval()

    def export(self, folder: Path, *, command: str, hardware: str,
               metrics: dict[str, Any] | None = None) -> Path:
        cfg = self.config
        kind, args = generator_args(cfg)
        what = {"spade": "SPADE", "pix2pix": "pix2pix U-Net"}[cfg.model]
        source = "label maps (world palette)" if cfg.source == "labels" else "edge sketches"
        summary = (f"{what}: {source} → {cfg.resolution}×{cfg.resolution} landscapes, trained "
                   "on the world." + (" Style comes from a seed or from a reference picture "
                                      "through the style encoder." if cfg.model == "spade" else
                                      " Dropout is the seedable variation (off with "
                                      "--deterministic)."))
        training = {"command": command, "seed": cfg.seed, "data": self.data.description,
                    "hardware": hardware, "steps": self.step, "batch": cfg.batch,
                    "wall_time_s": round(self.seconds, 1), "settings": card_settings(cfg),
                    "notes": {"phases": self.phase_notes()}}
        meta = {"summary": summary, "input": cfg.source, "palette": "world",
                "training": {cfg.model: training}, "metrics": metrics or {}}
        card = render_card(folder.name, kind, summary, args, meta)
        return save_checkpoint(folder, self.shipped_generator(), kind=kind, args=args,
                               resolution=cfg.resolution, data=self.data.description, card=card,
                               meta=meta)
