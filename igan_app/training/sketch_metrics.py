"""How well a paint model follows its input: pictures rendered from held-out world label maps (or
their edge sketches), judged against the true scenes.

- mIoU: the segmenter labels each generated picture; agreement with the label map it was drawn
  from. The same segmenter on the true pictures is the ceiling (it is not perfect either).
- FID-L: the generated set against held-out world scenes (see metrics.fid_l for the scale).
- L1: mean absolute difference to the true picture, in [0, 1] units. A label map allows many
  pictures (time of day, weather, season), so L1 mostly measures style; with the true picture's
  own style (SPADE's encoder) it measures reconstruction.
Pictures are judged at the segmenter's resolution (area-downsampled when the model is larger).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np
import torch

from igan_app import imaging
from igan_app.engine.edges import edge_map
from igan_app.engine.paint import Painter
from igan_app.training.data import world_scenes
from igan_app.training.metrics import IoU, Report, fid_l, segment
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.zoo.pix2pix import set_variation
from igan_app.zoo.segmenter import Segmenter

Renderer = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def shrink(images: np.ndarray, size: int) -> np.ndarray:
    if images.shape[1] == size:
        return images
    return np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])


def shrink_labels(labels: np.ndarray, size: int) -> np.ndarray:
    if labels.shape[1] == size:
        return labels
    return np.stack([cv2.resize(m, (size, size), interpolation=cv2.INTER_NEAREST) for m in labels])


@torch.no_grad()
def renderers(painter: Painter) -> dict[str, Renderer]:
    """Named ways to render a batch: (label ids, true pictures, first index) → uint8 pictures."""
    model, device = painter.model, painter.device

    def inputs(labels: np.ndarray, truth: np.ndarray) -> torch.Tensor:
        if painter.input == "image":
            return imaging.to_tensor(np.stack([edge_map(im) for im in truth]), device)
        return painter.label_input(labels)

    if painter.has_style:
        def prior(labels, truth, first):
            # The styles a user gets from seeds: the painter's own sampling (its style prior).
            z = torch.cat([painter.seed_code(first + k) for k in range(len(labels))]).to(device)
            return imaging.to_uint8(model(inputs(labels, truth), z))

        def own(labels, truth, _first):
            z = model.encode_style(imaging.to_tensor(truth, device))[0]
            return imaging.to_uint8(model(inputs(labels, truth), z))

        return {"random styles": prior, "style of the true picture": own}

    def varied(deterministic: bool) -> Renderer:
        def run(labels, truth, first):
            set_variation(model, None if deterministic else first)
            try:
                return imaging.to_uint8(model(inputs(labels, truth)))
            finally:
                set_variation(model, None)
        return run

    if painter.has_variation:
        return {"seeded dropout": varied(False), "deterministic": varied(True)}
    return {"model": varied(True)}


def single_render_ms(painter: Painter, image: np.ndarray, labels: np.ndarray) -> float:
    """Median milliseconds of one 256² render, as the paint view and `igan paint` make it."""
    source = cv2.resize(labels, (256, 256), interpolation=cv2.INTER_NEAREST)
    if painter.input == "image":
        source = edge_map(cv2.resize(image, (256, 256), interpolation=cv2.INTER_CUBIC))
    times = []
    for _ in range(7):
        started = time.perf_counter()
        painter.render(source, seed=1)
        times.append(time.perf_counter() - started)
    return 1000 * sorted(times[2:])[2]


def paint_quality(painter: Painter, segmenter: Segmenter, *, n: int = 500,
                  batch: int = 25) -> Report:
    """mIoU, FID-L and L1 of each way of rendering, beside the real scenes' own values."""
    resolution, judge = painter.resolution[0], 64
    world = world_scenes(n, resolution, first_seed=HELD_OUT_SEED)
    sets = {"real scenes (ceiling)": shrink(world.images, judge)}
    l1, seconds = {}, {}
    for name, render in renderers(painter).items():
        started = time.perf_counter()
        pictures = np.concatenate([
            render(world.labels[i:i + batch], world.images[i:i + batch], i)
            for i in range(0, n, batch)])
        seconds[name] = (time.perf_counter() - started) / n
        l1[name] = float(np.abs(pictures.astype(np.float32) - world.images).mean() / 255)
        sets[name] = shrink(pictures, judge)
    device = painter.device
    fid = fid_l(None, segmenter, n=n, resolution=judge, device=device, extra=sets)
    labels = shrink_labels(world.labels, judge)
    values: dict[str, float] = {"FID-L floor": fid.values["floor"]}
    rows = []
    for name, images in sets.items():
        score = IoU()
        score.add(segment(segmenter, images, device), labels)
        values[f"mIoU {name}"] = score.mean()
        values[f"FID-L {name}"] = fid.values[name]
        if name in l1:
            values[f"L1 {name}"] = l1[name]
            values[f"mIoU ratio {name}"] = score.mean() / values["mIoU real scenes (ceiling)"]
        rows.append([name, f"{score.mean():.3f}", f"{fid.values[name]:.2f}",
                     f"{l1[name]:.3f}" if name in l1 else "—"])
    threads = torch.get_num_threads()
    values["ms per 256² render"] = single_render_ms(painter, world.images[0], world.labels[0])
    note = (f"FID-L floor (other held-out scenes): {fid.values['floor']:.2f}. mIoU against the "
            "ceiling: " + ", ".join(f"{100 * values[f'mIoU ratio {k}']:.0f}% ({k})" for k in l1)
            + ". Batched render time on the measuring machine: "
            + ", ".join(f"{1000 * s:.0f} ms/picture ({k})" for k, s in seconds.items())
            + f" at {resolution}px; one 256² render (`Painter.render`, median of 5): "
            f"{values['ms per 256² render']:.0f} ms on {threads} thread{'s' * (threads != 1)}.")
    return Report(f"Paint quality on {n} held-out world label maps at {resolution}px "
                  f"(judged at {judge}px)", ["rendered", "mIoU", "FID-L", "L1"], rows,
                  {"n": n, "resolution": resolution, "judged_at": judge}, values, note)
