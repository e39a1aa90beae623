"""Quality measures: FID-L, segmenter mIoU and encoder reconstruction.

FID-L is the Fréchet distance between Gaussian fits of the segmenter's embeddings (see
`Segmenter.embed`) of two image sets. A number alone has no scale, so it is always reported with
two references computed the same way: held-out world against other held-out world scenes (the
floor: what a perfect generator would score with this many samples) and held-out world against
the same scenes blurred with σ = 2 px (a poor model that gets the layout right and the detail
wrong).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch

from igan_app import imaging
from igan_app.engine.losses import feature_distance, psnr
from igan_app.training.common import format_table
from igan_app.training.data import ImageSet, world_scenes
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.palette import LABELS, NUM_LABELS
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.vgg import FeatureNetwork

BLUR_SIGMA = 2.0
NAMES = [label.name for label in LABELS]


def blurred(images: np.ndarray, sigma: float = BLUR_SIGMA) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(im, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
                     for im in images])


@torch.no_grad()
def embed(segmenter: Segmenter, images: np.ndarray | Callable[[int], torch.Tensor], n: int,
          device: torch.device | str = "cpu", batch: int = 250) -> np.ndarray:
    """(n, D) float64 embeddings; `images` is a uint8 array or a function batch_size → tensor."""
    segmenter.eval()
    out = []
    for start in range(0, n, batch):
        size = min(batch, n - start)
        if callable(images):
            x = images(size).to(device)
        else:
            x = imaging.to_tensor(images[start:start + size], device)
        out.append(segmenter.embed(x.float()).double().cpu().numpy())
    return np.concatenate(out)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½) of Gaussian fits to the rows of a and b."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((Σa Σb)^½) = Σ sqrt(eig(Σa^½ Σb Σa^½)), a symmetric problem that eigh solves stably.
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)
    distance = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(cross).sum()
    return float(max(distance, 0.0))


@dataclass
class Report:
    """A measured table: rows, header, the settings it was measured with."""

    title: str
    header: Sequence[str]
    rows: list[list[Any]]
    settings: dict[str, Any] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def text(self) -> str:
        lines = [self.title, format_table(self.rows, self.header)]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def card_entry(self, command: str) -> dict[str, Any]:
        return {"command": command, "table": format_table(self.rows, self.header),
                "note": self.note, "values": self.values, "settings": self.settings}


def fid_l(generate: Callable[[int], torch.Tensor] | None, segmenter: Segmenter, *, n: int = 2000,
          resolution: int = 64, device: torch.device | str = "cpu",
          extra: dict[str, np.ndarray] | None = None, world: str = "classic") -> Report:
    """FID-L of a generator (`generate(k)` → k images in [-1, 1]) beside the floor and blur values.

    extra: further named image sets (uint8) to score against the same held-out scenes;
    world: whose held-out scenes (world/render.WORLDS).
    """
    label = "world" if world == "classic" else f"{world} world"
    scenes = world_scenes(2 * n, resolution, first_seed=HELD_OUT_SEED, world=world)
    first, second = scenes.images[:n], scenes.images[n:]
    reference = embed(segmenter, first, n, device)
    rows, values = [], {}

    def score(name: str, vectors: np.ndarray, what: str) -> None:
        values[name] = frechet_distance(reference, vectors)
        rows.append([name, f"{values[name]:.2f}", what])

    score("floor", embed(segmenter, second, n, device), f"other held-out {label} scenes")
    score(f"blurred σ={BLUR_SIGMA:g}", embed(segmenter, blurred(first), n, device),
          "the same held-out scenes, Gaussian-blurred")
    for name, images in (extra or {}).items():
        score(name, embed(segmenter, images, len(images), device), "")
    if generate is not None:
        score("model", embed(segmenter, generate, n, device), f"{n} generator samples")
    note = ""
    if generate is not None:
        floor, blur, model = values["floor"], values[f"blurred σ={BLUR_SIGMA:g}"], values["model"]
        position = (model - floor) / max(blur - floor, 1e-9)
        values["model_position"] = position
        note = (f"The model sits at {100 * position:.0f}% of the way from the floor to the "
                f"blurred {label} (0% would be indistinguishable from held-out scenes).")
    settings = {"n": n, "resolution": resolution, "blur_sigma": BLUR_SIGMA}
    if world != "classic":
        settings["world"] = world
    return Report(f"FID-L ({n} samples vs {n} held-out {label} scenes, {resolution}px)",
                  ["set", "FID-L", "what"], rows, settings, values, note)


class IoU:
    """Per-label intersections and unions summed over a set of (predicted, true) label maps."""

    def __init__(self) -> None:
        self.intersection = np.zeros(NUM_LABELS)
        self.union = np.zeros(NUM_LABELS)

    def add(self, predicted: np.ndarray, truth: np.ndarray) -> None:
        for label in range(NUM_LABELS):
            p, t = predicted == label, truth == label
            self.intersection[label] += np.logical_and(p, t).sum()
            self.union[label] += np.logical_or(p, t).sum()

    def per_label(self) -> np.ndarray:
        """IoU of each label; NaN for labels absent from both."""
        return np.where(self.union > 0, self.intersection / np.maximum(self.union, 1), np.nan)

    def mean(self) -> float:
        return float(np.nanmean(self.per_label()))


@torch.no_grad()
def segment(segmenter: Segmenter, images: np.ndarray, device: torch.device | str = "cpu",
            batch: int = 200) -> np.ndarray:
    """uint8 (N, H, W, 3) → the segmenter's (N, H, W) label ids."""
    segmenter.eval()
    out = [segmenter(imaging.to_tensor(images[i:i + batch], device)).argmax(1).cpu().numpy()
           for i in range(0, len(images), batch)]
    return np.concatenate(out).astype(np.uint8)


