"""How far generated images are from what the strokes ask: iGAN's color and sketch costs.

Both costs are per image, differentiable, and built once from `rasterize.Targets`:
- color: the squared error of the pixels under the color mask, averaged over the mask (iGAN's
  mean squared error "normalized by the mask area"), so a small stroke weighs as much as a big one;
- sketch: the squared L2 distance between the HOG-like edge features (`edge_features`: 8
  orientations, cells of resolution / 8 pixels, each normalized) of the image and of the line
  image, averaged over the cells the sketch mask touches, with weight 0.2 relative to color
  (iGAN's). Cells next to a line, where the line image is blank, ask for no edge there.
The pull towards the start latent and D's realism score belong to the editor, not here.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from igan_app.engine.rasterize import Targets

SKETCH_WEIGHT = 0.2
KEEP_WEIGHT = 1.0
ORIENTATIONS = 8  # unsigned gradient orientations over [0, π)
CELLS = 8  # cells per side: iGAN's 8-pixel cells at 64 px
# Per-cell normalization floor, in the features' unit (the contrast of an edge that crosses the
# cell, in the [-1, 1] range of images): an edge of contrast 0.1 (5 % of the range) is worth 71 %
# of a strong one, and the faint texture of a flat area stays near 0, so "no edge here" holds.
NORM_EPS = 0.1
_LUMA = (0.299, 0.587, 0.114)  # ITU-R 601, as the sketch-layer rule and OpenCV's gray


def cell_size(resolution: int) -> int:
    """The side of a feature cell in pixels: resolution / 8 (8 px at 64 px), at least 1."""
    return max(1, resolution // CELLS)


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) → (N, 1, H, W) luma, same value range."""
    weights = images.new_tensor(_LUMA).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True)


