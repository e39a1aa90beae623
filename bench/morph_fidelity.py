"""Measure how much the middle frames of a two-photo morph look like a photograph.

    python bench/morph_fidelity.py [--pairs 07-dune:08-storm,03-beam:13-trees-dusk,...]
        [--frames 17] [--size 512] [--grid docs/morph_fidelity.jpg] [--write]

Pairs of the real-photo set (~/.cache/igan-studio/photo-set/, `scripts/photo_set.py`; names
without the extension). Each photo's largest centred square is projected once (the
`ProjectionConfig` defaults); then
- before: the shipped generator's path and the "dissolve" transfer (both photos carried by
  per-pixel fields, cross-dissolved), what `igan morph` did before tuning;
- after: one generator tuned on both photos (`TuningConfig` defaults) and the "pyramid" transfer
  (confident motion only, Laplacian blend), what `igan morph` does by default now.

Measures on the middle frames (every frame but the two photos), at the output size:
- ghosting: A and B are each warped onto the frame by a dense flow (so that moved content
  counts); in 32 px windows where both warped photos have detail of their own, the frame's
  band-pass is regressed on theirs, band(F) ≈ α·band(A') + β·band(B'), and min(α, β) kept: a
  double exposure at t shows both (≈ min(t, 1 − t); 0.5 for a plain dissolve at t = 0.5,
  0.3–0.45 through the flow alignment), a photograph one (0). Median over windows, then over
  frames; lower is better.
- sharpness: the frame's detail energy over the photos' (weighted by B's share): 1 is as
  sharp as a photograph, a smeared frame loses it.
- fidelity: PSNR of the frame shrunk to the model's resolution against the generated frame it
  follows (each method against its own path): the morph still goes where the path goes.
Prints RESULTS.md rows (medians and worst over the pairs); --write records them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from results import machine, report

from igan_app import imaging
from igan_app.device import describe, pick_device
from igan_app.engine.frame import Frame, resize_square
from igan_app.engine.morph import morph
from igan_app.engine.projection import run_projection
from igan_app.engine.tuning import TuningConfig, run_tuning
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.registry import MANIFOLD_KINDS
from igan_app.zoo.vgg import load_feature_network

MARKER = "bench/morph_fidelity.py"
PHOTO_SET = Path.home() / ".cache" / "igan-studio" / "photo-set"
PAIRS = ("07-dune:08-storm,03-beam:13-trees-dusk,06-hills:12-sun-clouds,"
         "05-fog:10-ocean-waves,01-valendas:14-redwoods")
WINDOW = 32
GRID_TIMES = (0, 0.25, 0.5, 0.75, 1)


def detail(image: np.ndarray) -> np.ndarray:
    """|image − its blur|, channel mean: where the picture has edges and texture."""
    picture = image.astype(np.float32)
    return np.abs(picture - cv2.GaussianBlur(picture, (0, 0), 2.0)).mean(axis=-1)


def band(image: np.ndarray) -> np.ndarray:
    """The grey picture's signed band-pass (difference of Gaussians, sigma 1 and 4 px): linear,
    so a double exposure's band is the exposures' bands mixed by their weights."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return cv2.GaussianBlur(grey, (0, 0), 1.0) - cv2.GaussianBlur(grey, (0, 0), 4.0)


