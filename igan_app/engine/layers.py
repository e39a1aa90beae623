"""PNG layers: strokes painted per pixel in an image editor, read into a `StrokeSet`.

The rules that turn a layer image into a `Layer` are `layer_rules`' (offered here too).
"""

from __future__ import annotations

from igan_app.engine.layer_rules import DARK_LUMA, layer_from_png, layer_png, read_layer
from igan_app.engine.strokes import StrokeSet
from igan_app.imaging import PathLike

__all__ = ["DARK_LUMA", "from_layers", "layer_from_png", "layer_png", "read_layer"]


def from_layers(color_layer: PathLike | None, sketch_layer: PathLike | None,
                photo_size: tuple[int, int]) -> StrokeSet:
    """A StrokeSet of the given layer files (color first); a layer with nothing set is left out,
    so that `is_empty` tells when the files ask for nothing."""
    items = []
    for path, kind in ((color_layer, "color"), (sketch_layer, "sketch")):
        if path is not None:
            layer = read_layer(path, kind, photo_size)
            if layer.mask.any():
                items.append(layer)
    return StrokeSet(photo_size, tuple(items))
