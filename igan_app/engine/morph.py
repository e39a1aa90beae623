"""Morph one photo into another through the manifold.

Both photos are projected; the generator renders the latent path between them. Frame t carries
photo A along the generated frames 0 → t and photo B along N−1 → t, and puts the two together.

"pyramid" (the default) keeps every frame a photograph. Motion is carried only where the flow is
confident: each step's flow must agree with the flow back (forward–backward consistency) and
explain the next frame's colours, the confidence is carried along the chain, and the motion is
smoothed by it (normalised convolution), so that places where content appears or dissolves stay
put instead of being stretched. What the motion does not explain, the generated frames' own
change of colour, is added at low frequency (a smooth offset, which cannot mottle texture). The
two carried photos are then blended in a Laplacian pyramid (`engine.pyramid.blend`): coarse
bands mixed by B's weight, detail from one photo per place, the photo whose motion explains the
generated frame there better, weighted towards the nearer end. No edge is ever drawn twice.

"dissolve" is the earlier transfer, kept so that the difference can be measured: both photos
carried by `engine.edit_field` (per-pixel colour maps, every flow vector trusted) and
cross-dissolved, which draws the middle frames as smeared double images.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.edit_field import EditField, accumulate, apply_field, compose
from igan_app.engine.flow import DEFAULT_FLOW_METHOD, estimate_flow, pixel_grid, sample
from igan_app.engine.frame import resize_square
from igan_app.engine.pyramid import blend

MORPH_BLENDS = ("pyramid", "dissolve")
DEFAULT_BLEND = "pyramid"

# Forward–backward disagreement (model pixels) and colour left unexplained by a step's motion
# (0–255) at which a flow vector's confidence starts to fall; it is gone at twice these.
FLOW_TOLERANCE = 0.5
COLOR_TOLERANCE = 24.0
# Normalised convolution of the motion by its confidence: Gaussian sigma in model pixels, and
# the confidence mass below which the motion fades towards none.
MOTION_SIGMA = 1.5
MOTION_FLOOR = 0.15
# The detail choice's error is averaged over this sigma (model pixels), and the chosen mask
# softened by half of it, so that detail changes source at region scale, not pixel by pixel:
# two nearby edges, one from each photo, would be drawn at half contrast each.
CHOICE_SIGMA = 4.0
# How much better (relatively, weighted) the farther photo's motion must explain a place for
# its detail to be drawn there.
CHOICE_MARGIN = 0.1
# The generated frames' change that motion leaves unexplained is added blurred by this sigma
# (model pixels): at the scales the pyramid mixes by weight, not among the detail.
CHANGE_SIGMA = 1.5
# Bands this fraction of the output's side or coarser are mixed by the weight; finer ones are
# detail, from one photo per place.
MIXED_FRACTION = 1 / 16


@dataclass(frozen=True)
class MorphFrame:
    """index of total; image: RGB uint8 (size, size, 3); weight: B's share of the frame."""

    index: int
    total: int
    image: np.ndarray
    weight: float


@dataclass(frozen=True, eq=False)
class Carried:
    """Where frame t's pixels came from in an end frame, (h, w, 2) model pixels, after
    smoothing by confidence; and the confidence of the raw chain there, (h, w) in [0, 1]."""

    source: np.ndarray
    confidence: np.ndarray


def fields_along(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW_METHOD,
                 ) -> list[EditField]:
    """The cumulative field from frames[0] to every frame (the first is the identity)."""
    height, width = frames[0].shape[:2]
    return [EditField.identity(height, width), *accumulate(frames, method)]


