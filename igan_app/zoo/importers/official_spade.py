"""Import the generators of the official SPADE release (NVlabs/SPADE): the data set is worked out
from the label channels, spectral norm is folded into plain weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from igan_app.zoo.importers.common import CheckpointImportError, ImportPlan, checked_shape

if TYPE_CHECKING:
    import torch


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


# Keyed by palette name (igan_app.world.dataset_palettes), which the painter reads from config.meta.
SPADE_DATASETS = {
    "coco": SpadeDataset(182, dont_care=True, instance_edge=True, resolution=(256, 256)),
    "ade20k": SpadeDataset(150, dont_care=True, instance_edge=False, resolution=(256, 256)),
    "cityscapes": SpadeDataset(35, dont_care=False, instance_edge=True, resolution=(256, 512),
                               num_upsampling="more"),
}
SPADE_LICENCE = ("NVIDIA's SPADE checkpoints are licensed CC BY-NC-SA 4.0 (non-commercial use, "
                 "share alike). iGAN Studio does not ship them: users bring the files, and this "
                 "imported copy keeps their licence.")


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


def plan_spade(state: dict[str, torch.Tensor], dataset: str | None, path: Any) -> ImportPlan:
    """The plan of a SPADE generator's state dict; `dataset` None: told by its label channels."""
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
    hidden = checked_shape(state, "head_0.norm_0.mlp_shared.0.weight", 4, path, "SPADE MLP")[0]
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
