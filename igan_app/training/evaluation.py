"""What the generative trainers measure every `Schedule.eval_every` steps (`evaluate()`), for the
TensorBoard log: cheap versions of the card's final measurements, on a fixed held-out set so
that the numbers of one run can be compared step to step.

- a manifold: FID-L of the averaged generator's samples against held-out pictures (the world's
  held-out scenes, or a folder's --hold-out part), the reference embedded once;
- a paint model: L1 of its pictures to the true ones (SPADE with each picture's own style, so
  that it measures reconstruction) and, where the held-out set has label maps, the mIoU of the
  world segmenter on its pictures against the maps it painted from.
Pictures are judged at the segmenter's side (area-downsampled), as training/sketch_metrics.py
does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from igan_app import imaging
from igan_app.training.data import ImageSet
from igan_app.training.metrics import IoU, embed, frechet_distance, segment
from igan_app.training.sketch_metrics import shrink, shrink_labels
from igan_app.zoo.segmenter import Segmenter

JUDGE_SIDE = 64  # the world segmenter's side


class SampleFID:
    """FID-L of generated pictures against `reference` (a held-out ImageSet), its embedding
    computed once."""

    def __init__(self, segmenter: Segmenter, reference: ImageSet, device: torch.device):
        self.segmenter, self.device, self.n = segmenter.to(device), device, len(reference)
        pictures = shrink(reference.images, JUDGE_SIDE)
        self.reference = embed(segmenter, pictures, len(pictures), device)

    def __call__(self, generate: Callable[[int], torch.Tensor]) -> float:
        """FID-L of `n` pictures (as many as the reference) of `generate(k)` → (k, 3, R, R)
        in [-1, 1]."""
        pictures = shrink(imaging.to_uint8(generate(self.n)), JUDGE_SIDE)
        return frechet_distance(self.reference, embed(self.segmenter, pictures, self.n,
                                                      self.device))


def paint_scores(pictures: np.ndarray, held: ImageSet, segmenter: Segmenter | None,
                 device: torch.device) -> dict[str, float]:
    """"L1" of uint8 `pictures` to `held`'s images, in [0, 1] units, and "mIoU" of the
    segmenter's labels of them against `held`'s label maps (when both exist)."""
    truth = held.images.astype(np.float32)
    scores = {"L1": float(np.abs(pictures.astype(np.float32) - truth).mean() / 255)}
    if segmenter is not None and held.labels is not None:
        iou = IoU()
        iou.add(segment(segmenter.to(device), shrink(pictures, JUDGE_SIDE), device),
                shrink_labels(held.labels, JUDGE_SIDE))
        scores["mIoU"] = iou.mean()
    return scores


__all__ = ["JUDGE_SIDE", "SampleFID", "paint_scores"]
