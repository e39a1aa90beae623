"""Sketch to image: a label map (or an edge sketch, or a photo for image-to-image models) and a
style → a picture, with a SPADE or pix2pix/CycleGAN generator.

`Painter` wraps a loaded checkpoint and hides what differs between them: SPADE takes one-hot
labels and a style code (from a seed, or from a reference picture through its style encoder);
pix2pix takes one-hot labels or an RGB image, and its dropout is the seedable variation.
Label maps arrive in world labels and are mapped to the model's palette (an imported COCO-Stuff
or ADE20K SPADE); `ids_given` passes the model's own ids straight through.

A seed's style comes from the model's `StylePrior` when its config.json has one (fitted to the
style encoder's codes of real scenes by scripts/spade_style_prior.py), else from N(0, I).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from igan_app import imaging
from igan_app.world.dataset_palettes import Palette, get_palette
from igan_app.zoo.checkpoint import LoadedModel
from igan_app.zoo.pix2pix import has_variation, set_variation
from igan_app.zoo.registry import PAINT_KINDS
from igan_app.zoo.spade import SpadeModel, semantic_input

MAX_SIDE = 2048  # a render larger than this is a mistake on a CPU, not a wish


class PaintError(ValueError):
    """Input a painter cannot use; the message says what is wrong and what it needs."""


@dataclass(frozen=True, eq=False)
class StylePrior:
    """Where a style encoder puts real scenes: a Gaussian with mean `mean` and covariance
    `axes`ᵀ·`axes` + diag(`spread`²).

    Why not N(0, I): a SPADE trained with a light KL term leaves its codes where they help the
    generator, not where the prior is. The shipped model's codes of world scenes vary about six
    times more than N(0, I) along three or four directions and far less along the rest, so draws
    from N(0, I) all land on nearly the same picture.

    mean: (z,). axes: (k, z), the principal directions of the codes, each scaled to the standard
    deviation along it. spread: (z,), the standard deviation the axes leave, per dimension.
    temperature: how far from the mean draws go, as a fraction of the fitted deviations (1: the
    codes' own spread). The shipped SPADE samples at 0.8: at 1 its rarest styles (deep dusk,
    thick fog) hide the layout from the segmenter, and mIoU fell to 88% of the real scenes'
    (200 held-out maps); 0.8 keeps it at 90% with most of the variety (scripts/spade_style_prior.py).
    """

    mean: np.ndarray
    axes: np.ndarray
    spread: np.ndarray
    temperature: float = 1.0

    @classmethod
    def fit(cls, codes: np.ndarray, axes: int = 8) -> StylePrior:
        """The prior of (n, z) codes (the encoder's means of real scenes), keeping `axes`
        principal directions."""
        codes = np.asarray(codes, np.float64)
        mean = codes.mean(0)
        values, vectors = np.linalg.eigh(np.cov(codes - mean, rowvar=False))
        top = np.argsort(values)[::-1][:axes]
        scaled = (vectors[:, top] * np.sqrt(values[top].clip(0))).T
        rest = codes - mean - (codes - mean) @ vectors[:, top] @ vectors[:, top].T
        return cls(mean, scaled, rest.std(0))

    @classmethod
    def from_meta(cls, raw: Mapping[str, Any], z_dim: int) -> StylePrior:
        """The prior as config.json's meta holds it; ValueError says what is wrong."""
        try:
            mean, spread = (np.asarray(raw[k], np.float64) for k in ("mean", "spread"))
            axes = np.asarray(raw["axes"], np.float64).reshape(-1, z_dim)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"needs mean, axes and spread as lists of numbers ({err})") from None
        if mean.shape != (z_dim,) or spread.shape != (z_dim,):
            raise ValueError(f"mean and spread need {z_dim} numbers each (the model's z_dim), "
                             f"got {mean.size} and {spread.size}")
        if not (np.isfinite(mean).all() and np.isfinite(axes).all() and np.isfinite(spread).all()):
            raise ValueError("has numbers that are not finite")
        temperature = raw.get("temperature", 1.0)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not 0 < temperature <= 4:
            raise ValueError(f"temperature must be a number in (0, 4], got {temperature!r}")
        return cls(mean, axes, spread, float(temperature))

    def to_meta(self, digits: int = 4) -> dict[str, list]:
        """Lists of rounded numbers for config.json (small, and a diff shows what changed)."""
        return {"mean": np.round(self.mean, digits).tolist(),
                "axes": np.round(self.axes, digits).tolist(),
                "spread": np.round(self.spread, digits).tolist(),
                "temperature": self.temperature}

    def sample(self, seed: int) -> torch.Tensor:
        """(1, z) float32: the style a seed stands for, the same on every machine."""
        rng = torch.Generator().manual_seed(seed)
        along = torch.randn(len(self.axes), generator=rng, dtype=torch.float64).numpy()
        rest = torch.randn(len(self.mean), generator=rng, dtype=torch.float64).numpy()
        z = self.mean + self.temperature * (along @ self.axes + rest * self.spread)
        return torch.from_numpy(z[None]).float()


