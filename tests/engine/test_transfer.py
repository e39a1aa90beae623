"""Edit transfer: flow, local color model, accumulation, full-resolution application, pasting.

Ground truth comes from rendered world scenes moved by known smooth displacements and recolored
by known affine maps; the photo is the same scene rendered at 4× the model's resolution.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from known_motion import psnr, recolor, shrink, smooth_field, warp

from igan_app.engine import edit_field as edit_field_module
from igan_app.engine import spread as spread_module
from igan_app.engine.flow import (
    apply_affine,
    estimate_flow,
    fit_local_affine,
    invert_positions,
    pixel_grid,
)
from igan_app.engine.transfer import (
    MODES,
    EditField,
    accumulate,
    apply_field,
    apply_to_photo,
    paste_region,
    transfer,
)
from igan_app.world.render import render

SEED = 10_000_003
MODEL = 64
PHOTO = 256
INNER = np.s_[16:-16, 16:-16]  # photo pixels away from the borders (4 model pixels)


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
    monkeypatch.setattr(edit_field_module, "STRIP_BYTES", 7 * PHOTO * 48)  # 7-row strips
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


# --- beyond the box -----------------------------------------------------------------------------

WIDE_BOX = (128, 0, 256, 128)  # the centre square of a 384×128 photo: 128 pixels on each side


@pytest.fixture(scope="module")
def wide_photo() -> np.ndarray:
    return render(SEED, (128, 384))[0]


@pytest.fixture(scope="module")
def recolored_frames(wide_photo) -> list[np.ndarray]:
    region = wide_photo[:, 128:256]
    return [shrink(region), recolor(shrink(region))]


def share_of_change(result: np.ndarray, photo: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Per column, how much of the change photo → full `result` made (least squares fit)."""
    done, whole = result.astype(float) - photo, full.astype(float) - photo
    return (done * whole).sum(axis=(0, 2)) / (whole * whole).sum(axis=(0, 2))


