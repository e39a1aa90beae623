"""Tiny untrained paint models saved as checkpoint folders, for engine, CLI and training tests."""

from pathlib import Path

import torch

from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.pix2pix import UnetGenerator
from igan_app.zoo.spade import SpadeModel

SPADE_ARGS = {"num_labels": 9, "ngf": 2, "hidden": 8, "use_vae": True, "z_dim": 8,
              "latent_size": [2, 2], "encoder_ngf": 4, "encoder_input": 64}


def save_spade(folder: Path, **changes) -> Path:
    torch.manual_seed(0)
    args = {**SPADE_ARGS, **changes}
    return save_checkpoint(folder, SpadeModel(**args).eval(), kind="spade", args=args,
                           resolution=64, data="test", card="", meta={"palette": "world"})


def save_unet(folder: Path, *, source: str = "labels") -> Path:
    torch.manual_seed(0)
    args = {"input_nc": 9 if source == "labels" else 3, "output_nc": 3, "num_downs": 6,
            "ngf": 4, "dropout": True}
    return save_checkpoint(folder, UnetGenerator(**args).eval(), kind="unet-generator",
                           args=args, resolution=64, data="test", card="",
                           meta={"input": source, "palette": "world"})
