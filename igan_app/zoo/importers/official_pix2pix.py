"""Import the generators of the official pix2pix and CycleGAN release
(junyanz/pytorch-CycleGAN-and-pix2pix): U-Net and ResNet generators, whose options are worked out
from the key names and shapes; BatchNorm becomes affine instance norm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from igan_app.zoo.importers.common import CheckpointImportError, ImportPlan, checked_shape

if TYPE_CHECKING:
    import torch

STATISTICS = (".running_mean", ".running_var", ".num_batches_tracked")
PIX2PIX_RESOLUTION = (256, 256)
PIX2PIX_LICENCE = ("The official pix2pix and CycleGAN code is BSD-licensed; trained weights keep "
                   "the terms of the data they were trained on.")


def plan_unet(state: dict[str, torch.Tensor], kind: str, dropout: bool | None,
              path: Any) -> ImportPlan:
    """The plan of a pix2pix U-Net generator's state dict (`kind` "pix2pix" or "cyclegan" sets
    the dropout default, which the keys cannot show)."""
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
    ngf, input_nc, _, _ = checked_shape(state, "model.model.0.weight", 4, path,
                                        "outer down-convolution")
    _, output_nc, _, _ = checked_shape(state, "model.model.3.weight", 4, path,
                                       "outer up-convolution")
    bias = "model.model.0.bias" in state
    norm, norm_why = _norm_of(state, prefixes[1] + "2", bias)
    variation = (kind == "pix2pix") if dropout is None else dropout
    why = ("given" if dropout is not None else
           "pix2pix default" if kind == "pix2pix" else "CycleGAN default")
    args = {"input_nc": input_nc, "output_nc": output_nc, "num_downs": num_downs, "ngf": ngf,
            "norm": norm, "dropout": variation, "bias": bias}
    return _image_plan("unet-generator", args, state, [
        f"U-Net generator, {num_downs} levels (unet_{2 ** num_downs})",
        f"norm: {norm_why}",
        (f"dropout: {'yes' if variation else 'no'} ({why}; invisible in the keys), "
         "kept as seedable variation, off by default")])


def plan_resnet(state: dict[str, torch.Tensor], kind: str, dropout: bool | None,
                path: Any) -> ImportPlan:
    """The plan of a CycleGAN ResNet generator's state dict (its dropout shows in the keys)."""
    ngf, input_nc, _, _ = checked_shape(state, "model.1.weight", 4, path, "stem convolution")
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
    output_nc = checked_shape(state, f"model.{last}.weight", 4, path, "output convolution")[0]
    bias = "model.1.bias" in state
    norm, norm_why = _norm_of(state, "model.2", bias)
    args = {"input_nc": input_nc, "output_nc": output_nc, "ngf": ngf, "n_blocks": n_blocks,
            "norm": norm, "dropout": dropout, "bias": bias}
    return _image_plan("resnet-generator", args, state, [
        f"ResNet generator, {n_blocks} blocks (resnet_{n_blocks}blocks)",
        f"norm: {norm_why}",
        f"dropout: {'yes (conv_block.6)' if dropout else 'no (conv_block.5)'}"])


def _image_plan(kind: str, args: dict[str, Any], state: dict[str, torch.Tensor],
                inferred: list[str]) -> ImportPlan:
    """The plan of an image → image generator: `inferred` is (the network, its norm, its
    dropout); the channels, the bias and the dropped statistics are added here."""
    network, norm, dropout = inferred
    channels = f"{args['input_nc']} input and {args['output_nc']} output channels"
    lines = [network, f"ngf {args['ngf']}, {channels}", norm, dropout,
             f"convolution bias: {'yes' if args['bias'] else 'no'}"]
    dropped = _drop_statistics(state)
    if dropped:
        lines.append(f"dropped {dropped} normalization statistics")
    return ImportPlan(kind, args, state, PIX2PIX_RESOLUTION, {"input": "image"}, tuple(lines))


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
