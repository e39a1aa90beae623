"""Import official pix2pix, CycleGAN and SPADE generator checkpoints as checkpoint folders.

The official releases (junyanz/pytorch-CycleGAN-and-pix2pix, NVlabs/SPADE) ship bare state dicts
(`latest_net_G.pth`) and keep the architecture in command-line options. The importer reads the
state dict without running any pickled code (`weights_only`), works the options out from the
key names and shapes, converts what the project does differently (BatchNorm → affine instance
norm, spectral norm folded into plain weights), loads the result strictly into the project's
class and writes a self-describing folder into the user models folder.

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

from igan_app.zoo.checkpoint import get_architecture, save_checkpoint
from igan_app.zoo.registry import user_models_dir

if TYPE_CHECKING:
    import torch

OFFICIAL_KINDS = ("pix2pix", "cyclegan", "spade")
# Keys under which training scripts and forks nest a generator's state dict.
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "netG", "net_G", "G", "generator",
                "state_dict_G")
PREFIXES = ("module.", "_orig_mod.")  # DataParallel, torch.compile
STATISTICS = (".running_mean", ".running_var", ".num_batches_tracked")
MAX_NAMED = 3  # keys named per category in a mismatch message, which stays one line


@dataclass(frozen=True)
class SpadeDataset:
    """What the official SPADE options of a data set make of its labels.

    labels: label ids (0 … labels-1); dont_care: a channel for id 255; instance_edge: the
    edge channel; resolution: (height, width) of the official test; num_upsampling: the
    official setting (the keys cannot tell "normal" from "more").
    """

    labels: int
    dont_care: bool
    instance_edge: bool
    resolution: tuple[int, int]
    num_upsampling: str = "normal"

    @property
    def channels(self) -> int:
        return self.labels + int(self.dont_care) + int(self.instance_edge)

    def describe(self) -> str:
        parts = [f"{self.labels} labels"]
        parts += ["don't care"] * self.dont_care + ["instance edge"] * self.instance_edge
        return " + ".join(parts)


# Keyed by palette name (igan_app.world.palettes), which the painter reads from config.meta.
SPADE_DATASETS = {
    "coco": SpadeDataset(182, dont_care=True, instance_edge=True, resolution=(256, 256)),
    "ade20k": SpadeDataset(150, dont_care=True, instance_edge=False, resolution=(256, 256)),
    "cityscapes": SpadeDataset(35, dont_care=False, instance_edge=True, resolution=(256, 512),
                               num_upsampling="more"),
}
PIX2PIX_RESOLUTION = (256, 256)

SPADE_LICENCE = ("NVIDIA's SPADE checkpoints are licensed CC BY-NC-SA 4.0 (non-commercial use, "
                 "share alike). iGAN Studio does not ship them: users bring the files, and this "
                 "imported copy keeps their licence.")
PIX2PIX_LICENCE = ("The official pix2pix and CycleGAN code is BSD-licensed; trained weights keep "
                   "the terms of the data they were trained on.")


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


def _shape(state: Mapping[str, torch.Tensor], key: str, ndim: int, path: Any,
           what: str) -> tuple[int, ...]:
    if key not in state:
        raise CheckpointImportError(path, f"lacks {key} ({what}): the file is truncated or not "
                                    "a complete generator")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise CheckpointImportError(path, f"{key} ({what}) has shape {list(shape)}, expected "
                                    f"{ndim} dimensions")
    return shape


def plan_import(state: Mapping[str, torch.Tensor], kind: str, *, dataset: str | None = None,
                dropout: bool | None = None,
                path: str | os.PathLike[str] = "<state dict>") -> ImportPlan:
    """Work out the project architecture of an official generator's (cleaned) state dict.

    kind: "pix2pix", "cyclegan" or "spade" (what the file says it is; checked against the keys).
    dataset: for SPADE, "coco", "ade20k" or "cityscapes" (None: inferred from the input channels).
    dropout: for U-Nets, whether the decoder had dropout, which the keys cannot show (None: yes
    for pix2pix, the official default, no for CycleGAN). `path` only names the file in errors.
    Reads shapes only, so it also works on meta tensors.
    """
    if kind not in OFFICIAL_KINDS:
        raise CheckpointImportError(path, f"unknown kind {kind!r}; known: "
                                    f"{', '.join(OFFICIAL_KINDS)}")
    if dataset is not None and dataset not in SPADE_DATASETS:
        raise CheckpointImportError(path, f"unknown data set {dataset!r}; known: "
                                    f"{', '.join(SPADE_DATASETS)}")
    layout, evidence = describe_layout(state)
    if kind == "spade":
        if layout != "SPADE generator":
            raise CheckpointImportError(path, f"this is a {layout}, not a SPADE generator (has "
                                        f"{evidence}; SPADE generators have fc.weight)")
        if dropout is not None:
            raise CheckpointImportError(path, "dropout applies to pix2pix/CycleGAN U-Nets, not "
                                        "to SPADE generators")
        return _plan_spade(dict(state), dataset, path)
    if dataset is not None:
        raise CheckpointImportError(path, "a data set applies to SPADE generators only; pix2pix "
                                    "and CycleGAN generators turn pictures into pictures")
    if layout == "pix2pix U-Net generator":
        return _plan_unet(dict(state), kind, dropout, path)
    if layout == "CycleGAN ResNet generator":
        return _plan_resnet(dict(state), kind, dropout, path)
    hint = "; import it as kind 'spade'" if layout == "SPADE generator" else ""
    raise CheckpointImportError(path, f"this is a {layout}, not a {_KIND_NAMES[kind]} generator "
                                f"(has {evidence}; pix2pix and CycleGAN generators have "
                                f"model.model.0.weight (U-Net) or model.1.weight (ResNet)){hint}")


_KIND_NAMES = {"pix2pix": "pix2pix", "cyclegan": "CycleGAN", "spade": "SPADE"}


def _norm_of(state: Mapping[str, torch.Tensor], norm_key: str, bias: bool) -> tuple[str, str]:
    """The project norm for a network whose first norm layer would be at `norm_key`, and why."""
    if f"{norm_key}.weight" in state:
        tracked = f"{norm_key}.running_mean" in state
        return "affine-instance", ("BatchNorm with running statistics" if tracked else
                                   "affine norm") + " → instance norm with its scale and shift"
    if bias:
        return "instance", "instance norm without scale and shift (convolutions with bias)"
    return "none", "no normalization"


def _drop_statistics(state: dict[str, torch.Tensor]) -> int:
    # BatchNorm becomes instance norm (which keeps no statistics) and old CycleGAN files carry
    # InstanceNorm running stats that the official code ignores too.
    dropped = [key for key in state if key.endswith(STATISTICS)]
    for key in dropped:
        del state[key]
    return len(dropped)


def _plan_unet(state: dict[str, torch.Tensor], kind: str, dropout: bool | None,
               path: Any) -> ImportPlan:
    # Level 0 is the outermost block (down-conv at index 0, inner block at 1); every inner level
    # has its down-conv at 1 and its inner block at 3.
    prefixes = ["model.model."]
    while True:
        nxt = prefixes[-1] + ("1.model." if len(prefixes) == 1 else "3.model.")
        if nxt + "1.weight" not in state:
            break
        prefixes.append(nxt)
    num_downs = len(prefixes)
    if num_downs < 5:
        raise CheckpointImportError(path, f"is a U-Net with {num_downs} levels; the official "
                                    "U-Nets have at least 5")
    ngf, input_nc, _, _ = _shape(state, "model.model.0.weight", 4, path, "outer down-convolution")
    _, output_nc, _, _ = _shape(state, "model.model.3.weight", 4, path, "outer up-convolution")
    bias = "model.model.0.bias" in state
    norm, norm_why = _norm_of(state, prefixes[1] + "2", bias)
    dropped = _drop_statistics(state)
    variation = (kind == "pix2pix") if dropout is None else dropout
    why = ("given" if dropout is not None else
           "pix2pix default" if kind == "pix2pix" else "CycleGAN default")
    inferred = [f"U-Net generator, {num_downs} levels (unet_{2 ** num_downs})",
                f"ngf {ngf}, {input_nc} input and {output_nc} output channels",
                f"norm: {norm_why}",
                (f"dropout: {'yes' if variation else 'no'} ({why}; invisible in the keys), "
                 "kept as seedable variation, off by default"),
                f"convolution bias: {'yes' if bias else 'no'}"]
    if dropped:
        inferred.append(f"dropped {dropped} normalization statistics")
    args = {"input_nc": input_nc, "output_nc": output_nc, "num_downs": num_downs, "ngf": ngf,
            "norm": norm, "dropout": variation, "bias": bias}
    return ImportPlan("unet-generator", args, state, PIX2PIX_RESOLUTION,
                      {"input": "image"}, tuple(inferred))


def _plan_resnet(state: dict[str, torch.Tensor], kind: str, dropout: bool | None,
                 path: Any) -> ImportPlan:
    ngf, input_nc, _, _ = _shape(state, "model.1.weight", 4, path, "stem convolution")
    n_blocks = 0
    while f"model.{10 + n_blocks}.conv_block.1.weight" in state:
        n_blocks += 1
    if not n_blocks:
        raise CheckpointImportError(path, "has no residual blocks at model.10.conv_block: not an "
                                    "official ResNet generator")
    second = [i for i in (5, 6) if getattr(state.get(f"model.10.conv_block.{i}.weight"),
                                           "ndim", 0) == 4]
    if len(second) != 1:
        raise CheckpointImportError(path, "lacks the second convolution of its first residual "
                                    "block (model.10.conv_block.5 or .6)")
    if dropout is not None and dropout != (second[0] == 6):
        raise CheckpointImportError(path, f"a ResNet generator's dropout shows in its keys: this "
                                    f"one has {'some' if second[0] == 6 else 'none'}")
    dropout = second[0] == 6
    last = 10 + n_blocks + 7
    output_nc = _shape(state, f"model.{last}.weight", 4, path, "output convolution")[0]
    bias = "model.1.bias" in state
    norm, norm_why = _norm_of(state, "model.2", bias)
    dropped = _drop_statistics(state)
    inferred = [f"ResNet generator, {n_blocks} blocks (resnet_{n_blocks}blocks)",
                f"ngf {ngf}, {input_nc} input and {output_nc} output channels",
                f"norm: {norm_why}",
                f"dropout: {'yes (conv_block.6)' if dropout else 'no (conv_block.5)'}",
                f"convolution bias: {'yes' if bias else 'no'}"]
    if dropped:
        inferred.append(f"dropped {dropped} normalization statistics")
    args = {"input_nc": input_nc, "output_nc": output_nc, "ngf": ngf, "n_blocks": n_blocks,
            "norm": norm, "dropout": dropout, "bias": bias}
    return ImportPlan("resnet-generator", args, state, PIX2PIX_RESOLUTION,
                      {"input": "image"}, tuple(inferred))


def _fold(state: dict[str, torch.Tensor], path: Any) -> tuple[dict[str, torch.Tensor], int]:
    from igan_app.zoo.spade import fold_spectral_norm

    originals = [key[: -len("_orig")] for key in state if key.endswith(".weight_orig")]
    for base in originals:
        for part in ("_u", "_v"):
            if base + part not in state:
                raise CheckpointImportError(path, f"has {base}_orig but lacks {base}{part} (the "
                                            "spectral norm's vectors): truncated or damaged")
        rows = state[base + "_orig"].shape[0]
        columns = state[base + "_orig"][0].numel()
        if (tuple(state[base + "_u"].shape) != (rows,)
                or tuple(state[base + "_v"].shape) != (columns,)):
            raise CheckpointImportError(path, f"{base}_u/_v have shapes "
                                        f"{list(state[base + '_u'].shape)}/"
                                        f"{list(state[base + '_v'].shape)}, expected [{rows}]/"
                                        f"[{columns}]")
    if state["fc.weight"].is_meta:  # shapes only (full-size layout checks): no arithmetic
        folded = {k: v for k, v in state.items()
                  if not k.endswith(("weight_orig", "weight_u", "weight_v"))}
        folded.update({base: state[base + "_orig"] for base in originals})
        return folded, len(originals)
    return fold_spectral_norm(state), len(originals)


def _plan_spade(state: dict[str, torch.Tensor], dataset: str | None, path: Any) -> ImportPlan:
    import torch

    fc = tuple(state["fc.weight"].shape)
    if len(fc) == 2:
        raise CheckpointImportError(path, "this SPADE generator was trained with the style "
                                    "encoder (use_vae: fc is a Linear layer, fc.weight "
                                    f"{list(fc)}); importing it needs the encoder, which is not "
                                    "supported")
    if len(fc) != 4 or fc[0] % 16:
        raise CheckpointImportError(path, f"fc.weight has shape {list(fc)}; a SPADE generator's "
                                    "is [16·ngf, label channels, 3, 3]")
    ngf, channels = fc[0] // 16, fc[1]
    state, folded = _fold(state, path)
    hidden = _shape(state, "head_0.norm_0.mlp_shared.0.weight", 4, path, "SPADE MLP")[0]
    batch = "head_0.norm_0.param_free_norm.running_mean" in state
    filled = 0
    for key in [k for k in state if k.endswith(".param_free_norm.running_mean")]:
        counter = key.replace(".running_mean", ".num_batches_tracked")
        if counter not in state:  # files saved by PyTorch before 0.4.1; unused in eval mode
            state[counter] = torch.tensor(0)
            filled += 1
    most = any(key.startswith("up_4.") for key in state)

    by_channels = [name for name, d in SPADE_DATASETS.items() if d.channels == channels]
    if dataset is None:
        if len(by_channels) != 1:
            known = ", ".join(f"{n} {d.channels}" for n, d in SPADE_DATASETS.items())
            raise CheckpointImportError(path, f"has {channels} label channels (fc.weight "
                                        f"{list(fc)}), which fits none of the official data sets "
                                        f"({known}); only those palettes can be imported")
        dataset, why = by_channels[0], f"from its {channels} label channels"
    else:
        spec = SPADE_DATASETS[dataset]
        if spec.channels != channels:
            raise CheckpointImportError(path, f"has {channels} label channels (fc.weight "
                                        f"{list(fc)}), but a {dataset} SPADE takes "
                                        f"{spec.channels} ({spec.describe()})")
        why = "given"
    spec = SPADE_DATASETS[dataset]
    upsampling = "most" if most else spec.num_upsampling
    inferred = [f"SPADE generator for {dataset} ({why}): {spec.describe()} = {channels} channels",
                f"ngf {ngf}, SPADE MLP width {hidden}",
                f"upsampling: {upsampling} ("
                + ("up_4 present" if most else f"official {dataset} setting") + ")",
                "norm: " + ("synchronized BatchNorm, running statistics kept (eval mode)" if batch
                            else "instance norm"),
                f"spectral norm folded into {folded} convolution weights",
                "no style encoder (use_vae off)"]
    if filled:
        inferred.append(f"added {filled} missing num_batches_tracked counters (old PyTorch file)")
    args = {"num_labels": spec.labels, "ngf": ngf, "dont_care": spec.dont_care,
            "instance_edge": spec.instance_edge, "use_vae": False, "num_upsampling": upsampling,
            "hidden": hidden, "spectral": False, "param_free": "batch" if batch else "instance"}
    # The official generator is the project model's `generator`.
    state = {f"generator.{key}": value for key, value in state.items()}
    return ImportPlan("spade", args, state, spec.resolution,
                      {"input": "labels", "palette": dataset}, tuple(inferred))


# ---------------------------------------------------------------------------------------------
# Building and writing


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


def _card(name: str, path: Path, kind: str, sha256: str, plan: ImportPlan) -> str:
    title = {"pix2pix": "pix2pix", "cyclegan": "CycleGAN", "spade": "SPADE"}[kind]
    lines = [f"# {name}", "",
             f"An official {title} generator, imported by `igan models import`.", "",
             f"- Source file: `{path.name}`",
             f"- sha256: `{sha256}`",
             f"- Architecture: `{plan.kind}` with {plan.args}",
             f"- Resolution: {plan.resolution[0]}×{plan.resolution[1]} (height × width)",
             f"- Takes: {plan.meta['input']}"
             + (f" in the {plan.meta['palette']} palette" if "palette" in plan.meta else ""),
             "", "## Inferred from the file", ""]
    lines += [f"- {line}" for line in plan.inferred]
    lines += ["", "## Licence", "", SPADE_LICENCE if kind == "spade" else PIX2PIX_LICENCE, ""]
    return "\n".join(lines)


def check_model_name(name: str) -> None:
    """A model name is a folder name the registry lists: no separators, not hidden."""
    if (not name or name != name.strip() or name.startswith(".") or name == "__pycache__"
            or any(c in name for c in '/\\:*?"<>|') or name in (".", "..")):
        raise ValueError(f"invalid model name {name!r}: use letters, digits, '-' and '_' (it "
                         "becomes a folder name)")


def import_checkpoint(path: str | os.PathLike[str], kind: str, *, name: str,
                      dataset: str | None = None, out_dir: str | os.PathLike[str] | None = None,
                      dropout: bool | None = None, overwrite: bool = False) -> Path:
    """Import an official generator checkpoint; return the model folder written.

    kind: "pix2pix", "cyclegan" or "spade". name: the model's name (its folder in `out_dir`,
    default the user models folder). dataset and dropout: see `plan_import`. An existing folder
    is replaced only with `overwrite`. Raises CheckpointImportError (one line) on any problem.
    """
    try:
        check_model_name(name)
    except ValueError as err:
        raise CheckpointImportError(path, str(err)) from None
    folder = Path(out_dir if out_dir is not None else user_models_dir()) / name
    if folder.exists() and not overwrite:
        raise CheckpointImportError(path, f"{folder} already exists; choose another name or "
                                    "replace it (overwrite / --force)")
    state = read_state_dict(path)
    plan = plan_import(state, kind, dataset=dataset, dropout=dropout, path=path)
    model = build_model(plan, path)
    source = Path(path)
    sha256 = file_sha256(source)
    meta = dict(plan.meta)
    meta["imported"] = {"file": source.name, "sha256": sha256, "official": kind,
                        "inferred": list(plan.inferred)}
    return save_checkpoint(folder, model, kind=plan.kind, args=plan.args,
                           resolution=plan.resolution,
                           data=f"imported from {source.name} (official {kind} checkpoint)",
                           card=_card(name, source, kind, sha256, plan), meta=meta)