def tiles(x: np.ndarray) -> np.ndarray:
    """x (H, W) cut into WINDOW² tiles, each centred on its mean: (tiles, WINDOW²)."""
    h, w = (side // WINDOW * WINDOW for side in x.shape)
    t = x[:h, :w].reshape(h // WINDOW, WINDOW, w // WINDOW, WINDOW).swapaxes(1, 2)
    t = t.reshape(-1, WINDOW * WINDOW)
    return t - t.mean(axis=1, keepdims=True)


def doubling(df: np.ndarray, da: np.ndarray, db: np.ndarray) -> float:
    """Per window, the frame's band regressed on both photos' (least squares, means
    removed): df ≈ α·da + β·db. A double exposure needs both (α, β ≈ 1 − t, t), a photograph
    one; min(α, β) clipped to [0, 1], median over the windows where both photos have detail
    of their own (not too alike: else either explains it)."""
    f, a, b = tiles(df), tiles(da), tiles(db)
    aa, bb, ab = (a * a).sum(1), (b * b).sum(1), (a * b).sum(1)
    fa, fb = (f * a).sum(1), (f * b).sum(1)
    det = aa * bb - ab * ab
    alpha = (bb * fa - ab * fb) / np.maximum(det, 1e-6)
    beta = (aa * fb - ab * fa) / np.maximum(det, 1e-6)
    judged = ((aa > 0.25 * np.median(aa)) & (bb > 0.25 * np.median(bb))
              & (ab * ab < 0.25 * aa * bb))
    if not judged.any():
        return 0.0
    return float(np.median(np.clip(np.minimum(alpha, beta), 0, 1)[judged]))


def aligned(photo: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """`photo` warped onto `frame` by a dense flow (DIS): where the frame shows the photo's
    content, moved or not, the warped photo has it in the same place."""
    gray = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (frame, photo)]
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(*gray, None)
    ys, xs = np.mgrid[0:frame.shape[0], 0:frame.shape[1]].astype(np.float32)
    return cv2.remap(photo, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def frame_measures(frame, a, b, weight, generated) -> tuple[float, float, float]:
    """(ghosting, sharpness, fidelity in dB) of one middle frame."""
    ghost = doubling(band(frame), band(aligned(a, frame)), band(aligned(b, frame)))
    sharp = _energy(detail(frame)) / ((1 - weight) * _energy(detail(a))
                                      + weight * _energy(detail(b)))
    small = resize_square(frame, generated.shape[0]).astype(np.float32)
    mse = float(((small - generated.astype(np.float32)) ** 2).mean())
    return ghost, sharp, 10 * np.log10(255 ** 2 / max(mse, 1e-6))


def _energy(d: np.ndarray) -> float:
    return float((d * d).mean())


def morph_pair(manifold, features, crops, device, args):
    """{"before": (frames, generated, seconds), "after": (...)}, and the tuned PSNRs."""
    targets = [imaging.to_tensor(resize_square(c, manifold.resolution), device) for c in crops]
    latents = [run_projection(manifold, t, features=features).latent for t in targets]
    z = torch.cat(latents)
    steps = torch.linspace(0, 1, args.frames)[:, None]
    with torch.no_grad():
        untuned = imaging.to_uint8(manifold.generator(z[:1] + steps * (z[1:] - z[:1])))
    tuned = run_tuning(manifold, torch.cat(targets), z, TuningConfig(), features)
    with torch.no_grad():
        path = imaging.to_uint8(tuned.manifold.generator(z[:1] + steps * (z[1:] - z[:1])))
    out = {}
    for label, generated, blend in (("before", untuned, "dissolve"), ("after", path, "pyramid")):
        started = time.perf_counter()
        frames = [f.image for f in morph(*crops, list(generated), size=args.size,
                                         blend_with=blend)]
        out[label] = (frames, generated, time.perf_counter() - started)
    return out, tuned.psnrs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default=PAIRS, help="comma list of A:B photo names")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--model", default="models/landscape64")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--grid", type=Path, default=None, help="write a before/after figure")
    parser.add_argument("--write", action="store_true", help="record the rows in RESULTS.md")
    args = parser.parse_args()
    torch.manual_seed(0)

    device = pick_device(args.device)
    manifold = load_checkpoint(args.model, expected_kind=MANIFOLD_KINDS, device=device).model
    network = load_feature_network(device=device)
    results: dict[str, list[np.ndarray]] = {"before": [], "after": []}
    rows_of_grid = []
    for pair in args.pairs.split(","):
        names = pair.split(":")
        photos = [imaging.read_image(PHOTO_SET / f"{name}.jpg") for name in names]
        crops = [_centre(p, manifold.resolution) for p in photos]
        out, tuned_psnr = morph_pair(manifold, network.model, crops, device, args)
        for label, (frames, generated, seconds) in out.items():
            last = len(frames) - 1
            a, b = frames[0], frames[-1]
            measures = np.array([frame_measures(frames[t], a, b, t / last, generated[t])
                                 for t in range(1, last)])
            results[label].append(measures)
            worst = measures[:, 0].max()
            print(f"{pair} {label}: ghosting {np.median(measures[:, 0]):.3f} (worst frame "
                  f"{worst:.3f}), sharpness {np.median(measures[:, 1]):.2f}, fidelity "
                  f"{np.median(measures[:, 2]):.1f} dB, transfer {seconds:.1f} s"
                  + (f", tuned PSNR {tuned_psnr[0]:.1f}/{tuned_psnr[1]:.1f} dB"
                     if label == "after" else ""))
            picks = [round(t * last) for t in GRID_TIMES]
            rows_of_grid.append((f"{names[0]} > {names[1]}", label,
                                 [frames[i] for i in picks]))
    rows = []
    for label in ("before", "after"):
        per_pair = np.array([np.median(m, axis=0) for m in results[label]])
        what = ("before (shipped generator, dissolve)" if label == "before"
                else "after (tuned on both, pyramid blend)")
        rows.append((f"morph middle frames, {what}: {len(per_pair)} pairs",
                     (f"ghosting median {np.median(per_pair[:, 0]):.3f} (worst "
                     f"{per_pair[:, 0].max():.3f}); sharpness median "
                     f"{np.median(per_pair[:, 1]):.2f} (worst {per_pair[:, 1].min():.2f}); "
                     f"fidelity to the path median {np.median(per_pair[:, 2]):.1f} dB (worst "
                     f"{per_pair[:, 2].min():.1f})")))
    if args.grid is not None:
        args.grid.parent.mkdir(parents=True, exist_ok=True)
        imaging.write_image(args.grid, labelled_grid(rows_of_grid))
        print(f"grid: {args.grid} (rows: each pair before, then after; columns t = "
              f"{', '.join(map(str, GRID_TIMES))})")
    report(rows, f"python bench/morph_fidelity.py --pairs {args.pairs} --frames {args.frames} "
           f"--size {args.size}", f"{machine()}; {describe(device)}", MARKER, args.write)
    return 0


def _text(image: np.ndarray, text: str, origin: tuple[int, int], scale: float,
          color=(255, 255, 255)) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)


