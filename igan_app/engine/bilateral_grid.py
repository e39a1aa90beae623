"""A bilateral grid of affine color maps: the change of a small picture, fitted so that it can be
sliced at any resolution with the photo as the guide (bilateral guided upsampling, Chen et al.
2016).

The grid spans the box the model sees: `cells` × `cells` spatial cells over it and `bins`
luminance bins. At every node (the cells' corners) it holds one 3×4 affine map taking a color
to its edited color. `fit_grid` fits those maps at the model's resolution by least squares:
every model pixel adds its moments to the 8 nodes around its (x, y, luminance), the moments are
blurred across nodes, so that neighbouring maps agree, and each node is pulled towards its
spatial cell's map (all luminances together) and, less, towards no change. Slicing
(`ColorGrid.coefficients`) reads the maps trilinearly at each photo pixel's own position and
luminance: a smooth region reads smoothly varying maps (the generator's pixel noise averages
out in the fit), and two sides of an edge in the photo read different bins, so the change stays
as sharp as the photo's edge.

Units: colors in [0, 1] when fitting; the sliced coefficients are for 0..255 pixels (offsets
scaled), in the row-major order `edit_field.recolor` reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Luma weights (Rec. 601) of the guide.
LUMA = np.float32([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class GridConfig:
    """How the grid is fitted.

    cells: spatial cells per side of the box; bins: luminance bins. blur: sigma, in nodes, of
    the Gaussian that smooths the moments across neighbouring nodes. cell_prior: weight of the
    node's spatial cell's moments (summed over luminance) and of the whole picture's added to
    each node's, relative to their share: it fills luminances the model's pixels never had
    there. eps: the ridge pulling each node's gain towards 1, in squared color units per unit of
    the node's mass (a guided filter's eps). identity: weight of the pull towards no change,
    per node, relative to the mean mass of a node (keeps nodes no pixel reached solvable).
    eps 2e-2 rather than 2e-3: the photo's own texture comes through a recolored sky (worst
    chroma mottling on bench/fidelity.py's sky strokes 1.47 against 1.68) while a step edge
    still bleeds under 2 levels (tests/engine/test_guided_transfer.py); 5e-2 bled more.
    """

    cells: int = 8
    bins: int = 8
    blur: float = 0.7
    cell_prior: float = 0.1
    identity: float = 1e-4
    eps: float = 2e-2


@dataclass(frozen=True, eq=False)  # eq would compare arrays elementwise
class ColorGrid:
    """maps: (cells + 1, cells + 1, bins + 1, 12) float32, per node (y, x, luminance) the 3×4
    affine map (row-major; offsets for colors in [0, 1]) taking a color to its edited color."""

    maps: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        """(cells_y, cells_x, bins): the nodes run 0 .. each."""
        ny, nx, nz = self.maps.shape[:3]
        return ny - 1, nx - 1, nz - 1

    def coefficients(self, gx: np.ndarray, gy: np.ndarray, luma: np.ndarray) -> np.ndarray:
        """The maps at grid positions (gx, gy) (cells; clamped to the grid) and luminances
        `luma` ([0, 1]), all (n, m) float32: (n, m, 12) float32 coefficients for 0..255 pixels.

        Trilinear: two bilinear reads (cv2.remap) of the luminance planes on either side of each
        pixel's luminance, stacked vertically in one image so that one remap serves all planes.
        """
        import cv2

        cy, cx, bins = self.shape
        z = np.clip(luma * np.float32(bins), 0, bins)
        below = np.minimum(z.astype(np.int32), bins - 1)
        t = (z - below)[..., None]
        stacked = np.ascontiguousarray(
            self.maps.transpose(2, 0, 1, 3).reshape((bins + 1) * (cy + 1), cx + 1, 12))
        stacked[..., 3::4] *= 255
        map_x = np.clip(gx, 0, cx).astype(np.float32)
        row = np.clip(gy, 0, cy).astype(np.float32)
        low_y = (below * (cy + 1)).astype(np.float32) + row
        low = _remap(cv2, stacked, map_x, low_y)
        high = _remap(cv2, stacked, map_x, low_y + np.float32(cy + 1))
        low += t * (high - low)
        return low


def _remap(cv2, image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    out = cv2.remap(image, np.ascontiguousarray(map_x), np.ascontiguousarray(map_y),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(*map_x.shape, image.shape[-1])


def luma(colors: np.ndarray) -> np.ndarray:
    """(..., 3) colors in [0, 1] → (...) float32 luminance in [0, 1]."""
    return np.asarray(colors, np.float32) @ LUMA


def fit_grid(source: np.ndarray, target: np.ndarray, weight: np.ndarray | None = None,
             config: GridConfig = GridConfig()) -> ColorGrid:
    """The grid of affine maps taking `source` to `target`, guided by `source`'s luminance.

    source, target: (h, w, 3) float32 colors in [0, 1] of the same pixels; the grid spans the
    whole picture. weight: (h, w) how much each pixel counts (None: all alike).
    """
    height, width = source.shape[:2]
    cells, bins = config.cells, config.bins
    nodes = (cells + 1, cells + 1, bins + 1)
    colors = source.reshape(-1, 3).astype(np.float64)
    x = np.concatenate([colors, np.ones((len(colors), 1))], axis=1)  # (n, 4)
    y = target.reshape(-1, 3).astype(np.float64)
    w = np.ones(len(x)) if weight is None else np.asarray(weight, np.float64).reshape(-1)
    moments = np.concatenate([(x[:, :, None] * x[:, None, :]).reshape(-1, 16),
                              (x[:, :, None] * y[:, None, :]).reshape(-1, 12)], axis=1)
    moments *= w[:, None]
    # Each pixel's centre on the grid, in cells and bins.
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float64)
    position = [((gy + 0.5) / height * cells).reshape(-1), ((gx + 0.5) / width * cells).reshape(-1),
                np.clip(colors @ LUMA.astype(np.float64), 0, 1) * bins]
    grid = np.zeros((int(np.prod(nodes)), moments.shape[1]))
    lower = [np.minimum(p.astype(np.intp), n - 2) for p, n in zip(position, nodes)]
    frac = [p - lo for p, lo in zip(position, lower)]
    for corner in range(8):
        bits = [(corner >> k) & 1 for k in range(3)]
        share = np.ones(len(x))
        for b, f in zip(bits, frac):
            share *= f if b else 1 - f
        index = np.ravel_multi_index([lo + b for lo, b in zip(lower, bits)], nodes)
        for c in range(moments.shape[1]):
            grid[:, c] += np.bincount(index, share * moments[:, c], grid.shape[0])
    grid = grid.reshape(*nodes, -1)
    grid = _blur(grid, config.blur)
    # Each node also leans on its spatial cell's fit (its moments over all luminances, spread
    # over the bins), then on the whole picture's, then, barely, on no change at all: a
    # luminance the model's pixels never had there gets the change of its surroundings.
    cell = grid.sum(axis=2, keepdims=True)
    whole = cell.sum(axis=(0, 1), keepdims=True)
    grid += config.cell_prior * (cell / nodes[2] + whole / np.prod(nodes))
    # Ridge on the linear part, per unit of each node's own mass, as a guided filter's eps: where
    # the colors barely vary (a smooth sky at 64 px) the gain stays near 1 instead of
    # stretching the photo's noise; the offset is free, so the mean change is kept.
    count = grid[..., 15:16, None]  # Σ w: the [1]·[1] moment
    a = grid[..., :16].reshape(*nodes, 4, 4).copy()
    b = grid[..., 16:].reshape(*nodes, 4, 3).copy()
    a[..., :3, :3] += config.eps * count * np.eye(3)
    b[..., :3, :] += config.eps * count * np.eye(3)
    mass = max(float(w.sum()) / np.prod(nodes), 1e-12)
    a += config.identity * mass * np.eye(4)
    b += config.identity * mass * np.eye(4, 3)
    maps = np.linalg.solve(a, b)  # (…, 4, 3): y = xᵀ M
    return ColorGrid(np.ascontiguousarray(maps.swapaxes(-1, -2)).reshape(*nodes, 12)
                     .astype(np.float32))


def _blur(grid: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian across the three node axes (kernel rows renormalised at the borders)."""
    if sigma <= 0:
        return grid
    for axis in range(3):
        n = grid.shape[axis]
        d = np.arange(n)[:, None] - np.arange(n)[None, :]
        kernel = np.exp(-0.5 * (d / sigma) ** 2)
        kernel /= kernel.sum(axis=1, keepdims=True)
        grid = np.moveaxis(np.tensordot(kernel, np.moveaxis(grid, axis, 0), axes=1), 0, axis)
    return grid


__all__ = ["LUMA", "ColorGrid", "GridConfig", "fit_grid", "luma"]