def change_steps(result: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Per column x, |change(x + 1) − change(x)| averaged over the rows and channels."""
    return np.abs(np.diff(result.astype(int) - photo, axis=1)).mean(axis=(0, 2))


@pytest.mark.parametrize("mode", ["color", "both"])
def test_spread_carries_a_global_color_change_beyond_the_box_fading_with_distance(
        wide_photo, recolored_frames, mode):
    result = transfer(wide_photo, WIDE_BOX, recolored_frames, mode, spread=1.0)  # 128 pixels
    share = share_of_change(result, wide_photo, recolor(wide_photo))
    assert share[128:256].min() > 0.97  # the box: all of it (measured 0.99)
    assert share[[126, 127, 256, 257]].min() > 0.95  # just outside: nearly all (0.98-0.99)
    assert 0.2 < share[64] < 0.8 and 0.2 < share[320] < 0.8  # half way out (0.45)
    assert share[[0, 383]].max() < 0.01  # the spread distance away: none
    # Less and less with distance, in bins of 4 columns (measured: never up by over 0.001).
    left, right = share[:128].reshape(-1, 4).mean(1), share[256:].reshape(-1, 4).mean(1)
    assert np.diff(left).min() > -0.005 and np.diff(right).max() < 0.005


@pytest.mark.parametrize("mode", ["color", "both"])
def test_spread_leaves_no_seam_at_the_box_edge(wide_photo, recolored_frames, mode):
    region = wide_photo[:, 128:256]
    size = np.abs(recolor(region).astype(int) - region).mean()  # the change: about 9 levels
    steps = change_steps(transfer(wide_photo, WIDE_BOX, recolored_frames, mode, spread=1.0),
                         wide_photo)
    at_edges, elsewhere = steps[[127, 255]], np.delete(steps, [127, 255])
    # measured: 0.1-0.2 across the box's edges, at most 0.3-0.4 between other columns
    assert at_edges.max() <= elsewhere.max() < 0.08 * size
    # Without the spread, the change stops at the box: in one step with no feather, over a few
    # columns with the default feather (measured 1.0 and 0.27 of the change per column).
    hard = transfer(wide_photo, WIDE_BOX, recolored_frames, mode, spread=0, feather=0)
    assert change_steps(hard, wide_photo)[[127, 255]].min() > 0.8 * size
    feathered = transfer(wide_photo, WIDE_BOX, recolored_frames, mode, spread=0)
    assert change_steps(feathered, wide_photo).max() > 0.2 * size


def test_spread_fades_the_motion_outside_the_box_without_tearing():
    # Red is the column and green the row, so each pixel's color says where its content came from.
    photo = np.zeros((96, 256, 3), np.uint8)
    photo[..., 0] = np.arange(256)
    photo[..., 1] = np.arange(96)[:, None]
    photo[..., 2] = 128
    box = (80, 0, 176, 96)  # 1.5 photo pixels a model pixel
    # Every pixel's content came from 8 model pixels to its right: 12 photo pixels.
    field = EditField(pixel_grid(MODEL, MODEL) + np.float32([8, 0]),
                      EditField.identity(MODEL, MODEL).color)
    result = apply_to_photo(photo, box, field, "motion", spread=0.5)  # over 48 pixels
    came_from = result[..., 0].astype(int) - photo[..., 0]
    np.testing.assert_array_equal(came_from, np.broadcast_to(came_from[:1], came_from.shape))
    np.testing.assert_array_equal(result[..., 1:], photo[..., 1:])  # nothing moved vertically
    row = came_from[0]
    # The box moves by all 12, up to its right edge: what comes in there is the photo beyond it.
    np.testing.assert_array_equal(row[80:176], 12)
    for outward in (row[:80][::-1], row[176:]):
        assert 10 <= outward[0] <= 12  # just outside, most of the motion (measured 12)
        # then less and less, by at most a pixel from one pixel to the next (no tearing), and
        # none from the spread distance on
        assert np.all(np.diff(outward) <= 0) and np.all(np.diff(outward) >= -1)
        assert outward[24] < 12 and np.all(outward[48:] == 0)


def test_pixels_farther_than_the_spread_are_left_alone():
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (200, 400, 3), np.uint8)
    box = (150, 50, 250, 150)
    noise = rng.normal(0, 0.1, (MODEL, MODEL, 3, 4)).astype(np.float32)
    field = EditField(pixel_grid(MODEL, MODEL) + rng.normal(0, 1.5, (MODEL, MODEL, 2)),
                      EditField.identity(MODEL, MODEL).color + noise)
    ys, xs = np.mgrid[0:200, 0:400]
    distance = np.hypot(np.maximum(0, np.maximum(150 - xs, xs - 249)),
                        np.maximum(0, np.maximum(50 - ys, ys - 149)))
    for mode in MODES:
        changed = np.any(apply_to_photo(photo, box, field, mode, spread=0.3) != photo, axis=-1)
        assert 20 < distance[changed].max() <= 30  # 0.3 of the box's 100 pixels


def test_without_spread_nothing_outside_the_box_changes(wide_photo, recolored_frames):
    result = transfer(wide_photo, WIDE_BOX, recolored_frames, spread=0, feather=8)
    np.testing.assert_array_equal(result[:, :128], wide_photo[:, :128])
    np.testing.assert_array_equal(result[:, 256:], wide_photo[:, 256:])
    share = share_of_change(result, wide_photo, recolor(wide_photo))
    assert share[136:248].min() > 0.97 and share[[128, 255]].max() < 0.2  # faded in the box


def test_the_spread_leaves_the_box_as_apply_field_makes_it(wide_photo, recolored_frames):
    *_, field = accumulate(recolored_frames)
    spread = apply_to_photo(wide_photo, WIDE_BOX, field, "color", spread=1.0)[:, 128:256]
    alone = apply_field(wide_photo[:, 128:256], field, "color")
    assert np.abs(spread.astype(int) - alone).max() <= 1


def test_spread_strips_give_the_same_result_as_one_piece(wide_photo, shift, monkeypatch):
    region = wide_photo[:, 128:256]
    *_, field = accumulate([shrink(region), recolor(warp(shrink(region), shift))])
    for mode in MODES:
        whole = apply_to_photo(wide_photo, WIDE_BOX, field, mode)
        with monkeypatch.context() as patch:
            patch.setattr(spread_module, "STRIP_BYTES", 7 * 384 * 48)  # 7-row strips
            np.testing.assert_array_equal(apply_to_photo(wide_photo, WIDE_BOX, field, mode),
                                          whole)


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
    (lambda f, p: transfer(p, (0, 0, 64, 64), [f, f], spread=-0.5), "spread"),
    (lambda f, p: apply_to_photo(p, (0, 0, 64, 64), EditField.identity(8, 8), "style"),
     "both, color, motion"),
    (lambda f, p: fit_local_affine(f[..., :2], f[..., :2]), "(h, w, 3)"),
])
def test_bad_input_raises_a_clear_value_error(photo, call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(shrink(photo), photo)
