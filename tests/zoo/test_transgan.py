"""The transformer generator: the generator contract, no convolutions, local windows, blocks()."""

from __future__ import annotations

import ast
import inspect

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from igan_app.zoo import transgan
from igan_app.zoo.checkpoint import get_architecture, load_checkpoint, save_checkpoint
from igan_app.zoo.transgan import (
    TransformerBlock,
    TransformerGenerator,
    Upsample,
    WindowAttention,
    parameter_count,
    width_for_budget,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Small enough to run in milliseconds, big enough that every stage has a window and a shift.
TINY = {"latent_dim": 8, "width": 16, "head_dim": 4, "window": 4}


def tiny(resolution: int = 64, **options) -> TransformerGenerator:
    torch.manual_seed(0)
    return TransformerGenerator(resolution, **{**TINY, **options})


@pytest.mark.parametrize("resolution", [32, 64])
def test_shapes_range_and_latents(resolution):
    g = tiny(resolution).eval()
    assert (g.resolution, g.latent_dim) == (resolution, 8)
    z = g.sample_latent(3)
    assert z.shape == (3, 8)
    with torch.no_grad():
        # Far outside [-1, 1] on purpose: tanh must still bound the image.
        image = g(z * 50)
        assert image.shape == (3, 3, resolution, resolution)
        assert image.min() >= -1 and image.max() <= 1
        torch.testing.assert_close(g(z), g(z.view(3, 8, 1, 1)))
        # Different latents give different images (the latent reaches the output).
        assert (g(z[:1]) - g(z[1:2])).abs().max() > 1e-4


def test_sample_latent_is_uniform_in_range_and_seeded():
    g = tiny()
    a = g.sample_latent(2000, generator=torch.Generator().manual_seed(3))
    b = g.sample_latent(2000, generator=torch.Generator().manual_seed(3))
    c = g.sample_latent(2000, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1
    assert abs(a.mean()) < 0.05 and abs(a.std() - (1 / 3) ** 0.5) < 0.02


def test_no_convolution_in_the_module():
    g = tiny()
    convolutions = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                    nn.ConvTranspose3d, nn.Unfold)
    assert not [m for m in g.modules() if isinstance(m, convolutions)]
    # Nor a functional convolution hidden in a forward.
    tree = ast.parse(inspect.getsource(transgan))
    names = [node.attr if isinstance(node, ast.Attribute) else node.id
             for node in ast.walk(tree) if isinstance(node, (ast.Attribute, ast.Name))]
    assert not [name for name in names if "conv" in name.lower() or name == "unfold"]


def _influence(block: nn.Module, side: int, channels: int, token: tuple[int, int]) -> torch.Tensor:
    """(side, side) bool: which input tokens the block's output at `token` depends on."""
    torch.manual_seed(1)
    x = torch.randn(1, side, side, channels, requires_grad=True)
    block(x)[0, token[0], token[1]].sum().backward()
    return x.grad[0].abs().sum(-1) > 0


@pytest.mark.parametrize("shift", [0, 2])
@pytest.mark.parametrize("token", [(0, 0), (5, 6), (15, 15), (3, 14)])
def test_windowed_attention_is_local(shift, token):
    side, window, channels = 16, 4, 8
    block = TransformerBlock(channels, heads=2, side=side, window=window, shift=shift)

    def group(i: int) -> int:  # the window a row (or column) falls in, before the roll
        return (i + window - shift) // window if shift else i // window

    rows = torch.tensor([group(i) for i in range(side)])
    expected = ((rows[:, None] == group(token[0])) & (rows[None, :] == group(token[1])))
    torch.testing.assert_close(_influence(block, side, channels, token), expected)


def test_full_attention_stages_see_every_token():
    g = tiny()
    block = g.stages[1].blocks[0]  # 16×16, fully attending
    assert _influence(block, 16, 8, (0, 0)).all()


def test_window_attention_equals_full_attention_on_each_window():
    torch.manual_seed(2)
    windowed = WindowAttention(8, heads=2, side=8, window=4)
    whole = WindowAttention(8, heads=2, side=4, window=4)
    whole.load_state_dict(windowed.state_dict())
    x = torch.randn(2, 8, 8, 8)
    out = windowed(x)
    for i in (0, 4):
        for j in (0, 4):
            torch.testing.assert_close(out[:, i:i + 4, j:j + 4], whole(x[:, i:i + 4, j:j + 4]))
    # And full attention is softmax(q·kᵀ / √d)·v per head.
    q, k, v = whole.qkv(x[:, :4, :4].reshape(2, 16, 8)).view(2, 16, 3, 2, 4).unbind(2)
    weights = torch.softmax(torch.einsum("nqhd,nkhd->nhqk", q, k) / 2, dim=-1)
    reference = whole.proj(torch.einsum("nhqk,nkhd->nqhd", weights, v).reshape(2, 16, 8))
    torch.testing.assert_close(out[:, :4, :4].reshape(2, 16, 8), reference)


@pytest.mark.parametrize("mode", ["bilinear", "pixel_shuffle"])
def test_upsampling_doubles_the_grid_from_the_nearest_tokens(mode):
    torch.manual_seed(3)
    up = Upsample(8, 4, mode)
    x = torch.randn(2, 4, 4, 8, requires_grad=True)
    out = up(x)
    assert out.shape == (2, 8, 8, 4)
    out[0, 5, 2].sum().backward()  # the child (1, 0) of token (2, 1)
    sources = (x.grad[0].abs().sum(-1) > 0).nonzero().tolist()
    # Pixel shuffle: the one parent; bilinear: the parent and its neighbours towards the child.
    assert sources == ([[2, 1]] if mode == "pixel_shuffle" else [[2, 0], [2, 1], [3, 0], [3, 1]])


@pytest.mark.parametrize("upsampling", ["bilinear", "pixel_shuffle"])
def test_gradients_reach_every_parameter(upsampling):
    g = tiny(upsampling=upsampling, depths=(1, 2, 2, 1)).train()  # a block at every stage
    z = g.sample_latent(2, generator=torch.Generator().manual_seed(0))
    target = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    F.mse_loss(g(z), target).backward()
    dead = [name for name, p in g.named_parameters() if p.grad is None or not p.grad.any()]
    assert not dead


def test_blocks_cover_every_parameter_once_from_latent_to_image():
    g = tiny(depths=(2, 1, 2, 1))
    blocks = g.blocks()
    ids = [id(p) for block in blocks for module in block for p in module.parameters()]
    assert sorted(ids) == sorted(id(p) for p in g.parameters())
    assert len(ids) == len(set(ids))
    assert g.to_tokens in blocks[0] and g.to_rgb in blocks[-1]
    assert len(blocks) == 1 + sum(g.depths) + 3 + 1
    # The blocks are in the order the latent flows through them.
    order: list[nn.Module] = []
    handles = [m.register_forward_hook(lambda m, *_: order.append(m))
               for block in blocks for m in block]
    with torch.no_grad():
        g(g.sample_latent(1))
    for handle in handles:
        handle.remove()
    first_call = [min(order.index(m) for m in block) for block in blocks]
    assert first_call == sorted(first_call)


@pytest.mark.parametrize("resolution,options", [
    (64, {}), (32, {"depths": (1, 0, 3)}), (128, {"width": 32, "mlp_ratio": 2}),
    (64, {"latent_dim": 20, "width": 24, "channels": 1, "depths": (0, 1, 1, 2)}),
    (64, {"upsampling": "pixel_shuffle", "depths": (1, 1, 1, 0)})])
def test_parameter_count_matches_the_network(resolution, options):
    args = {**TINY, **options}
    g = TransformerGenerator(resolution, **args)
    assert parameter_count(resolution, **args) == sum(p.numel() for p in g.parameters())


def test_width_for_budget_is_the_closest_width():
    budget = 60_000
    width = width_for_budget(budget, 64, latent_dim=8, depths=(1, 1, 1, 1))
    gaps = {w: abs(parameter_count(64, 8, w, depths=(1, 1, 1, 1)) - budget)
            for w in range(8, 200, 8)}
    assert width == min(gaps, key=gaps.get)


@pytest.mark.parametrize("options", [
    {"width": 12}, {"depths": (1, 1, 1)}, {"depths": (1, -1, 1, 1)}, {"window": 3},
    {"head_dim": 0}, {"upsampling": "nearest"}])
def test_rejects_bad_arguments(options):
    with pytest.raises(ValueError):
        TransformerGenerator(64, **{**TINY, **options})


def test_checkpoint_round_trip(tmp_path):
    assert get_architecture("transformer-generator") is TransformerGenerator
    args = {**TINY, "depths": [1, 2, 1, 1]}  # a list, as config.json gives it back
    g = TransformerGenerator(64, **args).eval()
    save_checkpoint(tmp_path / "g", g, kind="transformer-generator", args=args, resolution=64,
                    data="test", card="")
    loaded = load_checkpoint(tmp_path / "g", expected_kind="transformer-generator").model
    z = g.sample_latent(2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(z), g(z))