def step_flows(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW_METHOD,
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each consecutive pair (f_i, f_i+1): the flow back, f_i+1(x) ≈ f_i(x + back(x)), and
    the flow forward, f_i(y) ≈ f_i+1(y + forward(y)); (h, w, 2) float32 each."""
    return [(estimate_flow(before, after, method), estimate_flow(after, before, method))
            for before, after in itertools.pairwise(frames)]


def confident_chain(frames: Sequence[np.ndarray], flows: Sequence[tuple[np.ndarray, np.ndarray]],
                    ) -> list[Carried]:
    """For every frame t, where its content came from in frames[0], trusting only confident
    flow: a step's vector loses confidence where the forward flow does not bring it back or
    the colours it joins differ; a pixel's confidence is the least along its chain. flows: as
    `step_flows` gives for `frames`."""
    first = frames[0]
    grid = pixel_grid(*first.shape[:2])
    source, confidence = grid.copy(), np.ones(first.shape[:2], np.float32)
    chain = [Carried(grid, confidence)]
    for (before, after), (back, forward) in zip(itertools.pairwise(frames), flows):
        previous = grid + back
        disagreement = np.linalg.norm(back + sample(forward, previous), axis=-1)
        unexplained = np.abs(after.astype(np.float32)
                             - sample(before, previous).astype(np.float32)).mean(axis=-1)
        step = _falloff(disagreement, FLOW_TOLERANCE) * _falloff(unexplained, COLOR_TOLERANCE)
        confidence = np.minimum(step, sample(confidence, previous))
        source = compose(source, back)
        chain.append(Carried(_smoothed(source, confidence, grid), confidence))
    return chain


def morph(region_a: np.ndarray, region_b: np.ndarray, generated: Sequence[np.ndarray], *,
          size: int = 512, mode: str = "both", method: str = DEFAULT_FLOW_METHOD,
          blend_with: str = DEFAULT_BLEND) -> Iterator[MorphFrame]:
    """Yield the morph's frames, one per generated frame.

    region_a, region_b: the photos' projected regions (RGB uint8, any size; resized to `size`);
    generated: the generator's frames along the latent path, from A's projection to B's
    (RGB uint8, model resolution, at least two). mode: what is carried ("both", or "auto"
    meaning it; "motion"; "color"); method: the flow estimator; blend_with: "pyramid" or
    "dissolve" (see the module). The first frame is A's region and the last B's, resized.
    """
    generated = list(generated)
    if len(generated) < 2:
        raise ValueError(f"a morph needs at least 2 generated frames, got {len(generated)}")
    if blend_with not in MORPH_BLENDS:
        raise ValueError(f"unknown morph blend {blend_with!r}; choose one of "
                         f"{', '.join(MORPH_BLENDS)}")
    a, b = resize_square(region_a, size), resize_square(region_b, size)
    if blend_with == "dissolve":
        yield from _dissolve(a, b, generated, "both" if mode == "auto" else mode, method)
        return
    flows = step_flows(generated, method)
    from_a = confident_chain(generated, flows)
    reverse = [(forward, back) for back, forward in reversed(flows)]
    from_b = confident_chain(generated[::-1], reverse)[::-1]
    last = len(generated) - 1
    for t in range(len(generated)):
        weight = t / last
        if t in (0, last):
            image = a if t == 0 else b
        else:
            image = _frame(a, b, generated, t, weight, from_a[t], from_b[t], mode)
        yield MorphFrame(t, len(generated), image, weight)


def _frame(a: np.ndarray, b: np.ndarray, generated: list[np.ndarray], t: int, weight: float,
           carried_a: Carried, carried_b: Carried, mode: str) -> np.ndarray:
    """Middle frame t: both photos carried to it, blended in the pyramid."""
    frame = generated[t].astype(np.float32)
    moved_a, error_a = _carry(a, generated[0], frame, carried_a, mode)
    moved_b, error_b = _carry(b, generated[-1], frame, carried_b, mode)
    take_b = _detail_choice(error_a, error_b, weight)
    take_b = cv2.GaussianBlur(take_b, (0, 0), CHOICE_SIGMA / 2)
    detail = cv2.resize(take_b, a.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    mixed = blend(moved_a, moved_b, weight, detail,
                  mixed_side=max(2, round(a.shape[0] * MIXED_FRACTION)))
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def _detail_choice(error_a: np.ndarray, error_b: np.ndarray, weight: float) -> np.ndarray:
    """1 where frame t takes B's detail, else 0, (h, w) float32: where B's motion explains the
    frame clearly better, each error weighed by how far its photo is (at the ends the nearer
    photo always wins); where neither is clearly better, the nearer photo everywhere, so that
    two nearby edges are never drawn one from each photo."""
    a, b = weight * error_a, (1 - weight) * error_b
    better = (a - b) / (a + b)  # > 0: B explains better, in (−1, 1)
    if weight > 0.5:
        return (better > -CHOICE_MARGIN).astype(np.float32)
    return (better > CHOICE_MARGIN).astype(np.float32)


def _carry(photo: np.ndarray, end: np.ndarray, frame: np.ndarray, carried: Carried, mode: str,
           ) -> tuple[np.ndarray, np.ndarray]:
    """The photo moved as the end frame's content moved to `frame`, plus the colour change the
    motion leaves unexplained, at low frequency: float32 (S, S, 3) in 0..255. Also the
    unexplained change per model pixel (h, w), averaged over the region, for the detail
    choice."""
    height, width = frame.shape[:2]
    grid = pixel_grid(height, width)
    source = grid if mode == "color" else carried.source
    moved_end = sample(end, source).astype(np.float32)
    if source is grid:
        moved = photo.astype(np.float32)
    else:
        moved = apply_field(photo, EditField(source, EditField.identity(height, width).color),
                            "motion").astype(np.float32)
    change = frame - moved_end
    if mode != "motion":
        # Only the change's low frequencies: its fine structure would put the generated
        # frame's edges (a ghost of the other photo, 64 px blocks) among the photo's detail.
        shading = cv2.GaussianBlur(change, (0, 0), CHANGE_SIGMA)
        moved += cv2.resize(shading, photo.shape[1::-1], interpolation=cv2.INTER_CUBIC)
    error = cv2.GaussianBlur(np.abs(change).mean(axis=-1), (0, 0), CHOICE_SIGMA)
    return moved, error + 1.0  # + 1: two perfect explanations tie towards the weight


def _smoothed(source: np.ndarray, confidence: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The chain's motion averaged by confidence (normalised convolution), fading towards no
    motion where little of it is confident."""
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), MOTION_SIGMA)
    mass = blur(confidence)
    # Below the floor the average is divided by the floor, not by the mass: the motion fades.
    weighted = blur((source - grid) * confidence[..., None])
    motion = weighted / np.maximum(mass, MOTION_FLOOR)[..., None]
    return (grid + motion).astype(np.float32)


def _falloff(value: np.ndarray, tolerance: float) -> np.ndarray:
    """1 up to `tolerance`, 0 from twice it, linear between."""
    return np.clip(2 - value / tolerance, 0, 1).astype(np.float32)


def _dissolve(a: np.ndarray, b: np.ndarray, generated: list[np.ndarray], mode: str,
              method: str) -> Iterator[MorphFrame]:
    from_a = fields_along(generated, method)
    from_b = fields_along(generated[::-1], method)[::-1]
    last = len(generated) - 1
    for t in range(len(generated)):
        weight = t / last
        moved_a = apply_field(a, from_a[t], mode) if weight < 1 else None
        moved_b = apply_field(b, from_b[t], mode) if weight > 0 else None
        if moved_a is None:
            image = moved_b
        elif moved_b is None:
            image = moved_a
        else:
            image = cv2.addWeighted(moved_a, 1 - weight, moved_b, weight, 0)
        yield MorphFrame(t, len(generated), image, weight)
