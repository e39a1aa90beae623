"""The guided transfer: a bilateral grid of color maps sliced with the photo as the guide, the
strokes' locality, confident motion only, and the mode "auto".

Ground truth as in test_transfer.py: world scenes, known color maps and displacements; plus
small synthetic photos built to show one property each (a step edge, a smooth sky).
"""

from __future__ import annotations

import tracemalloc

import cv2
import numpy as np
import pytest
from known_motion import COLOR, psnr, recolor, shrink, smooth_field, warp

from igan_app.engine import guided_transfer as guided_module
from igan_app.engine.bilateral_grid import GridConfig, fit_grid, luma
from igan_app.engine.guided_transfer import GuidedConfig, carried_mode, guided_transfer
from igan_app.engine.locality import LocalityConfig, stroke_weight
from igan_app.engine.motion_gate import confident_motion
from igan_app.engine.transfer import transfer
from igan_app.world.render import render

SEED = 10_000_003
MODEL = 64


def chroma_variation(image: np.ndarray, where: np.ndarray) -> float:
    """Mean local (9 px) standard deviation of Lab a and b over `where`: the mottling measure."""
    lab = cv2.cvtColor(image.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 1:]
    mean, square = cv2.blur(lab, (9, 9)), cv2.blur(lab * lab, (9, 9))
    return float(np.sqrt(np.maximum(square - mean * mean, 0)).sum(-1)[where].mean())


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return render(SEED, 256)[0]


def two_tones(top: tuple[int, int, int], bottom: tuple[int, int, int], edge: int,
              seed: int) -> np.ndarray:
    """A 256² photo: `top` above row `edge`, `bottom` below, with a little noise."""
    photo = np.zeros((256, 256, 3), np.float64)
    photo[:edge], photo[edge:] = top, bottom
    photo += np.random.default_rng(seed).normal(0, 2, photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8)


# --- the grid -----------------------------------------------------------------------------------

def test_the_grid_reproduces_a_known_global_affine_color_change():
    rng = np.random.default_rng(0)
    source = rng.random((MODEL, MODEL, 3)).astype(np.float32)
    target = source @ COLOR[:, :3].T + COLOR[:, 3]
    grid = fit_grid(source, target, config=GridConfig(eps=0))
    colors = rng.random((50, 70, 3)).astype(np.float32)  # other colors, anywhere on the grid
    gy, gx = np.mgrid[0:50, 0:70].astype(np.float32) / np.float32([49, 69])[:, None, None]
    coeffs = grid.coefficients(gx * 8, gy * 8, luma(colors)).reshape(50, 70, 3, 4)
    got = np.einsum("hwij,hwj->hwi", coeffs[..., :3], colors * 255) + coeffs[..., 3]
    want = (colors @ COLOR[:, :3].T + COLOR[:, 3]) * 255
    assert np.abs(got - want).max() < 0.5  # in 0..255 units (measured 0.11)


def test_guided_transfer_carries_a_global_color_change_onto_the_photo(photo):
    frames = [shrink(photo), recolor(shrink(photo))]
    result = guided_transfer(photo, (0, 0, 256, 256), frames)
    assert psnr(result, recolor(photo)) > 38  # measured 41.6 dB
    assert psnr(photo, recolor(photo)) < 30  # the change is not small (27 dB)


def test_a_step_edge_in_the_photo_stays_sharp():
    # A bright sky over dark ground with a hard edge at row 130, inside a model pixel (rows
    # 128-131). The generator reddens the sky; at 64 px the edge's model row is half sky. The
    # field's maps, stretched bilinearly, carry the sky's change onto the ground below the
    # edge; the guided transfer reads the ground's maps there, by its luminance.
    photo = two_tones((150, 180, 230), (40, 60, 30), 130, 1)
    first = shrink(photo)
    sky = (luma(first.astype(np.float32) / 255) > 0.4)[..., None]
    last = np.clip(first + sky * np.float32((60, -40, -60)), 0, 255).astype(np.uint8)
    frames = [first, last]
    result = guided_transfer(photo, (0, 0, 256, 256), frames, spread=0, feather=0)
    moved = np.abs(result.astype(int) - photo).max(axis=-1)
    assert moved[130:140].mean() < 2  # right below the edge: next to nothing (measured 0.5)
    assert moved[120:130].mean() > 55  # right above it: the whole change (measured 60)
    field = transfer(photo, (0, 0, 256, 256), frames, "color", spread=0, feather=0)
    assert np.abs(field.astype(int) - photo).max(axis=-1)[130:140].mean() > 8  # (measured 11)


