"""What every importer of official checkpoints shares: reading a .pth file without running code,
telling what a state dict is, checking shapes, and loading the plan into the project's class.

Every failure is one CheckpointImportError whose message is one line naming the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from igan_app.zoo.checkpoint import get_architecture

if TYPE_CHECKING:
    import torch

# Keys under which training scripts and forks nest a generator's state dict.
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "netG", "net_G", "G", "generator",
                "state_dict_G")
PREFIXES = ("module.", "_orig_mod.")  # DataParallel, torch.compile
MAX_NAMED = 3  # keys named per category in a mismatch message, which stays one line


class CheckpointImportError(ValueError):
    """A file that cannot be imported; the message is one line: the file, then what is wrong."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())  # one line, whatever a library said
        super().__init__(f"{path}: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


@dataclass(frozen=True)
class ImportPlan:
    """What an official state dict becomes: the project architecture `kind` rebuilt with
    `args`, the cleaned `state` that loads into it strictly, and what the folder records."""

    kind: str
    args: dict[str, Any]
    state: dict[str, torch.Tensor]
    resolution: tuple[int, int]
    meta: dict[str, Any]
    inferred: tuple[str, ...]  # one human-readable line per inferred setting


# ---------------------------------------------------------------------------------------------
# Reading


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The state dict in a .pth file, unwrapped and without `module.`/`_orig_mod.` prefixes.

    Loads with `weights_only=True`, so a file that holds pickled objects other than tensors and
    plain containers is refused rather than run.
    """
    import pickle

    import torch

    if not Path(path).exists():
        raise CheckpointImportError(path, "no such file")
    if not Path(path).is_file():
        raise CheckpointImportError(path, "is a folder, not a checkpoint file")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols of foreign files
            warnings.simplefilter("ignore")
            raw = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"GLOBAL ([\w.]+)", str(err))
        if found:
            raise CheckpointImportError(path, f"holds pickled Python objects ({found.group(1)}), "
                                        "which are refused because loading them could run code; "
                                        "save the generator's state_dict() instead") from None
        raise CheckpointImportError(path, "is not a PyTorch checkpoint, or is damaged (it cannot "
                                    "be unpickled)") from None
    except EOFError:
        raise CheckpointImportError(path, "is empty or truncated (the data ends early)") from None
    except RuntimeError as err:
        if "zip" in str(err).lower() or "central directory" in str(err):
            raise CheckpointImportError(path, "is damaged or truncated (its zip archive cannot "
                                        "be read)") from None
        raise CheckpointImportError(path, f"cannot be read by torch.load: {err}") from None
    except PermissionError as err:
        raise CheckpointImportError(path, f"cannot be read: {err.strerror or err}") from None
    except OSError:  # torch's zip reader reports a cut archive as EINVAL
        raise CheckpointImportError(path, "is damaged or truncated (reading it failed part "
                                    "way)") from None
    except Exception:  # noqa: BLE001 - foreign bytes make the unpickler fail in many ways
        raise CheckpointImportError(path, "is not a PyTorch checkpoint, or is damaged") from None
    return clean_state_dict(_unwrap(raw, path), path)


def _is_state_dict(value: Any) -> bool:
    import torch

    return (isinstance(value, Mapping) and bool(value)
            and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items()))


def _unwrap(raw: Any, path: str | os.PathLike[str]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CheckpointImportError(path, f"holds a {type(raw).__name__}, not a state dict")
    if not raw:
        raise CheckpointImportError(path, "holds an empty dict, not a state dict")
    if _is_state_dict(raw):
        return raw
    wrapped = [key for key in WRAPPER_KEYS if _is_state_dict(raw.get(key))]
    if len(wrapped) == 1:
        return raw[wrapped[0]]
    if len(wrapped) > 1:
        raise CheckpointImportError(path, f"holds several state dicts ({', '.join(wrapped)}); "
                                    "save the generator's state_dict() on its own")
    keys = ", ".join(repr(k) for k in list(raw)[:6]) + (", …" if len(raw) > 6 else "")
    raise CheckpointImportError(path, f"is not a state dict: it holds a dict with keys {keys}, "
                                f"and none of {', '.join(WRAPPER_KEYS)} holds a state dict")


def clean_state_dict(state: Mapping[str, torch.Tensor],
                     path: str | os.PathLike[str] = "<state dict>") -> dict[str, torch.Tensor]:
    """`state` without the leading `module.` (DataParallel) and `_orig_mod.` (torch.compile)
    prefixes of its keys; `_orig_mod.` is also removed where a compiled submodule nests it."""
    cleaned: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        new = key.replace("._orig_mod.", ".")
        while new.startswith(PREFIXES):
            new = new.split(".", 1)[1]
        if new in cleaned:
            raise CheckpointImportError(path, f"has the key {new!r} twice once the "
                                        "module./_orig_mod. prefixes are removed")
        cleaned[new] = value
    return cleaned


# ---------------------------------------------------------------------------------------------
# What a state dict is


def describe_layout(state: Mapping[str, torch.Tensor]) -> tuple[str, str]:
    """(what the state dict looks like, the key that shows it), e.g. ("CycleGAN ResNet
    generator", "model.1.weight"); ("unknown network", first key) when nothing fits."""
    keys = set(state)
    if "fc.weight" in keys and any(k.startswith("head_0.") for k in keys):
        return "SPADE generator", "fc.weight"
    if "model.model.0.weight" in keys:
        return "pix2pix U-Net generator", "model.model.0.weight"
    if "model.1.weight" in keys and any(".conv_block." in k for k in keys):
        return "CycleGAN ResNet generator", "model.1.weight"
    for key in sorted(keys):
        if key.startswith("discriminator_0."):
            return "SPADE multiscale discriminator", key
    if "fc_mu.weight" in keys:
        return "SPADE style encoder", "fc_mu.weight"
    if "model.0.weight" in keys and getattr(state["model.0.weight"], "ndim", 0) == 4:
        return "PatchGAN discriminator", "model.0.weight"
    if "net.0.weight" in keys:
        return "pixel discriminator", "net.0.weight"
    return "unknown network", next(iter(state), "(no keys)")


def checked_shape(state: Mapping[str, torch.Tensor], key: str, ndim: int, path: Any,
                  what: str) -> tuple[int, ...]:
    """The shape of `state[key]`, which must have `ndim` dimensions; `what` names the layer in
    the CheckpointImportError of a missing key or a wrong shape."""
    if key not in state:
        raise CheckpointImportError(path, f"lacks {key} ({what}): the file is truncated or not "
                                    "a complete generator")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise CheckpointImportError(path, f"{key} ({what}) has shape {list(shape)}, expected "
                                    f"{ndim} dimensions")
    return shape


# ---------------------------------------------------------------------------------------------
# Building


def _brief_mismatch(expected: Mapping[str, torch.Tensor],
                    found: Mapping[str, torch.Tensor]) -> str:
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    shapes = [f"{k} {list(found[k].shape)} vs {list(v.shape)}" for k, v in expected.items()
              if k in found and tuple(found[k].shape) != tuple(v.shape)]
    parts = []
    for title, items in (("missing", missing), ("unexpected", unexpected),
                         ("shape mismatch (file vs expected)", shapes)):
        if items:
            named = ", ".join(items[:MAX_NAMED]) + (", …" if len(items) > MAX_NAMED else "")
            parts.append(f"{len(items)} {title}: {named}")
    return "; ".join(parts)


def build_model(plan: ImportPlan, path: str | os.PathLike[str] = "<state dict>"):
    """The project model of `plan` with its state loaded strictly, in eval mode."""
    cls = get_architecture(plan.kind)
    model = cls(**plan.args)
    mismatch = _brief_mismatch(model.state_dict(), plan.state)
    if mismatch:
        summary = ", ".join(f"{k} {v}" for k, v in plan.args.items())
        raise CheckpointImportError(path, f"does not fit the inferred {plan.kind} ({summary}): "
                                    f"{mismatch}")
    try:
        model.load_state_dict(plan.state, strict=True)
    except RuntimeError as err:
        raise CheckpointImportError(path, f"cannot be loaded: {err}") from None
    return model.eval()


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
