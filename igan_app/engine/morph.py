"""Morph one photo into another through the manifold.

Both photos are projected; the generator renders the latent path between them; the motion +
color change along that path is carried onto photo A from the start and onto photo B from the
end, and the two are cross-dissolved. Each output frame thus keeps real photo detail while its
layout follows the generated frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from igan_app.engine.edit_field import EditField, accumulate, apply_field
from igan_app.engine.flow import DEFAULT_FLOW_METHOD
from igan_app.engine.frame import resize_square


@dataclass(frozen=True)
class MorphFrame:
    """index of total; image: RGB uint8 (size, size, 3); weight: B's share in the dissolve."""

    index: int
    total: int
    image: np.ndarray
    weight: float


def fields_along(frames: Sequence[np.ndarray], method: str = DEFAULT_FLOW_METHOD,
                 ) -> list[EditField]:
    """The cumulative field from frames[0] to every frame (the first is the identity)."""
    height, width = frames[0].shape[:2]
    return [EditField.identity(height, width), *accumulate(frames, method)]


def morph(region_a: np.ndarray, region_b: np.ndarray, generated: Sequence[np.ndarray], *,
          size: int = 512, mode: str = "both", method: str = DEFAULT_FLOW_METHOD,
          ) -> Iterator[MorphFrame]:
    """Yield the morph's frames, one per generated frame.

    region_a, region_b: the photos' projected regions (RGB uint8, any size; resized to `size`);
    generated: the generator's frames along the latent path, from A's projection to B's
    (RGB uint8, model resolution, at least two). Frame t carries A along frames 0 → t and B
    along frames N−1 → t, then mixes them with B's weight t / (N − 1).
    """
    generated = list(generated)
    if len(generated) < 2:
        raise ValueError(f"a morph needs at least 2 generated frames, got {len(generated)}")
    a, b = resize_square(region_a, size), resize_square(region_b, size)
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
