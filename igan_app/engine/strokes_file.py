"""The strokes file, "igan-strokes/1" (documented in the README, "Strokes files"): JSON to and
from a photo size and its items, which `strokes.StrokeSet` offers as `to_json`, `from_json` and
`save`.

Reading validates every field and raises one `StrokesError` whose message names the file, the
item and the problem. Layers are held as base64 PNGs (see `layer_rules.layer_png`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Sequence

from igan_app.engine import strict_json
from igan_app.engine.layer_rules import layer_from_png, layer_png
from igan_app.engine.stroke_items import (
    Item,
    Stroke,
    StrokesError,
    Warp,
    check_items,
    check_photo_size,
    item_kind,
)

FORMAT = "igan-strokes/1"
# Every kind an item of the file can have, in the order the docs list them.
ITEM_KINDS = ("color", "sketch", "eraser", "warp", "color_layer", "sketch_layer")

_STROKE_KEYS = {"color": ("points", "width", "color"), "sketch": ("points", "width"),
                "eraser": ("points", "width")}
_KEYS = {**_STROKE_KEYS, "warp": ("source", "size", "destination"),
         "color_layer": ("png",), "sketch_layer": ("png",)}


def to_json(photo_size: tuple[int, int], items: Sequence[Item]) -> str:
    """The "igan-strokes/1" text of `items` on a photo of `photo_size` (height, width): one item
    per line, so that files diff well."""
    height, width = photo_size
    lines = [json.dumps(_item_to_dict(item), separators=(", ", ": ")) for item in items]
    body = ",\n    ".join(lines)
    items = f"[\n    {body}\n  ]" if lines else "[]"
    return (f'{{\n  "format": "{FORMAT}",\n  "photo_size": {{"width": {width}, '
            f'"height": {height}}},\n  "items": {items}\n}}\n')


def from_json(source: str | os.PathLike[str]) -> tuple[tuple[int, int], tuple[Item, ...]]:
    """Parse a strokes file into (photo_size, items): a path, or a `str` holding the JSON text
    itself (recognised by its first non-blank character, "{" or "["). Validates every field, and
    every item against the photo size; raises StrokesError."""
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return _parse(source, "<strokes>")
    path = os.fspath(source)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise StrokesError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise StrokesError(f"{path}: is a folder, not a strokes file") from None
    except UnicodeDecodeError as exc:
        raise StrokesError(f"{path}: not a UTF-8 text file ({exc.reason} at byte "
                           f"{exc.start})") from None
    except OSError as exc:
        raise StrokesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _parse(text, path)


def _item_to_dict(item: Item) -> dict:
    if isinstance(item, Stroke):
        data = {"kind": item.kind, "width": item.width, "points": [list(p) for p in item.points]}
        if item.color is not None:
            data["color"] = list(item.color)
        return data
    if isinstance(item, Warp):
        return {"kind": "warp", "source": list(item.source), "size": item.size,
                "destination": list(item.destination)}
    return {"kind": item_kind(item), "png": base64.b64encode(layer_png(item)).decode("ascii")}


def _parse(text: str, name: str) -> tuple[tuple[int, int], tuple[Item, ...]]:
    try:
        return _from_dict(strict_json.loads(text))
    except (strict_json.JSONTextError, StrokesError) as exc:
        raise StrokesError(f"{name}: {exc}") from None


def _from_dict(data: object) -> tuple[tuple[int, int], tuple[Item, ...]]:
    if not isinstance(data, dict):
        raise StrokesError(f"expected a JSON object with \"format\", \"photo_size\" and "
                           f"\"items\", got {type(data).__name__}")
    tag = data.get("format")
    if tag != FORMAT:
        found = "no \"format\" field" if tag is None else f"format {tag!r}"
        raise StrokesError(f"not a strokes file: {found}, expected \"format\": \"{FORMAT}\"")
    _check_keys(data, ("format", "photo_size", "items"), "the file")
    size = data["photo_size"]
    if not isinstance(size, dict) or set(size) != {"width", "height"}:
        raise StrokesError(f"photo_size must be {{\"width\": W, \"height\": H}}, got {size!r}")
    items = data["items"]
    if not isinstance(items, list):
        raise StrokesError(f"items must be a list, got {type(items).__name__}")
    try:
        # The size first, so that a bad one is not blamed on an item.
        photo_size = check_photo_size((size["height"], size["width"]))
    except StrokesError:
        raise StrokesError(f"photo_size must hold two positive integers, got {size!r}") from None
    parsed = [_item_from_dict(item, index, photo_size) for index, item in enumerate(items)]
    return photo_size, check_items(parsed, photo_size)


def _check_keys(data: dict, required: Sequence[str], where: str,
                optional: Sequence[str] = ()) -> None:
    missing = [k for k in required if k not in data]
    if missing:
        raise StrokesError(f"{where} has no \"{missing[0]}\"")
    allowed = (*required, *optional)
    unknown = sorted(set(data) - set(allowed) - {"kind"})
    if unknown:
        raise StrokesError(f"{where} has an unknown field \"{unknown[0]}\"; its fields are "
                           f"{', '.join(allowed)}")


def _item_from_dict(data: object, index: int, photo_size: tuple[int, int]) -> Item:
    if not isinstance(data, dict):
        raise StrokesError(f"item {index} must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KEYS:  # a list or an object is unhashable
        found = "has no \"kind\"" if kind is None else f"has an unknown kind {kind!r}"
        raise StrokesError(f"item {index} {found}; kinds are {', '.join(ITEM_KINDS)}")
    where = f"item {index} ({kind})"
    try:
        # "color": null (or a color, refused by Stroke) is tolerated on sketch and eraser strokes.
        optional = ("color",) if kind in _STROKE_KEYS else ()
        _check_keys(data, _KEYS[kind], "it", optional)
        if kind in _STROKE_KEYS:
            return Stroke(kind, data["points"], data["width"], data.get("color"))
        if kind == "warp":
            return Warp(data["source"], data["size"], data["destination"])
        return layer_from_png(_base64(data["png"]), kind.removesuffix("_layer"), photo_size)
    except StrokesError as exc:
        raise StrokesError(f"{where}: {exc}") from None


def _base64(value: object) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise StrokesError("\"png\" must be a base64 string of a PNG file")