def labelled_grid(rows: list[tuple[str, str, list[np.ndarray]]], cell: int = 160) -> np.ndarray:
    """The frames at GRID_TIMES, one row per (pair, "before"/"after"), with the pair and the
    pipeline written on the left and t over each column."""
    label_w, header_h = 170, 26
    header = np.full((header_h, label_w + cell * len(GRID_TIMES), 3), 32, np.uint8)
    for k, t in enumerate(GRID_TIMES):
        _text(header, f"t = {t:g}", (label_w + k * cell + 50, 18), 0.5)
    out = [header]
    for pair, label, frames in rows:
        side = np.full((cell, label_w, 3), 32, np.uint8)
        _text(side, pair.split(" > ")[0], (6, 60), 0.45)
        _text(side, "> " + pair.split(" > ")[1], (6, 80), 0.45)
        what = ("before: shipped generator, dissolve" if label == "before"
                else "after: tuned on both, pyramid")
        for i, line in enumerate(what.split(", ")):
            _text(side, line, (6, 110 + 18 * i), 0.4, (200, 200, 200))
        pictures = [cv2.resize(f, (cell, cell), interpolation=cv2.INTER_AREA) for f in frames]
        out.append(np.concatenate([side, *pictures], axis=1))
    return np.concatenate(out, axis=0)


def _centre(photo: np.ndarray, resolution: int) -> np.ndarray:
    """The photo's largest centred square (what the morph journey projects)."""
    left, top, right, bottom = Frame.centre(photo.shape[:2], resolution).box
    return photo[top:bottom, left:right]


if __name__ == "__main__":
    raise SystemExit(main())
