"""Edit transfer: flow, local color model, accumulation, full-resolution application, pasting.

Ground truth comes from rendered world scenes moved by known smooth displacements and recolored
by known affine maps; the photo is the same scene rendered at 4× the model's resolution.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from igan_app.engine import transfer as transfer_module
from igan_app.engine.flow import (
    apply_affine,
    estimate_flow,
    fit_local_affine,
    invert_positions,
    pixel_grid,
)
from igan_app.engine.transfer import (
    EditField,
    accumulate,
    apply_field,
    paste_region,
    transfer,
)
from igan_app.world.render import render

SEED = 10_000_003
MODEL = 64
PHOTO = 256
INNER = np.s_[16:-16, 16:-16]  # photo pixels away from the borders (4 model pixels)
# Rows: output R, G, B; columns: input R, G, B and an offset, colors in [0, 1].
COLOR = np.array([[0.8, 0.15, 0.0, 0.05], [0.05, 0.9, 0.0, 0.0], [0.0, 0.1, 0.75, 0.1]],
                 np.float32)


def smooth_field(size: int, peak: float, seed: int) -> np.ndarray:
    """(size, size, 2) float32 sum of sinusoids, each component within ±peak pixels."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    field = np.zeros((size, size, 2), np.float32)
    for axis in range(2):
        for _ in range(2):
            fx, fy = rng.uniform(0.5, 1.5, 2) * 2 * np.pi / size
            field[..., axis] += peak / 2 * np.sin(fx * xs + fy * ys + rng.uniform(0, 2 * np.pi))
    return field


