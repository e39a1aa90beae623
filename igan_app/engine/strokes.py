"""Strokes as plain data: what the user asks of one photo, validated.

What the user asks for is kept as data in PHOTO pixel coordinates, independent of any model: the
items of `stroke_items` (color, sketch and eraser strokes, warps, layers), which this module also
offers. A `StrokeSet` holds them in drawing order: a later item paints over an earlier one, and
an eraser removes what was drawn before it, of every kind.

Around this module: `stroke_items` defines the items; `strokes_file` reads and writes the JSON
file format ("igan-strokes/1", the README, "Strokes files") behind `StrokeSet.from_json`,
`to_json` and `save`; `layer_rules` and `layers` read layers from PNG files; `rasterize` turns a
StrokeSet into `Targets` at the model's resolution through a `Frame`, and the costs that compare
generated images with those targets live in `constraints`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from igan_app.engine import strokes_file
from igan_app.engine.stroke_items import (
    LAYER_KINDS,
    STROKE_KINDS,
    Item,
    Layer,
    Stroke,
    StrokesError,
    Warp,
    check_items,
    check_photo_size,
    item_kind,
)
from igan_app.files import PathLike, write_text_atomic

__all__ = ["LAYER_KINDS", "STROKE_KINDS", "Item", "Layer", "Stroke", "StrokeSet", "StrokesError",
           "Warp", "item_kind"]


@dataclass(frozen=True)
class StrokeSet:
    """Everything the user asked of one photo, in drawing order.

    photo_size: (height, width) of the photo the coordinates refer to.
    items: strokes, warps and layers; later ones paint over earlier ones, erasers remove what is
    before them. Every item must reach into the photo (partly outside is fine: it is clipped).
    """

    photo_size: tuple[int, int]
    items: tuple[Item, ...] = ()

    def __post_init__(self) -> None:
        photo_size = check_photo_size(self.photo_size)
        object.__setattr__(self, "photo_size", photo_size)
        object.__setattr__(self, "items", check_items(self.items, photo_size))

    @property
    def is_empty(self) -> bool:
        """True when there is nothing at all (callers refuse to edit with no strokes)."""
        return not self.items

    def add(self, *items: Item) -> StrokeSet:
        """A new set with `items` drawn after the existing ones."""
        return StrokeSet(self.photo_size, self.items + items)

    def to_json(self) -> str:
        """The "igan-strokes/1" text: one item per line, so that files diff well."""
        return strokes_file.to_json(self.photo_size, self.items)

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> StrokeSet:
        """Parse a strokes file: a path, or a `str` holding the JSON text itself (recognised by
        its first non-blank character, "{" or "["). Validates every field; raises StrokesError."""
        return cls(*strokes_file.from_json(source))

    def save(self, path: PathLike) -> None:
        """Write `to_json()` to `path` atomically (temporary file, then rename)."""
        write_text_atomic(path, self.to_json())