def test_a_smooth_sky_with_a_noisy_generated_change_comes_back_smooth():
    # A smooth gradient sky; the generator's change is a uniform shift plus per-pixel chroma
    # noise at 64 px. Stretched over the photo, that noise is mottling.
    ys, xs = np.mgrid[0:384, 0:384].astype(np.float32)
    photo = np.stack([110 + ys / 8, 150 + ys / 10, 230 - xs / 20], -1)
    photo += np.random.default_rng(2).normal(0, 0.5, photo.shape)
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    first = shrink(photo)
    noise = np.random.default_rng(3).normal(0, 15, (MODEL, MODEL, 3))
    last = np.clip(first.astype(float) + (40, -10, -50) + noise, 0, 255).astype(np.uint8)
    box, inner = (0, 0, 384, 384), np.zeros((384, 384), bool)
    inner[24:-24, 24:-24] = True
    guided = guided_transfer(photo, box, [first, last])
    field = transfer(photo, box, [first, last], "color")
    own = chroma_variation(photo, inner)
    assert chroma_variation(guided, inner) / own < 1.10  # measured 1.03
    assert chroma_variation(field, inner) / own > 1.15  # what the guide saves (measured 1.28)
    assert np.abs(guided[inner].astype(float).mean(0) - photo[inner].mean(0)
                  - (40, -10, -50)).max() < 6  # and the change itself is carried


def test_a_textured_surface_recolored_keeps_its_own_chroma_texture():
    # Grass with light-and-dark texture; the generator turns it golden by a gain per channel,
    # which the affine maps reproduce faithfully, texture and all: its light and dark become
    # chroma. With the chroma carried as a smoothed shift the grass keeps its own.
    texture = cv2.GaussianBlur(np.random.default_rng(4).normal(0, 1, (256, 256)), (0, 0), 1.5)
    photo = np.clip(np.float32((90, 110, 70)) + (texture / texture.std() * 14)[..., None], 0,
                    255).astype(np.uint8)
    first = shrink(photo)
    last = np.clip(first * np.float32((1.6, 1.1, 0.5)) + (10, 0, 0), 0, 255).astype(np.uint8)
    inner = np.zeros((256, 256), bool)
    inner[16:-16, 16:-16] = True
    own = chroma_variation(photo, inner)
    shifted = guided_transfer(photo, (0, 0, 256, 256), [first, last])
    mapped = guided_transfer(photo, (0, 0, 256, 256), [first, last],
                             config=GuidedConfig(chroma=0))
    assert chroma_variation(shifted, inner) / own < 1.4  # (measured 1.16)
    assert chroma_variation(mapped, inner) / own > 2.5  # (measured 3.0)
    # The same color change either way.
    assert np.abs(shifted[inner].mean(0) - mapped[inner].mean(0)).max() < 2


def test_working_resolution_and_strips_change_little(photo, monkeypatch):
    frames = [shrink(photo), recolor(shrink(photo))]
    whole = guided_transfer(photo, (0, 0, 256, 256), frames)
    monkeypatch.setattr(guided_module, "STRIP_BYTES", 7 * 256 * 48)  # 7-row strips
    strips = guided_transfer(photo, (0, 0, 256, 256), frames)
    np.testing.assert_array_equal(strips, whole)
    coarse = guided_transfer(photo, (0, 0, 256, 256), frames,
                             config=GuidedConfig(working_pixels=100 * 100))
    assert psnr(coarse, whole) > 38  # the maps stretched from 100² (measured 43 dB)


def test_a_12_megapixel_photo_is_carried_in_bounded_memory():
    photo = cv2.resize(render(SEED, 256)[0], (4000, 3000), interpolation=cv2.INTER_LINEAR)
    frames = [shrink(photo), recolor(shrink(photo))]
    tracemalloc.start()
    try:
        result = guided_transfer(photo, (0, 0, 4000, 3000), frames)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The result (34 MB) plus bounded work: the working maps and chroma (56 MB at 1 MP), the
    # chroma's smoothing (about 40 MB at 1 MP) and strips. (Measured 119 MB of work.)
    assert peak < result.nbytes + 135 * 2**20
    assert psnr(result[::7, ::7], recolor(photo)[::7, ::7]) > 35


# --- spread ------------------------------------------------------------------------------------

def test_spread_carries_the_change_beyond_the_box_and_leaves_far_pixels_alone():
    wide = render(SEED, (128, 384))[0]
    box = (128, 0, 256, 128)
    frames = [shrink(wide[:, 128:256]), recolor(shrink(wide[:, 128:256]))]
    full = recolor(wide)
    near = guided_transfer(wide, box, frames, spread=0.5)  # 64 pixels
    assert psnr(near[:, 128:256], full[:, 128:256]) > 35
    assert psnr(near[:, 120:128], full[:, 120:128]) > 30  # just outside: nearly all of it
    np.testing.assert_array_equal(near[:, :64], wide[:, :64])  # beyond the spread: untouched
    np.testing.assert_array_equal(near[:, 320:], wide[:, 320:])
    steps = np.abs(np.diff(near.astype(int) - wide, axis=1)).mean(axis=(0, 2))
    assert steps[[127, 255]].max() < 2 * np.median(steps[64:320]) + 0.5  # no seam at the box
    inside = guided_transfer(wide, box, frames, spread=0)
    np.testing.assert_array_equal(inside[:, :128], wide[:, :128])
    np.testing.assert_array_equal(inside[:, 256:], wide[:, 256:])