def warp(image: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """image read at x + shift(x): the true backward flow of the result is `shift`."""
    positions = pixel_grid(*shift.shape[:2]) + shift
    return cv2.remap(image, positions[..., 0], positions[..., 1], cv2.INTER_CUBIC,
                     borderMode=cv2.BORDER_REFLECT)


def recolor(image: np.ndarray, matrix: np.ndarray = COLOR) -> np.ndarray:
    colors = image.astype(np.float32) / 255 @ matrix[:, :3].T + matrix[:, 3]
    return np.clip(np.rint(colors * 255), 0, 255).astype(np.uint8)


def shrink(photo: np.ndarray, size: int = MODEL) -> np.ndarray:
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return render(SEED, PHOTO)[0]


@pytest.fixture(scope="module")
def shift() -> np.ndarray:
    return smooth_field(MODEL, 2.0, 0)


# --- flow ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "bound"), [("dis", 0.3), ("farneback", 1.0)])
def test_flow_recovers_a_known_smooth_displacement(photo, shift, method, bound):
    first = shrink(photo)
    flow = estimate_flow(first, warp(first, shift), method)
    assert flow.shape == (MODEL, MODEL, 2) and flow.dtype == np.float32
    error = np.linalg.norm(flow - shift, axis=-1)[4:-4, 4:-4].mean()
    assert error < bound  # measured: dis 0.18, farneback 0.75 px


def test_flow_of_identical_frames_is_zero(photo):
    first = shrink(photo)
    assert np.abs(estimate_flow(first, first)).max() < 0.05


# --- color model --------------------------------------------------------------------------------

def test_local_affine_recovers_a_global_color_map(photo):
    src = shrink(photo).astype(np.float32) / 255
    dst = recolor(shrink(photo)).astype(np.float32) / 255
    coeffs = fit_local_affine(src, dst)
    assert coeffs.shape == (MODEL, MODEL, 3, 4) and coeffs.dtype == np.float32
    assert np.abs(apply_affine(coeffs, src) - dst).mean() < 2e-3
    # Identical colors give the identity map exactly: the ridge pulls towards it, not towards 0.
    identity = fit_local_affine(src, src)
    np.testing.assert_allclose(identity, np.broadcast_to(np.eye(3, 4), identity.shape), atol=1e-6)


# --- accumulation -------------------------------------------------------------------------------

@pytest.mark.parametrize("refine", [True, False])
def test_accumulate_yields_one_field_per_step_and_follows_the_motion(photo, shift, refine):
    first = shrink(photo)
    frames = [warp(first, shift * t / 4) for t in range(5)]
    fields = list(accumulate(frames, refine=refine))
    assert len(fields) == 4 and all(isinstance(f, EditField) for f in fields)
    for t, field in enumerate(fields, start=1):
        error = np.linalg.norm(field.source - pixel_grid(MODEL, MODEL) - shift * t / 4, axis=-1)
        # measured at the last step: 0.13 px refined, 0.21 px chained only
        assert error[4:-4, 4:-4].mean() < 0.3


def test_inverse_positions_undo_the_source_map(shift):
    source = pixel_grid(MODEL, MODEL) + shift
    forward = invert_positions(source)
    back = cv2.remap(source, forward[..., 0], forward[..., 1], cv2.INTER_LINEAR)
    assert np.abs(back - pixel_grid(MODEL, MODEL))[4:-4, 4:-4].max() < 0.05


# --- application at full resolution -------------------------------------------------------------

def test_motion_transfer_matches_the_photo_moved_by_the_true_displacement(photo, shift):
    frames = [shrink(photo), warp(shrink(photo), shift)]
    result = transfer(photo, (0, 0, PHOTO, PHOTO), frames, mode="motion")
    scale = PHOTO / MODEL
    truth = warp(photo, cv2.resize(shift * scale, (PHOTO, PHOTO)))
    assert psnr(result[INNER], truth[INNER]) > 36  # measured 39.5 dB
    assert psnr(photo[INNER], truth[INNER]) < 26  # not moving at all: 23.0 dB


@pytest.mark.parametrize(("mode", "bound"), [("color", 48), ("both", 45)])
def test_global_color_change_is_carried_onto_the_photo(photo, mode, bound):
    frames = [shrink(photo), recolor(shrink(photo))]
    result = transfer(photo, (0, 0, PHOTO, PHOTO), frames, mode=mode)
    assert psnr(result, recolor(photo)) > bound  # measured: color 53.9, both 51.6 dB


def test_identical_frames_give_the_photo_back():
    photo = render(SEED + 1, 200)[0]
    box = (30, 20, 190, 180)
    region = photo[20:180, 30:190]
    frames = [shrink(region)] * 3
    for mode in ("both", "color", "motion"):
        result = transfer(photo, box, frames, mode=mode)
        assert np.abs(result.astype(int) - photo).max() <= 1


def test_a_known_field_maps_model_pixels_onto_a_non_square_region():
    region = np.random.default_rng(0).integers(0, 256, (128, 256, 3), np.uint8)
    # Every pixel's content came from 1 model pixel to its right and 0.5 below: in this 256×128
    # region a model pixel is 4 photo pixels wide and 2 high, so the photo moves by (4, 1).
    source = pixel_grid(MODEL, MODEL) + np.float32([1.0, 0.5])
    field = EditField(source, EditField.identity(MODEL, MODEL).color)
    result = apply_field(region, field, "motion")
    np.testing.assert_array_equal(result[:-1, :-4], region[1:, 4:])


def test_strips_give_the_same_result_as_one_piece(photo, shift, monkeypatch):
    frames = [shrink(photo), recolor(warp(shrink(photo), shift))]
    *_, field = accumulate(frames)
    whole = apply_field(photo, field)
    monkeypatch.setattr(transfer_module, "STRIP_BYTES", 7 * PHOTO * 48)  # 7-row strips
    np.testing.assert_array_equal(apply_field(photo, field), whole)


def test_color_in_place_reads_the_color_where_the_content_went():
    # Content moved 4 pixels to the right; the color change brightens what is at x >= 36 now,
    # which came from x >= 32 in frame 0: in place, the change must start at x = 32.
    source = pixel_grid(MODEL, MODEL) - np.float32([4.0, 0.0])
    color = EditField.identity(MODEL, MODEL).color.copy()
    color[:, 36:, :, 3] = 0.2
    in_place = EditField(source, color).color_in_place()
    offset = in_place[MODEL // 2, :, 0, 3]
    assert np.all(offset[34:60] > 0.19) and np.all(offset[:30] < 0.01)


def test_color_mode_keeps_edges_and_motion_mode_keeps_colors():
    # A textured left half and a flat right half; the frames move everything 3 model pixels
    # to the right and recolor it.
    rng = np.random.default_rng(1)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (PHOTO, PHOTO, 3)).astype(np.float32), (0, 0), 6)
    photo = np.empty((PHOTO, PHOTO, 3), np.uint8)
    photo[:, : PHOTO // 2] = np.clip(60 + (texture[:, : PHOTO // 2] - 128) * 3, 0, 255)
    photo[:, PHOTO // 2 :] = (200, 170, 90)
    moved = np.float32([-3.0, 0.0]) * np.ones((MODEL, MODEL, 1), np.float32)
    frames = [shrink(photo), recolor(warp(shrink(photo), moved))]
    edge = PHOTO // 2

    def edge_column(image: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        jump = np.abs(np.diff(gray[40:-40, edge - 40 : edge + 40], axis=1))
        return np.median(np.argmax(jump, axis=1)) + edge - 40 + 1

    in_place = transfer(photo, (0, 0, PHOTO, PHOTO), frames, mode="color")
    assert abs(edge_column(in_place) - edge) <= 1
    assert psnr(in_place[INNER], recolor(photo)[INNER]) > 45  # measured 52.5 dB
    only_moved = transfer(photo, (0, 0, PHOTO, PHOTO), frames, mode="motion")
    assert abs(edge_column(only_moved) - (edge + 12)) <= 2  # 3 model pixels are 12 photo pixels
    flat = only_moved[40:-40, edge + 40 :]
    np.testing.assert_array_equal(flat, np.broadcast_to(np.uint8([200, 170, 90]), flat.shape))


# --- pasting ------------------------------------------------------------------------------------

def test_paste_region_changes_nothing_outside_the_box_and_fades_inside():
    rng = np.random.default_rng(2)
    photo = rng.integers(0, 256, (120, 160, 3), np.uint8)
    result = np.full((60, 100, 3), 255, np.uint8)
    box = (30, 40, 130, 100)
    pasted = paste_region(photo, box, result, feather=10)
    outside = np.ones(photo.shape[:2], bool)
    outside[40:100, 30:130] = False
    np.testing.assert_array_equal(pasted[outside], photo[outside])
    np.testing.assert_array_equal(pasted[50:90, 40:120], 255)  # past the feather: the result
    band = pasted[40:100, 30:130][:, 0].astype(int)  # first column: mostly the photo still
    assert np.all(band < 255) and np.all(band >= photo[40:100, 30].astype(int))
    hard = paste_region(photo, box, result, feather=0)
    np.testing.assert_array_equal(hard[40:100, 30:130], 255)


def test_paste_region_does_not_fade_at_the_photo_border():
    photo = np.zeros((50, 80, 3), np.uint8)
    pasted = paste_region(photo, (0, 0, 40, 50), np.full((50, 40, 3), 200, np.uint8), feather=8)
    np.testing.assert_array_equal(pasted[:, :30], 200)  # left, top and bottom sides are borders
    assert pasted[25, 39, 0] < 200 and np.all(pasted[:, 40:] == 0)


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda f, p: accumulate([f]), "at least 2 frames"),
    (lambda f, p: accumulate([]), "at least 2 frames"),
    (lambda f, p: accumulate([f, f[:32]]), "all frames must match"),
    (lambda f, p: accumulate([f, f.astype(np.float32)]), "uint8"),
    (lambda f, p: accumulate([f, f[..., 0]]), "shape"),
    (lambda f, p: accumulate([f, f], method="lucas"), "dis, farneback"),
    (lambda f, p: estimate_flow(f, f[:32]), "differ in size"),
    (lambda f, p: transfer(p, (0, 0, 10, 10), [f, f], mode="style"), "both, color, motion"),
    (lambda f, p: transfer(p, (0, 0, 300, 10), [f, f]), "not inside"),
    (lambda f, p: paste_region(p, (0, 0, 10, 10), f), "the box"),
    (lambda f, p: paste_region(p, (0, 0, 64, 64), f, feather=-1), "feather"),
    (lambda f, p: transfer(p, (0, 0, 64, 64), [f, f], feather=-1), "feather"),
    (lambda f, p: fit_local_affine(f[..., :2], f[..., :2]), "(h, w, 3)"),
])
def test_bad_input_raises_a_clear_value_error(photo, call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(shrink(photo), photo)
