"""Tiny untrained manifolds saved as checkpoint folders, for tests that need some model but not
what a trained one learned (windows, menus, files, sessions, the worker's plumbing).

Put the folder in the user models folder to reach it by name through the registry:

    root = tmp_path_factory.mktemp("models")
    save_manifold(root / TINY_MANIFOLD)
    monkeypatch.setenv("IGAN_MODELS_DIR", str(root))

The projection still compares pictures with the installed VGG16 feature network.
"""

from __future__ import annotations

from pathlib import Path

import torch

from igan_app.zoo.checkpoint import save_checkpoint
from igan_app.zoo.dcgan import Manifold

TINY_MANIFOLD = "tiny-manifold64"  # a name no shipped model has
MANIFOLD_ARGS = {"resolution": 64, "latent_dim": 8, "width": 4, "max_width": 16}
OUTPUT_GAIN = 20.0


def save_manifold(folder: Path, seed: int = 0, **changes) -> Path:
    """A random DCGAN manifold (generator, discriminator, encoder) of MANIFOLD_ARGS updated by
    `changes`, saved as a "dcgan-manifold" checkpoint in `folder`; the folder."""
    torch.manual_seed(seed)
    args = {**MANIFOLD_ARGS, **changes}
    model = Manifold(**args)
    # Batch-norm statistics measured on samples (a cumulative average: one batch sets them), so
    # that its pictures are not one flat grey.
    norms = [m for m in model.generator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
    model.generator.train()
    with torch.no_grad():
        model.generator(model.sample_latent(64))
    for norm in norms:
        norm.momentum = 0.1
    # DCGAN's small initial weights give pictures of one grey: spread the output layer's.
    convolutions = [m for m in model.generator.modules()
                    if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.no_grad():
        convolutions[-1].weight.mul_(OUTPUT_GAIN)
    model.eval()
    return save_checkpoint(folder, model, kind="dcgan-manifold", args=args,
                           resolution=args["resolution"], data="test", card="")


__all__ = ["MANIFOLD_ARGS", "TINY_MANIFOLD", "save_manifold"]
