"""`igan train segmenter` and `igan train features`: per-pixel world labels as the task.

The segmenter is a small U-Net used by the metrics. The feature network is VGG16 (torchvision's
architecture) trained from scratch as the backbone of a hypercolumn segmenter: a 1×1 projection
of each tap, upsampled and summed, gives every layer a short path to the loss, which is what lets
a 10-convolution network without batch norm train in minutes. Only the VGG16 part is shipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from igan_app import imaging
from igan_app.training import common, speed
from igan_app.training.cards import render_card
from igan_app.training.data import ImageSet
from igan_app.training.distributed import ALONE, World, wrap
from igan_app.training.loop import Loop, OnLoop, Schedule, StepInput
from igan_app.world.palette import NUM_LABELS, colorize
from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.vgg import VGG16Features, tap_channels

HYPERCOLUMN_TAPS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")


@dataclass(frozen=True)
class SegmentationConfig:
    """task: "segmenter" (U-Net, `width`) or "features" (VGG16 backbone up to relu4_3).

    dice_weight: weight of a soft-Dice term beside cross-entropy; Dice scores each label by its
    overlap, as IoU does, so thin and rare labels (crags, faint clouds) count as much as sky;
    it is measured on each micro-batch (each process's share), as BatchNorm's statistics are.
    batch: the global batch (over every process); micro_batches: parts each process splits its
    share into (training/loop.Schedule).
    """

    task: str = "segmenter"
    resolution: int = 64
    width: int = 32
    batch: int = 32
    steps: int = 3000
    lr: float = 1e-3
    dice_weight: float = 0.0
    seed: int = 0
    sample_every: int = 500
    checkpoint_every: int = 250
    micro_batches: int = 1


class Hypercolumn(nn.Module):
    """VGG16 features → label logits: each tap projected, upsampled to full size and summed."""

    def __init__(self, backbone: VGG16Features, num_labels: int = NUM_LABELS, hidden: int = 64):
        super().__init__()
        self.backbone = backbone
        self.project = nn.ModuleList([nn.Conv2d(tap_channels(t), hidden, 1)
                                      for t in HYPERCOLUMN_TAPS])
        self.head = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(hidden, num_labels, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        size = image.shape[-2:]
        total = 0
        for project, x in zip(self.project, self.backbone(image, HYPERCOLUMN_TAPS)):
            total = total + F.interpolate(project(x), size=size, mode="bilinear",
                                          align_corners=False)
        return self.head(total)


def build_network(config: SegmentationConfig) -> nn.Module:
    if config.task == "segmenter":
        return Segmenter(NUM_LABELS, config.width)
    if config.task == "features":
        backbone = VGG16Features("relu4_3")
        for m in backbone.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        return Hypercolumn(backbone)
    raise ValueError(f"unknown task {config.task!r}; known: segmenter, features")


def soft_dice_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """1 − the mean Dice overlap of softmax and one-hot labels, over the labels in the batch."""
    p = logits.softmax(1)
    truth = F.one_hot(labels, logits.shape[1]).permute(0, 3, 1, 2).to(p.dtype)
    overlap = (p * truth).sum((0, 2, 3))
    total = p.sum((0, 2, 3)) + truth.sum((0, 2, 3))
    present = truth.sum((0, 2, 3)) > 0
    dice = (2 * overlap + 1.0) / (total + 1.0)
    return 1.0 - dice[present].mean()


def cosine_lr(step: int, total: int, base: float, warmup: int = 100) -> float:
    """Linear warm-up, then cosine decay to 5% of the base rate."""
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


class SegmentationTraining(OnLoop):
    """A resumable run on training/loop.Loop: `steps()` yields a TrainStep per optimizer step;
    `export()` writes the model. world: the processes (training/distributed.py). eval_every:
    steps between evaluations (`evaluate`: mIoU on `held_out`, or on `eval_n` held-out world
    scenes), logged under eval/ (0: none)."""

    def __init__(self, config: SegmentationConfig, data: ImageSet, device: torch.device,
                 run_dir: Path, *, resume: bool = False, world: World = ALONE,
                 eval_every: int = 0, held_out: ImageSet | None = None, eval_n: int = 100):
        if data.labels is None:
            raise ValueError(f"{data.description}: has no label maps to learn from")
        self.config, self.data, self.device, self.run_dir = config, data, device, Path(run_dir)
        common.seed_everything(config.seed)  # the network's start
        self.net = build_network(config).to(device, memory_format=speed.memory_format())
        self.train_net = wrap(self.net, world, device)
        self.opt = torch.optim.Adam(self.net.parameters(), config.lr)
        self.scaler = speed.grad_scaler(device)
        self.held_out, self.eval_n = held_out, eval_n
        schedule = Schedule(config.steps, config.batch, config.seed, config.micro_batches,
                            config.sample_every, config.checkpoint_every, eval_every=eval_every)
        self.loop = Loop(self, schedule, len(data), self.run_dir, world,
                         settings=asdict(config), resume=resume, free=("micro_batches",))

    def state(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "opt": self.opt.state_dict(),
                "scaler": self.scaler.state_dict()}

    def evaluate(self) -> dict[str, float]:
        """mIoU of the segmenter (for "features", of the training head) on the held-out set."""
        from igan_app.training.metrics import segmenter_miou

        net = self.shipped_network() if self.config.task == "segmenter" else self.net
        report = segmenter_miou(net, n=self.eval_n, resolution=self.config.resolution,
                                device=self.device, held_out=self.held_out)
        return {"mIoU": report.values["mIoU"]}

    def load(self, state: Mapping[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.opt.load_state_dict(state["opt"])
        speed.load_scaler(self.scaler, state.get("scaler"))

    def train_step(self, step: StepInput) -> dict[str, float]:
        """Cross-entropy (and soft Dice) on randomly mirrored scenes, over the micro-batches;
        the learning rate follows `cosine_lr` of the step."""
        cfg, parts = self.config, len(step.parts)
        autocast = common.autocast(self.device)
        flips = torch.rand(step.batch, generator=step.generator) < 0.5
        for group in self.opt.param_groups:
            group["lr"] = cosine_lr(step.step, cfg.steps, cfg.lr)
        self.net.train()
        self.opt.zero_grad(set_to_none=True)
        totals: dict[str, float] = {}
        for i, index in enumerate(step.parts):
            image = common.to_batch(self.data.images, index, self.device)
            labels = torch.from_numpy(self.data.labels[index.numpy()]).to(self.device).long()
            mirror = step.part(flips, i)
            image, labels = common.mirrored(image, mirror), common.mirrored(labels, mirror)
            with autocast:
                logits = self.train_net(image)
            ce = F.cross_entropy(logits.float(), labels)
            losses = {"ce": ce}
            loss = ce
            if cfg.dice_weight > 0:
                losses["dice"] = soft_dice_loss(logits.float(), labels)
                loss = ce + cfg.dice_weight * losses["dice"]
            self.scaler.scale(loss / parts).backward()
            losses["acc"] = (logits.argmax(1) == labels).float().mean()
            for name, value in losses.items():
                totals[name] = totals.get(name, 0.0) + value.item() / parts
        self.scaler.step(self.opt)
        self.scaler.update()
        return totals

    @torch.no_grad()
    def write_samples(self, path: Path) -> Path:
        """Rows of scene, predicted labels and true labels for the first eight scenes."""
        count = min(8, len(self.data))
        self.net.eval()
        image = common.to_batch(self.data.images, torch.arange(count), self.device)
        predicted = self.net(image).argmax(1).cpu().numpy()
        self.net.train()
        tiles = []
        for i in range(count):
            tiles += [self.data.images[i], colorize(predicted[i]), colorize(self.data.labels[i])]
        imaging.write_image(path, imaging.tile(tiles, 3))
        return path

    def shipped_network(self) -> nn.Module:
        net = self.net.backbone if isinstance(self.net, Hypercolumn) else self.net
        return net.eval()

    def export(self, folder: Path, *, command: str, hardware: str,
               metrics: dict[str, Any] | None = None) -> Path:
        cfg = self.config
        net = self.shipped_network().cpu().float().to(memory_format=torch.contiguous_format)
        if cfg.task == "segmenter":
            kind, args = "world-segmenter", {"num_labels": NUM_LABELS, "width": cfg.width}
            summary = ("A U-Net that labels world scenes (sky, cloud, mountain, snow, rock, water, "
                       "sand, grass, tree); the judge behind FID-L, used for metrics only.")
        else:
            kind, args = "vgg16-features", {"last": "relu4_3"}
            summary = ("VGG16 (torchvision's architecture, up to relu4_3) trained from scratch on "
                       "the world as the backbone of a hypercolumn segmenter; the feature "
                       "network used when ImageNet VGG16 weights are not on the machine.")
        training = {"command": command, "seed": cfg.seed, "data": self.data.description,
                    "hardware": hardware, "steps": self.step, "batch": cfg.batch,
                    "wall_time_s": round(self.seconds, 1), "settings": asdict(cfg)}
        meta = {"summary": summary, "training": {cfg.task: training}, "metrics": metrics or {}}
        card = render_card(folder.name, kind, summary, args, meta)
        return save_checkpoint(folder, net, kind=kind, args=args, resolution=cfg.resolution,
                               data=self.data.description, card=card, meta=meta)