def _gradients(gray: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """8× the Sobel d/dx and d/dy of (N, 1, H, W) inside its 1-pixel border: (N, 1, H-2, W-2).

    The border is left out rather than padded: zero padding would see an edge at the border of
    every image that is not black, and any padding is slower than these shifted differences
    (conv2d with two 3×3 filters on one channel is slower still). The [1, 2, 1] smoothing is
    done as [1, 1] twice.
    """
    dx = gray[..., 2:] - gray[..., :-2]  # (N, 1, H, W - 2)
    dy = gray[..., 2:, :] - gray[..., :-2, :]  # (N, 1, H - 2, W)
    dx = dx[..., 1:, :] + dx[..., :-1, :]
    dy = dy[..., 1:] + dy[..., :-1]
    return dx[..., 1:, :] + dx[..., :-1, :], dy[..., 1:] + dy[..., :-1]


@functools.lru_cache(maxsize=16)
def _block_layout(height: int, width: int, cell: int, device: torch.device,
                  dtype: torch.dtype) -> tuple[torch.Tensor, int, int, int, int]:
    """Where each interior pixel of a (height, width) image falls among the feature blocks.

    A cell's window is 2 cells wide, centred on the cell, one cell apart (the windows of
    `avg_pool2d(kernel 2·cell, stride cell, padding cell // 2)`), so it is the union of 2 × 2
    neighbouring blocks of cell × cell pixels, offset by cell // 2. The windows overlap by half,
    so that an edge a pixel away from a cell's border still counts in that cell, and a sketch
    drawn slightly off the image's edge still matches it.
    Returns ((1, 1, (H-2)·(W-2)) the pixels' offsets into the scattered sums (block index
    + ORIENTATIONS planes, as `dtype`), block rows, block columns, cell rows, cell columns).
    """
    pad = cell // 2

    def axis(size: int) -> tuple[torch.Tensor, int, int]:
        cells = (size + 2 * pad - 2 * cell) // cell + 1
        # Pixels past the last window (odd cells) fall in a block that no window uses.
        index = (torch.arange(1, size - 1) + pad) // cell
        return index, int((size - 1 + pad) // cell) + 1, cells

    rows, block_rows, cells_h = axis(height)
    cols, block_cols, cells_w = axis(width)
    block = rows[:, None] * block_cols + cols[None, :] + ORIENTATIONS * block_rows * block_cols
    return block.view(1, 1, -1).to(device, dtype), block_rows, block_cols, cells_h, cells_w


def edge_features(gray: torch.Tensor, cell: int) -> torch.Tensor:
    """HOG-like features of (N, 1, H, W) float32 gray images: (N, 8, Gh, Gw), G = size / cell.

    Sobel gradients → magnitude split between the two nearest of 8 unsigned orientation bins
    (linear in angle; bin k is centred on a gradient at k·22.5° from +x, so a vertical edge is
    bin 0) → summed over each cell's window (see `_block_layout`) and divided by the window's
    side, so that an edge of contrast c crossing the window gives a vector of norm ≈ c →
    divided by sqrt(norm² + NORM_EPS²). Invariant to a constant change of brightness.
    """
    n, _, height, width = gray.shape
    gx, gy = _gradients(gray)
    # atan2's derivative is 0/0 at a zero vector (flat areas). Shifting gx by 1e-12 keeps it
    # finite and changes no angle but those of vanishing gradients, whose bins get nothing
    # anyway: their magnitude (with its 1e-30 under the root, so that its own derivative is
    # finite too) is ~1e-15, and 1e-15 × the 1e12 derivative of the angle stays small.
    # Signed angle in bins: (-8, 8]. Bins k and k + 8 (and k + 16) are the same orientation;
    # they are scattered apart and folded together afterwards, on the small block tensor,
    # which is cheaper than wrapping the angle of every pixel.
    position = torch.atan2(gy, gx + 1e-12) * (ORIENTATIONS / math.pi)
    below = position.detach().floor().clamp_(-ORIENTATIONS, ORIENTATIONS)
    upper = position - below  # the share of the next bin up, in [0, 1]
    magnitude = torch.sqrt(gx * gx + gy * gy + 1e-30)
    high = magnitude * upper

    # Scatter each pixel's two shares straight into per-block sums: no (N, 8, H, W) tensor.
    offsets, block_rows, block_cols, cells_h, cells_w = _block_layout(height, width, cell,
                                                                     gray.device, gray.dtype)
    plane = block_rows * block_cols
    planes = 2 * ORIENTATIONS + 2  # bins -8 .. 9 (bin 9: the upper share of bin 8)
    # Computed in floats (exact: far below 2²⁴) and converted once.
    index = torch.add(offsets, below.flatten(2), alpha=plane).long()
    sums = torch.zeros(n, 1, planes * plane, dtype=gray.dtype, device=gray.device)
    sums.scatter_add_(2, index, (magnitude - high).flatten(2))
    sums.scatter_add_(2, index + plane, high.flatten(2))
    sums = sums.view(n, planes, block_rows, block_cols)
    blocks = sums[:, :ORIENTATIONS] + sums[:, ORIENTATIONS:2 * ORIENTATIONS]
    blocks = torch.cat([blocks[:, :2] + sums[:, 2 * ORIENTATIONS:], blocks[:, 2:]], 1)
    pairs = blocks[:, :, :-1] + blocks[:, :, 1:]
    windows = (pairs[..., :-1] + pairs[..., 1:])[:, :, :cells_h, :cells_w]
    windows = windows * (1 / (8 * 2 * cell))  # 8: the gain of the Sobel filter as computed
    norm = torch.sqrt(windows.pow(2).sum(1, keepdim=True) + NORM_EPS**2)
    return windows / norm


def keep_margin(resolution: int) -> int:
    """Pixels around the strokes left free to change with them: 8 at 64 px."""
    return max(2, resolution // 8)


def cell_weights(mask: torch.Tensor, cell: int) -> torch.Tensor:
    """(N, 1, H, W) mask → (N, 1, H / cell, W / cell): the most of the mask in each cell's window,
    so every cell the mask touches counts fully."""
    return F.max_pool2d(mask, 2 * cell, stride=cell, padding=cell // 2)


class Constraints:
    """The costs of one set of targets, for batches of generated images.

    targets: from `rasterize.rasterize`; device: where the images will be (None: the CPU);
    sketch_weight: the sketch term's weight relative to color.
    keep: the picture before the edit, uint8 (r, r, 3) (None: no keep term); keep_weight: weight
    of a masked pixel L2 towards it away from the strokes (beyond `keep_margin(r)` pixels). iGAN
    has only the pull in latent space, and on this manifold a sky painted orange brought a dusk
    ground with it; this term asks for the change where the strokes are and little elsewhere.
    Everything about the targets (their edge features, the masked pixels) is computed here once.
    """

    def __init__(self, targets: Targets, device: torch.device | str | None = None,
                 sketch_weight: float = SKETCH_WEIGHT, keep: np.ndarray | None = None,
                 keep_weight: float = KEEP_WEIGHT) -> None:
        self.resolution = r = targets.resolution
        self.sketch_weight = float(sketch_weight)
        self.keep_weight = float(keep_weight)
        self.cell = cell_size(r)

        def tensor(array) -> torch.Tensor:
            return torch.from_numpy(array.copy()).to(device)[None]

        # Color: only the pixels under the mask, as indices into a flattened (N, 3, r·r) image,
        # so the cost does work in proportion to the stroke, not the image.
        mask = tensor(targets.color_mask).flatten(1)[0]  # (r·r,)
        self._color_index = torch.nonzero(mask > 0).squeeze(1)
        self._color_weight = mask[self._color_index]  # (K,)
        self._color_target = tensor(targets.color).flatten(2)[:, :, self._color_index]
        self._color_area = 3 * self._color_weight.sum()

        # Sketch: the line image's features, and the cells the sketch mask touches.
        weights = cell_weights(tensor(targets.sketch_mask), self.cell).flatten(1)[0]
        self._cell_index = torch.nonzero(weights > 0).squeeze(1)
        self._cell_weight = weights[self._cell_index]  # (M,)
        features = edge_features(tensor(targets.sketch), self.cell).flatten(2)
        self._sketch_target = features[:, :, self._cell_index]  # (1, 8, M)
        self._cell_total = self._cell_weight.sum()

        # Keep: the pixels far from every stroke, towards the picture before the edit.
        self._keep_index = torch.zeros(0, dtype=torch.long, device=device)
        if keep is not None and self.keep_weight > 0:
            if keep.shape != (r, r, 3) or keep.dtype != np.uint8:
                raise ValueError(f"keep must be a uint8 ({r}, {r}, 3) picture, got "
                                 f"{keep.dtype} {keep.shape}")
            near = cv2.dilate((targets.asked > 0).astype(np.uint8), np.ones((3, 3), np.uint8),
                              iterations=keep_margin(r))
            self._keep_index = torch.from_numpy(np.flatnonzero(near == 0)).to(device)
            picture = torch.from_numpy(keep.astype(np.float32) / 127.5 - 1).to(device)
            self._keep_target = picture.permute(2, 0, 1).flatten(1)[None][:, :, self._keep_index]

    @property
    def has_keep(self) -> bool:
        return self._keep_index.numel() > 0

    @property
    def has_color(self) -> bool:
        return self._color_index.numel() > 0

    @property
    def has_sketch(self) -> bool:
        return self._cell_index.numel() > 0

    @property
    def is_empty(self) -> bool:
        return not (self.has_color or self.has_sketch)

    def terms(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each weighted term for (N, 3, r, r) images in [-1, 1]: {"color": (N,), "sketch": (N,),
        "keep": (N,)}; they add up to `cost`, and a term with nothing to compare is 0."""
        r = self.resolution
        if images.ndim != 4 or images.shape[1:] != (3, r, r):
            raise ValueError(f"expected images of shape (N, 3, {r}, {r}), got "
                             f"{tuple(images.shape)}")
        if images.device != self._sketch_target.device:
            raise ValueError(f"the constraints are on {self._sketch_target.device}, the images "
                             f"on {images.device}; build Constraints with device=")
        images = images.float()  # half precision would lose the small epsilons
        zero = images.new_zeros(images.shape[0])
        color = sketch = keep = zero
        if self.has_color:
            pixels = images.flatten(2)[:, :, self._color_index]  # (N, 3, K)
            error = (pixels - self._color_target).pow(2) * self._color_weight
            color = error.sum((1, 2)) / self._color_area
        if self.has_sketch:
            features = edge_features(grayscale(images), self.cell).flatten(2)
            difference = features[:, :, self._cell_index] - self._sketch_target  # (N, 8, M)
            per_cell = difference.pow(2).sum(1) * self._cell_weight
            sketch = self.sketch_weight * per_cell.sum(1) / self._cell_total
        if self.has_keep:
            pixels = images.flatten(2)[:, :, self._keep_index]
            keep = self.keep_weight * (pixels - self._keep_target).pow(2).mean((1, 2))
        return {"color": color, "sketch": sketch, "keep": keep}

    def cost(self, images: torch.Tensor) -> torch.Tensor:
        """The total cost of each image: (N,)."""
        terms = self.terms(images)
        return terms["color"] + terms["sketch"] + terms["keep"]

    __call__ = cost