@torch.no_grad()
def segmenter_miou(segmenter: Segmenter, *, n: int = 1000, resolution: int = 64,
                   device: torch.device | str = "cpu", batch: int = 200,
                   held_out: ImageSet | None = None) -> Report:
    """Per-class IoU over n held-out scenes, or over the `held_out` pairs of a folder
    (intersections and unions summed over the set)."""
    world = held_out if held_out is not None else world_scenes(n, resolution,
                                                               first_seed=HELD_OUT_SEED)
    score = IoU()
    score.add(segment(segmenter, world.images, device, batch), world.labels)
    iou, miou = score.per_label(), score.mean()
    present = ~np.isnan(iou)
    rows = [[NAMES[i], f"{iou[i]:.3f}" if present[i] else "absent"] for i in range(NUM_LABELS)]
    rows.append(["**mean**", f"**{miou:.3f}**"])
    values = {"mIoU": miou, **{f"IoU {NAMES[i]}": float(iou[i]) for i in range(NUM_LABELS)
                                 if present[i]}}
    what = (f"{n} held-out world scenes" if held_out is None
            else f"the {len(held_out)} held-out pairs of {held_out.description.split(',')[0]}")
    return Report(f"Segmenter IoU on {what} at {resolution}px",
                  ["label", "IoU"], rows, {"n": n, "resolution": resolution}, values)


@torch.no_grad()
def reconstruction(encode: Callable[[torch.Tensor], torch.Tensor],
                   generate: Callable[[torch.Tensor], torch.Tensor], features: FeatureNetwork,
                   sets: dict[str, ImageSet], device: torch.device | str = "cpu",
                   batch: int = 100) -> Report:
    """PSNR and feature distance of G(E(x)) against x, for each named image set."""
    rows, values = [], {}
    for name, data in sets.items():
        scores, distances = [], []
        for start in range(0, len(data), batch):
            x = imaging.to_tensor(data.images[start:start + batch], device)
            y = generate(encode(x))
            scores.append(psnr(y, x).cpu())
            distances.append(feature_distance(features.model, y, x).cpu())
        p, d = torch.cat(scores).mean().item(), torch.cat(distances).mean().item()
        values[f"{name} PSNR"], values[f"{name} feature distance"] = p, d
        rows.append([name, len(data), f"{p:.2f}", f"{d:.4f}"])
    return Report("Reconstruction G(E(x)) against x", ["images", "n", "PSNR (dB)",
                                                      "feature distance (relu3_3)"], rows,
                  {"features": features.describe()}, values)


@torch.no_grad()
def feature_ranking(features: FeatureNetwork, *, n: int = 500, resolution: int = 64,
                    device: torch.device | str = "cpu", batch: int = 50) -> Report:
    """Does the feature distance rank a scene's near copies before other scenes?

    For n held-out scenes: the mean feature distance to the scene shifted by one pixel, to the
    scene blurred with σ = 1 px, and to another scene; and how often each copy is nearer than the
    other scene. A network that learned nothing still ranks shifts well; blur is the harder case.
    """
    world = world_scenes(n, resolution, first_seed=HELD_OUT_SEED)
    soft = blurred(world.images, 1.0)
    distances: dict[str, list[torch.Tensor]] = {"shift": [], "blur": [], "other": []}
    for start in range(0, n, batch):
        x = imaging.to_tensor(world.images[start:start + batch], device)
        copies = {"shift": torch.roll(x, 1, dims=-1),
                  "blur": imaging.to_tensor(soft[start:start + batch], device),
                  "other": torch.roll(x, 1, dims=0)}
        for name, y in copies.items():
            distances[name].append(feature_distance(features.model, x, y).cpu())
    d = {name: torch.cat(parts) for name, parts in distances.items()}
    rows, values = [], {}
    for name, what in (("shift", "shifted 1 px"), ("blur", "blurred σ=1 px"),
                       ("other", "another scene")):
        values[f"distance {what}"] = d[name].mean().item()
        nearer = "" if name == "other" else f"{(d[name] < d['other']).float().mean().item():.3f}"
        if nearer:
            values[f"nearer than another scene: {what}"] = float(nearer)
        rows.append([what, f"{d[name].mean().item():.4f}", nearer])
    return Report(f"Feature distance (relu3_3) on {n} held-out world scenes at {resolution}px",
                  ["compared with", "mean distance", "fraction nearer than another scene"],
                  rows, {"n": n, "features": features.describe()}, values)
