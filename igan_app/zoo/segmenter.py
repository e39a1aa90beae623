"""A small U-Net that labels world scenes: the judge behind FID-L and generated-image mIoU.

It is used for metrics only, so it is trained on world scenes alone and never sees a generator's
output. `embed` gives the fixed-length vector that FID-L compares.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo.checkpoint import register_architecture

# zoo sits beside world, not above it, so the count is repeated here; a test keeps them equal.
WORLD_LABELS = 9


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


@register_architecture("world-segmenter")
class Segmenter(nn.Module):
    """Image (N, 3, H, W) in [-1, 1] → label logits (N, num_labels, H, W).

    width: channels at full resolution, doubled at each of `depth` 2× downsamplings; H and W must
    be multiples of 2**depth.
    """

    def __init__(self, num_labels: int = WORLD_LABELS, width: int = 32, depth: int = 3,
                 channels: int = 3):
        super().__init__()
        self.depth = depth
        widths = [width * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList([_block(channels, widths[0])]
                                  + [_block(a, b) for a, b in itertools.pairwise(widths)])
        self.up = nn.ModuleList([_block(b + a, a) for a, b in itertools.pairwise(widths)][::-1])
        self.head = nn.Conv2d(widths[0], num_labels, 1)
        self.embed_channels = widths[-1] + widths[-2]

    def _encode(self, image: torch.Tensor) -> list[torch.Tensor]:
        if image.shape[-1] % 2**self.depth or image.shape[-2] % 2**self.depth:
            raise ValueError(f"image sides must be multiples of {2**self.depth}, got "
                             f"{tuple(image.shape[-2:])}")
        skips = [self.down[0](image)]
        for block in self.down[1:]:
            skips.append(block(F.max_pool2d(skips[-1], 2)))
        return skips

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        skips = self._encode(image)
        x = skips[-1]
        for block, skip in zip(self.up, skips[-2::-1]):
            x = block(torch.cat([F.interpolate(x, scale_factor=2.0, mode="nearest"), skip], 1))
        return self.head(x)

    def embed(self, image: torch.Tensor) -> torch.Tensor:
        """(N, embed_channels): the two deepest feature maps, averaged over the image.

        The deepest map says what is where; the one above it still sees texture, so blur and
        generator artefacts move the vector as well as wrong layouts do.
        """
        skips = self._encode(image)
        return torch.cat([skips[-1].mean((2, 3)), skips[-2].mean((2, 3))], 1)