@dataclass
class Painter:
    name: str
    model: nn.Module
    input: str  # "labels" or "image"
    palette: Palette | None  # for label models
    resolution: tuple[int, int]
    device: torch.device
    style_prior: StylePrior | None = None  # where seeds draw styles; None: N(0, I)

    @classmethod
    def from_checkpoint(cls, loaded: LoadedModel, name: str | None = None) -> Painter:
        kind = loaded.config.kind
        if kind not in PAINT_KINDS:
            raise PaintError(f"{loaded.path}: a {kind} model does not paint; painting needs one "
                             f"of {', '.join(PAINT_KINDS)}")
        meta = loaded.config.meta
        source = "labels" if kind == "spade" else meta.get("input", "image")
        source = "image" if source == "edges" else source
        palette = get_palette(meta.get("palette", "world")) if source == "labels" else None
        model = loaded.model.eval()
        device = next(model.parameters()).device
        prior = None
        if isinstance(model, SpadeModel) and model.use_vae and "style_prior" in meta:
            try:
                prior = StylePrior.from_meta(meta["style_prior"], model.generator.z_dim)
            except ValueError as err:
                raise PaintError(f"{loaded.path}: config.json's style_prior {err}; fit it again "
                                 "with scripts/spade_style_prior.py or remove it") from None
        return cls(name or loaded.path.name, model, source, palette, loaded.config.resolution,
                   device, prior)

    @property
    def is_spade(self) -> bool:
        return isinstance(self.model, SpadeModel)

    @property
    def has_style(self) -> bool:
        """Style by seed or reference picture (SPADE with a style encoder)."""
        return self.is_spade and self.model.use_vae

    @property
    def has_variation(self) -> bool:
        """Seeded dropout (pix2pix); off with deterministic=True."""
        return has_variation(self.model)

    @property
    def multiple(self) -> int:
        return int(self.model.multiple)

    def output_size(self, height: int, width: int, size: int | None = None) -> tuple[int, int]:
        """The render size for an input of height×width: `size` on the longer side (default:
        the input's own), rounded to the model's multiple, at least one multiple."""
        scale = 1.0 if size is None else size / max(height, width)
        m = self.multiple

        def fit(side: int) -> int:
            return max(m, round(side * scale / m) * m)

        h, w = fit(height), fit(width)
        if max(h, w) > MAX_SIDE:
            raise PaintError(f"a {w}×{h} render is larger than {MAX_SIDE} px on a side; "
                             "ask for a smaller --size")
        return h, w

    def style_code(self, reference: np.ndarray) -> torch.Tensor:
        """(1, z_dim): the style of an RGB picture (the mean of the encoder's distribution)."""
        if not self.has_style:
            raise PaintError(f"{self.name} has no style encoder; it cannot take a style picture")
        x = imaging.to_tensor(reference[None], self.device)
        with torch.no_grad():
            return self.model.encode_style(x)[0]

    def seed_code(self, seed: int) -> torch.Tensor:
        """(1, z_dim): the style a seed stands for: a draw from the model's `style_prior`, or
        from N(0, I) for a model without one."""
        if self.style_prior is not None:
            return self.style_prior.sample(seed).to(self.device)
        z = torch.randn(1, self.model.generator.z_dim, generator=torch.Generator().manual_seed(seed))
        return z.to(self.device)

    @torch.no_grad()
    def render(self, source: np.ndarray, *, seed: int = 0, style: np.ndarray | torch.Tensor |
               None = None, deterministic: bool = False, size: int | None = None,
               ids_given: bool = False) -> np.ndarray:
        """(H, W, 3) uint8 picture at `output_size` of the input.

        source: (H, W) label ids (world labels, or the model's own with ids_given) for label
            models; (H, W, 3) uint8 RGB for image models.
        style: a reference picture or a style code (SPADE with a style encoder); else `seed`
            picks the style. For pix2pix, `seed` seeds the dropout unless deterministic.
        """
        h, w = self.output_size(*source.shape[:2], size)
        x = self._input(source, h, w, ids_given)
        if self.is_spade:
            z = None
            if self.has_style:
                if style is None:
                    z = self.seed_code(seed)
                elif isinstance(style, torch.Tensor):
                    z = style.to(self.device)
                else:
                    z = self.style_code(style)
            elif style is not None:
                raise PaintError(f"{self.name} has no style encoder; it cannot take a style")
            out = self.model(x, z)
        else:
            if style is not None:
                raise PaintError(f"{self.name} is a pix2pix-style model; it takes no style")
            set_variation(self.model, None if deterministic else seed)
            try:
                out = self.model(x)
            finally:
                set_variation(self.model, None)
        return imaging.to_uint8(out)[0]

    def _input(self, source: np.ndarray, h: int, w: int, ids_given: bool) -> torch.Tensor:
        if self.input == "image":
            if source.ndim != 3 or source.shape[2] != 3:
                raise PaintError(f"{self.name} turns RGB pictures into pictures; got an array of "
                                 f"shape {source.shape} (a label map?)")
            if source.shape[:2] != (h, w):
                shrink = h * w < source.shape[0] * source.shape[1]
                source = cv2.resize(source, (w, h), interpolation=cv2.INTER_AREA if shrink
                                    else cv2.INTER_CUBIC)
            return imaging.to_tensor(source[None], self.device)
        if source.ndim != 2:
            raise PaintError(f"{self.name} turns label maps into pictures; got an array of shape "
                             f"{source.shape} (a picture?)")
        ids = source.astype(np.int32) if ids_given else self.palette.from_world(source)
        if ids.shape != (h, w):
            ids = cv2.resize(ids.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        return self.label_input(ids[None], ids_given=True)

    def label_input(self, labels: np.ndarray, *, ids_given: bool = False) -> torch.Tensor:
        """(N, H, W) label ids (world labels unless ids_given) → the model's input tensor."""
        ids = labels if ids_given else self.palette.from_world(labels)
        tensor = torch.from_numpy(np.ascontiguousarray(ids)).long().to(self.device)
        try:
            if self.is_spade:
                return self.model.one_hot(tensor)
            return semantic_input(tensor, self.palette.size)
        except ValueError as err:
            raise PaintError(f"{self.name}: {err}") from None