# --- locality ------------------------------------------------------------------------------------

def test_locality_keeps_far_unpainted_pixels_unchanged():
    # Blue sky above green ground; the generator recolors everything; only the sky is painted.
    photo = two_tones((120, 160, 230), (60, 110, 40), 120, 4)
    frames = [shrink(photo), recolor(shrink(photo))]
    painted = np.zeros((MODEL, MODEL), np.float32)
    painted[4:12, 8:56] = 1
    result = guided_transfer(photo, (0, 0, 256, 256), frames, painted=painted)
    assert psnr(result[150:], photo[150:]) > 40  # the ground: as it was (measured 49 dB)
    full = recolor(photo)
    assert psnr(result[:110], full[:110]) > 30  # the whole sky, painted or not, changes
    everywhere = guided_transfer(photo, (0, 0, 256, 256), frames)
    assert psnr(everywhere[150:], photo[150:]) < 30  # without strokes the ground changes too


def test_stroke_weight_is_one_where_painted_and_on_alike_colors_and_small_elsewhere():
    picture = np.zeros((MODEL, MODEL, 3), np.float32)
    picture[:, :20] = (0.5, 0.7, 0.9)
    picture[:, 20:40] = (0.3, 0.5, 0.2)
    picture[:, 40:] = (0.52, 0.69, 0.91)  # the painted color again, far from the strokes
    painted = np.zeros((MODEL, MODEL), np.float32)
    painted[10:20, 2:10] = 1
    by_color = stroke_weight(painted, picture, LocalityConfig(distance=0))
    assert by_color[10:20, 2:10].min() == 1
    assert by_color[:, 44:].min() > 0.9 and by_color[:, 24:36].max() < 0.05
    assert np.array_equal(stroke_weight(np.zeros_like(painted), picture), np.ones_like(painted))
    # With the default fading, the alike color keeps less the farther it is from the strokes,
    # and still more than the unlike color between.
    weight = stroke_weight(painted, picture)
    assert weight[10:20, 2:10].min() == 1 and weight[:, 24:36].max() < 0.05
    assert 0.05 < weight[15, 63] < weight[15, 44] < by_color[15, 44]
    assert weight[15, 12:20].min() > 0.9  # the unpainted sky beside the stroke keeps it all


# --- motion and modes -----------------------------------------------------------------------------

def test_confident_motion_keeps_a_coherent_shift_and_drops_noise(photo):
    first = shrink(photo)
    shift = smooth_field(MODEL, 2.0, 0)
    moved, confidence = confident_motion([first, warp(first, shift)])
    inner = np.s_[8:-8, 8:-8]
    error = np.linalg.norm(moved.source - np.stack(np.mgrid[0:64, 0:64][::-1], -1) - shift,
                           axis=-1)
    assert np.median(error[inner]) < 0.5 and np.median(confidence[inner]) > 0.5
    # The same picture redrawn with noise is no motion: what survives the gate is small.
    rng = np.random.default_rng(5)
    noisy = np.clip(first + rng.normal(0, 25, first.shape), 0, 255).astype(np.uint8)
    still, _ = confident_motion([first, noisy])
    grid = np.stack(np.mgrid[0:64, 0:64][::-1], -1)
    assert np.percentile(np.linalg.norm(still.source - grid, axis=-1), 95) < 0.5


def test_color_mode_moves_nothing_and_both_follows_the_motion(photo):
    first = shrink(photo)
    shift = smooth_field(MODEL, 2.0, 0)
    frames = [first, warp(first, shift)]
    still = guided_transfer(photo, (0, 0, 256, 256), frames, "color")
    edges = cv2.Canny(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), 50, 150)
    assert (cv2.Canny(cv2.cvtColor(still, cv2.COLOR_RGB2GRAY), 50, 150) == edges).mean() > 0.97
    moved = guided_transfer(photo, (0, 0, 256, 256), frames, "both")
    truth = warp(photo, cv2.resize(shift * 4, (256, 256)))
    inner = np.s_[32:-32, 32:-32]
    assert psnr(moved[inner], truth[inner]) > psnr(still[inner], truth[inner]) + 3


@pytest.mark.parametrize("mode, shape, carried", [
    ("auto", False, "color"), ("auto", True, "both"), ("both", False, "both"),
    ("color", True, "color"), ("motion", False, "motion")])
def test_auto_carries_motion_only_when_the_strokes_ask_for_shape(mode, shape, carried):
    assert carried_mode(mode, shape) == carried


def test_bad_modes_are_refused(photo):
    with pytest.raises(ValueError, match="unknown transfer mode 'warp'"):
        carried_mode("warp", False)
    with pytest.raises(ValueError, match="unknown transfer mode 'auto'"):
        guided_transfer(photo, (0, 0, 256, 256), [shrink(photo)] * 2, "auto")
    with pytest.raises(ValueError, match="at least 2 frames"):
        guided_transfer(photo, (0, 0, 256, 256), [shrink(photo)])
