"""Import official pix2pix, CycleGAN and SPADE generator checkpoints as checkpoint folders.

The official releases (junyanz/pytorch-CycleGAN-and-pix2pix, NVlabs/SPADE) ship bare state dicts
(`latest_net_G.pth`) and keep the architecture in command-line options. The importer reads the
state dict without running any pickled code (`weights_only`), works the options out from the
key names and shapes, converts what the project does differently (BatchNorm → affine instance
norm, spectral norm folded into plain weights), loads the result strictly into the project's
class and writes a self-describing folder into the user models folder.

Every failure is one CheckpointImportError whose message is one line naming the file.

`common` reads and checks what every release shares, `official_pix2pix` and `official_spade`
plan the import of each release's generators; their public names are this package's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.importers.common import (
    MAX_NAMED,
    PREFIXES,
    WRAPPER_KEYS,
    CheckpointImportError,
    ImportPlan,
    build_model,
    clean_state_dict,
    describe_layout,
    file_sha256,
    read_state_dict,
)
from igan_app.zoo.importers.official_pix2pix import (
    PIX2PIX_LICENCE,
    PIX2PIX_RESOLUTION,
    STATISTICS,
    plan_resnet,
    plan_unet,
)
from igan_app.zoo.importers.official_spade import (
    SPADE_DATASETS,
    SPADE_LICENCE,
    SpadeDataset,
    plan_spade,
)
from igan_app.zoo.registry import user_models_dir

if TYPE_CHECKING:
    import torch

__all__ = [
    "MAX_NAMED", "OFFICIAL_KINDS", "PIX2PIX_LICENCE", "PIX2PIX_RESOLUTION", "PREFIXES",
    "SPADE_DATASETS", "SPADE_LICENCE", "STATISTICS", "WRAPPER_KEYS", "CheckpointImportError",
    "ImportPlan", "SpadeDataset", "build_model", "check_model_name", "clean_state_dict",
    "describe_layout", "file_sha256", "import_checkpoint", "plan_import", "read_state_dict",
]

OFFICIAL_KINDS = ("pix2pix", "cyclegan", "spade")
_KIND_NAMES = {"pix2pix": "pix2pix", "cyclegan": "CycleGAN", "spade": "SPADE"}


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
        return plan_spade(dict(state), dataset, path)
    if dataset is not None:
        raise CheckpointImportError(path, "a data set applies to SPADE generators only; pix2pix "
                                    "and CycleGAN generators turn pictures into pictures")
    if layout == "pix2pix U-Net generator":
        return plan_unet(dict(state), kind, dropout, path)
    if layout == "CycleGAN ResNet generator":
        return plan_resnet(dict(state), kind, dropout, path)
    hint = "; import it as kind 'spade'" if layout == "SPADE generator" else ""
    raise CheckpointImportError(path, f"this is a {layout}, not a {_KIND_NAMES[kind]} generator "
                                f"(has {evidence}; pix2pix and CycleGAN generators have "
                                f"model.model.0.weight (U-Net) or model.1.weight (ResNet)){hint}")


def _card(name: str, path: Path, kind: str, sha256: str, plan: ImportPlan) -> str:
    title = _KIND_NAMES[kind]
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
