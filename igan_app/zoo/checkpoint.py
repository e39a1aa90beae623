"""Checkpoint folders (config.json, weights.safetensors, card.md) and the architecture registry.

A checkpoint describes itself: config.json names the architecture (`kind`) and its constructor
arguments, so it is rebuilt as `ARCHITECTURES[kind](**args)` and loaded strictly. torch and
safetensors are imported inside the functions that need them, so reading configs (the model
registry, `igan models list`) stays fast.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from igan_app.files import fsync_file
from igan_app.messages import one_line

if TYPE_CHECKING:
    import torch
    from torch import nn

FORMAT = "igan-studio/1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
CARD_FILE = "card.md"
DTYPES = ("float32", "float16")
REQUIRED_FIELDS = ("format", "kind", "args", "resolution", "value_range", "data", "dtype")
MAX_LISTED = 10  # per category in the strict-loading error, so a wrong checkpoint stays readable
# Bounds on what config.json may ask for: every number in "args" (widths, depths, counts: a
# network is built from them before its weights are compared, and a count of a million would
# build for hours) and each side of "resolution".
MAX_ARG = 4096
MAX_RESOLUTION = 16384

# Modules whose import registers the project's own networks; imported on first lookup so that
# reading a config never pays for building networks. Filled as network families are added.
BUILTIN_ARCHITECTURE_MODULES: tuple[str, ...] = (
    "igan_app.zoo.dcgan", "igan_app.zoo.segmenter", "igan_app.zoo.vgg", "igan_app.zoo.pix2pix",
    "igan_app.zoo.spade", "igan_app.zoo.style", "igan_app.zoo.transgan")

ARCHITECTURES: dict[str, type[nn.Module]] = {}
"""Architecture name (config.json's `kind`) → the nn.Module class it is rebuilt with."""

M = TypeVar("M")


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be read or does not fit its architecture."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"checkpoint {self.path}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


def register_architecture(kind: str) -> Callable[[type[M]], type[M]]:
    """Class decorator: make `kind` in config.json rebuild this nn.Module class."""

    def decorate(cls: type[M]) -> type[M]:
        existing = ARCHITECTURES.get(kind)
        if existing is not None and existing is not cls:
            raise ValueError(f"architecture {kind!r} is already registered to "
                             f"{existing.__qualname__}")
        ARCHITECTURES[kind] = cls  # type: ignore[assignment]
        return cls

    return decorate


@contextmanager
def registered_architecture(kind: str, cls: type[nn.Module]) -> Iterator[type[nn.Module]]:
    """Register `cls` as `kind` for the duration of a `with` block (tests, experiments)."""
    previous = ARCHITECTURES.get(kind)
    ARCHITECTURES[kind] = cls
    try:
        yield cls
    finally:
        if previous is None:
            ARCHITECTURES.pop(kind, None)
        else:
            ARCHITECTURES[kind] = previous


def known_kinds() -> list[str]:
    """The registered architecture names, sorted."""
    for module in BUILTIN_ARCHITECTURE_MODULES:
        importlib.import_module(module)
    return sorted(ARCHITECTURES)


def get_architecture(kind: str, path: str | os.PathLike[str] = "<unsaved>") -> type[nn.Module]:
    """The class registered as `kind`; CheckpointError listing the known kinds otherwise."""
    known = known_kinds()
    if kind not in ARCHITECTURES:
        listed = ", ".join(known) if known else "none are registered"
        raise CheckpointError(path, f"unknown architecture kind {kind!r}; known kinds: {listed}")
    return ARCHITECTURES[kind]


@dataclass(frozen=True)
class CheckpointConfig:
    """The parsed config.json. `resolution` is (height, width); `meta` holds every extra key."""

    kind: str
    args: dict[str, Any]
    resolution: tuple[int, int]
    value_range: tuple[float, float]
    data: str
    dtype: str
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CheckpointConfig:
        """Build from a dict that `read_config` has validated."""
        meta = dict(raw.get("meta") or {})
        meta.update({k: v for k, v in raw.items() if k not in REQUIRED_FIELDS and k != "meta"})
        low, high = raw["value_range"]
        return cls(raw["kind"], dict(raw["args"]), _resolution(raw["resolution"]),
                   (float(low), float(high)), raw["data"], raw["dtype"], meta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written as config.json."""
        return {"format": FORMAT, "kind": self.kind, "args": self.args,
                "resolution": list(self.resolution), "value_range": list(self.value_range),
                "data": self.data, "dtype": self.dtype, "meta": self.meta}


@dataclass(frozen=True)
class LoadedModel:
    """A rebuilt network (in eval mode), its config and the folder it came from."""

    model: nn.Module
    config: CheckpointConfig
    path: Path

    def card(self) -> str:
        """The model card's markdown text ("" when the folder has none)."""
        card = self.path / CARD_FILE
        return card.read_text(encoding="utf-8") if card.is_file() else ""


def _is_a(value: Any, types: type | tuple[type, ...]) -> bool:
    return isinstance(value, types) and not isinstance(value, bool)  # JSON true is not a number


def _is_resolution(value: Any) -> bool:
    values = value if isinstance(value, list) and len(value) == 2 else [value]
    return all(_is_a(v, int) and 0 < v <= MAX_RESOLUTION for v in values)


def _numbers_in_range(value: Any) -> bool:
    """Whether every number in `value` (nested in lists and objects) is finite and within
    ±MAX_ARG."""
    if isinstance(value, dict):
        return all(_numbers_in_range(v) for v in value.values())
    if isinstance(value, list):
        return all(_numbers_in_range(v) for v in value)
    if _is_a(value, (int, float)):
        return math.isfinite(value) and abs(value) <= MAX_ARG
    return True


def _is_value_range(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(_is_a(v, (int, float)) and math.isfinite(v) for v in value)
            and value[0] < value[1])


def _resolution(value: Any) -> tuple[int, int]:
    if isinstance(value, tuple):
        value = list(value)
    if not _is_resolution(value):
        raise ValueError(f"resolution must be a positive int or [height, width], got {value!r}")
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def read_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate `folder`/config.json, without the weights; CheckpointError if bad."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(folder, "folder does not exist" if not folder.exists()
                              else "is not a folder (a checkpoint is a folder)")
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(folder, f"{CONFIG_FILE} is missing")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as err:  # JSON, UTF-8, an int of 5000 digits, nesting
        raise CheckpointError(folder, f"{CONFIG_FILE} is not valid JSON: "
                              f"{one_line(err)}") from None
    except OSError as err:
        raise CheckpointError(folder, f"{CONFIG_FILE} cannot be read: "
                              f"{err.strerror or one_line(err)}") from None
    if not isinstance(raw, dict):
        raise CheckpointError(folder, f"{CONFIG_FILE} must hold a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        raise CheckpointError(folder, f"{CONFIG_FILE} lacks required field(s): "
                              f"{', '.join(missing)}")
    if raw["format"] != FORMAT:
        raise CheckpointError(folder, f"{CONFIG_FILE} has format {_short(raw['format'])}, "
                              f"expected {FORMAT!r}")
    rng = raw["value_range"]
    checks = [
        (isinstance(raw["kind"], str) and raw["kind"], "kind must be a non-empty string"),
        (isinstance(raw["args"], dict), "args must be an object of constructor arguments"),
        (_numbers_in_range(raw["args"]), f"args must hold numbers within ±{MAX_ARG}"),
        (_is_resolution(raw["resolution"]), (f"resolution must be a positive int or [height, "
         f"width], at most {MAX_RESOLUTION}, got {_short(raw['resolution'])}")),
        (_is_value_range(rng), f"value_range must be [low, high], low < high, got {_short(rng)}"),
        (isinstance(raw["data"], str), "data must be a string describing the training data"),
        (isinstance(raw["dtype"], str) and raw["dtype"] in DTYPES,
         f"dtype must be one of {', '.join(DTYPES)}, got {_short(raw['dtype'])}"),
        (isinstance(raw.get("meta", {}), dict), "meta must be an object"),
    ]
    problems = [message for ok, message in checks if not ok]
    if problems:
        raise CheckpointError(folder, f"{CONFIG_FILE} is invalid: {'; '.join(problems)}")
    return raw


def _short(value: Any) -> str:
    """A value from a file for a message: its repr, cut at 60 characters."""
    return text if len(text := repr(value)) <= 60 else text[:57] + "..."


def save_checkpoint(folder: str | os.PathLike[str], model: nn.Module, *, kind: str,
                    args: Mapping[str, Any], resolution: int | Sequence[int], data: str,
                    card: str, dtype: str = "float32",
                    value_range: Sequence[float] = (-1.0, 1.0),
                    meta: Mapping[str, Any] | None = None) -> Path:
    """Write `model` as a checkpoint folder, atomically; return the folder.

    `args` are the keyword arguments that rebuild the model (`ARCHITECTURES[kind](**args)`),
    `resolution` is the image size (int or (height, width)), `data` describes the training data,
    `card` is the model card's markdown, `dtype` the storage type of floating tensors ("float16"
    halves the file). Everything is written into a hidden sibling folder first; an existing
    `folder` is replaced only once the new one is complete, and is untouched if writing fails.
    """
    import torch
    from safetensors.torch import save_file

    folder = Path(folder)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    cls = ARCHITECTURES.get(kind)
    if cls is not None and not isinstance(model, cls):
        raise CheckpointError(folder, f"model is a {type(model).__qualname__}, but kind {kind!r} "
                              f"rebuilds a {cls.__qualname__}")
    config = CheckpointConfig(kind, dict(args), _resolution(resolution),
                              (float(value_range[0]), float(value_range[1])), data, dtype,
                              dict(meta or {}))
    text = json.dumps(config.to_dict(), indent=2) + "\n"  # fails early on non-JSON args

    storage = getattr(torch, dtype)
    tensors: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    for key, value in model.state_dict().items():
        kept = storage if value.is_floating_point() else value.dtype
        tensor = value.detach().to("cpu", kept).contiguous()
        # safetensors refuses tensors that share memory (tied weights), so those get a copy.
        if tensor.untyped_storage().data_ptr() in seen:
            tensor = tensor.clone()
        seen.add(tensor.untyped_storage().data_ptr())
        tensors[key] = tensor

    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        (temporary / CONFIG_FILE).write_text(text, encoding="utf-8")
        save_file(tensors, str(temporary / WEIGHTS_FILE), metadata={"format": FORMAT, "kind": kind})
        (temporary / CARD_FILE).write_text(card, encoding="utf-8")
        for name in (CONFIG_FILE, WEIGHTS_FILE, CARD_FILE):
            fsync_file(temporary / name)  # the rename must not land before the data does
        _replace_folder(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return folder


def _replace_folder(new: Path, target: Path) -> None:
    # Folders cannot be swapped in one atomic call portably, so the old one is moved aside, the
    # new one renamed into place, and the old one restored if that rename fails.
    if not target.exists():
        os.replace(new, target)
        return
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(folder: str | os.PathLike[str], *,
                    expected_kind: str | tuple[str, ...] | None = None,
                    device: str | torch.device = "cpu",
                    dtype: torch.dtype | None = None) -> LoadedModel:
    """Rebuild and strictly load the checkpoint in `folder`, in eval mode, on `device`.

    `expected_kind` (a kind or a tuple of kinds) rejects checkpoints of other architectures.
    `dtype` is the compute type of floating parameters (None: float32, whatever the storage).
    Every problem is reported as one CheckpointError naming the folder.
    """
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    config = CheckpointConfig.from_dict(read_config(folder))
    if expected_kind is not None:
        expected = (expected_kind,) if isinstance(expected_kind, str) else tuple(expected_kind)
        if config.kind not in expected:
            wanted = expected[0] if len(expected) == 1 else f"one of {', '.join(expected)}"
            raise CheckpointError(folder, f"is a {config.kind}, expected {wanted}")
    cls = get_architecture(config.kind, folder)
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(folder, f"{WEIGHTS_FILE} is missing")
    try:
        state = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(folder, f"{weights} is damaged or not a safetensors file: "
                              f"{one_line(err)}") from None
    # Built on the meta device first (no memory, no initialisation), so that arguments asking
    # for a network far larger than the weights on disk fail on the comparison, not in malloc.
    probe = _build(cls, config.args, folder, torch.device("meta"))
    mismatch = describe_mismatch(probe.state_dict(), state)
    if mismatch:
        # One line, as every error of a file: the categories and their first keys.
        summary = mismatch.replace(":\n  ", ": ").replace("\n  ", ", ").replace("\n", "; ")
        raise CheckpointError(folder, f"weights do not fit {cls.__qualname__}{config.args!r}: "
                              + summary)
    model = _build(cls, config.args, folder, torch.device("cpu"))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise CheckpointError(folder, f"{WEIGHTS_FILE} does not load into "
                              f"{cls.__qualname__}: {one_line(err)}") from None
    model.to(device=torch.device(device), dtype=dtype or torch.float32)
    model.eval()
    return LoadedModel(model=model, config=config, path=folder)


def _build(cls: type[nn.Module], args: dict[str, Any], folder: Path,
           device: torch.device) -> nn.Module:
    """`cls(**args)` on `device`; CheckpointError for arguments the constructor refuses."""
    try:
        with device:
            return cls(**args)
    except Exception as err:  # noqa: BLE001 - the arguments come from a file: its fault
        raise CheckpointError(folder, f"{cls.__qualname__} rejects the arguments {args!r} in "
                              f"{CONFIG_FILE}: {type(err).__name__}: {one_line(err)}") from None


def describe_mismatch(expected: Mapping[str, torch.Tensor],
                      found: Mapping[str, torch.Tensor]) -> str:
    """Missing keys, unexpected keys and shape mismatches as text; "" when the two fit."""
    missing = [key for key in expected if key not in found]
    unexpected = [key for key in found if key not in expected]
    shapes = [f"{key}: checkpoint {list(found[key].shape)} vs model {list(value.shape)}"
              for key, value in expected.items()
              if key in found and tuple(found[key].shape) != tuple(value.shape)]
    kinds = [f"{key}: checkpoint {found[key].dtype} vs model {value.dtype}"
             for key, value in expected.items()
             if key in found and _dtype_kind(found[key]) != _dtype_kind(value)]
    sections = []
    for title, items in (("missing keys", missing), ("unexpected keys", unexpected),
                         ("shape mismatches", shapes), ("dtype mismatches", kinds)):
        if items:
            lines = [f"  {item}" for item in items[:MAX_LISTED]]
            if len(items) > MAX_LISTED:
                lines.append(f"  … and {len(items) - MAX_LISTED} more")
            sections.append(f"{title} ({len(items)}):\n" + "\n".join(lines))
    return "\n".join(sections)


def _dtype_kind(tensor: torch.Tensor) -> str:
    # Values of one kind load into another only by losing what they mean (a complex weight
    # cast to real, a float count).
    return "complex" if tensor.is_complex() else "float" if tensor.is_floating_point() else "int"
