"""bench/fidelity_measures.py on synthetic pictures whose answer is known: no motion, a known
shift, a recolour without motion, blotches on a smooth sky, a stroke's colour half reached,
a change confined to the upper rows."""

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import fidelity_measures as fm

H, W = 480, 640


def texture(seed: int = 0, height: int = H, width: int = W) -> np.ndarray:
    """Smoothed colour noise: texture everywhere, features a few pixels across."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (height, width, 3)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), 2.0) * 3 - 255, 0, 255).astype(np.uint8)


def shifted(image: np.ndarray, dx: float, dy: float = 0.0) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, image.shape[1::-1], flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def sky(height: int = H, width: int = W) -> np.ndarray:
    """A smooth vertical gradient from deep to pale blue."""
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array([40, 90, 180], np.float32), np.array([170, 200, 235], np.float32)
    return np.broadcast_to(top + t * (bottom - top), (height, width, 3)).round().astype(np.uint8)


def test_an_unchanged_photo_has_no_displacement():
    photo = texture()
    assert fm.displacement(photo, photo) < 0.1


def test_a_jpeg_copy_has_no_displacement():
    photo = texture(6)
    _, data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert fm.displacement(photo, cv2.imdecode(data, cv2.IMREAD_UNCHANGED)) < 0.5


@pytest.mark.parametrize("shift", [(2.0, 0.0), (0.0, 4.0), (3.0, -3.0)])
def test_a_known_shift_measures_its_length(shift):
    photo = texture(1)
    length = float(np.hypot(*shift))
    assert fm.displacement(photo, shifted(photo, *shift)) == pytest.approx(length, rel=0.15)


def test_displacement_is_measured_at_640_px_width():
    # The same scene twice the size, shifted twice as far, moved as far at 640 px.
    photo = cv2.resize(texture(2), (2 * W, 2 * H), interpolation=cv2.INTER_CUBIC)
    assert fm.displacement(photo, shifted(photo, 6.0)) == pytest.approx(3.0, rel=0.15)


def test_a_recolour_without_motion_is_not_displacement():
    photo = texture(3)
    recoloured = np.clip(photo * 0.7 + np.array([60, 10, -20]), 0, 255).astype(np.uint8)
    assert fm.displacement(photo, recoloured) < 0.5


def test_motion_where_the_photo_is_flat_is_not_counted():
    photo = sky()
    assert not fm.textured(photo).any()
    assert np.isnan(fm.displacement(photo, shifted(photo, 5.0)))


def test_an_unchanged_sky_is_as_mottled_as_the_photo():
    photo = sky()
    mask = np.zeros((H, W), bool)
    mask[20:200, 40:600] = True
    assert fm.mottling(photo, photo, mask) == pytest.approx(1.0)


def test_a_smooth_recolour_is_not_mottling_but_blotches_are():
    photo = sky()
    mask = np.zeros((H, W), bool)
    mask[20:200, 40:600] = True
    smooth = photo.copy()
    smooth[mask] = np.clip(smooth[mask] * 0.5 + np.array([110, 60, 20]), 0, 255)
    # Blotches the size of model pixels stretched over the photo: 64 px colour noise, upscaled.
    rng = np.random.default_rng(4)
    blotches = cv2.resize(rng.normal(0, 12, (48, 64, 3)).astype(np.float32), (W, H),
                          interpolation=cv2.INTER_LINEAR)
    mottled = smooth.copy()
    mottled[mask] = np.clip(smooth[mask] + blotches[mask], 0, 255)
    assert fm.mottling(photo, smooth, mask) < 1.1
    assert fm.mottling(photo, mottled, mask) > 1.5


def test_the_painted_edge_is_not_mottling():
    # A recolour that stops sharply at the mask's edge: the step lies outside the eroded area.
    photo = sky()
    mask = np.zeros((H, W), bool)
    mask[100:300, 100:500] = True
    result = photo.copy()
    result[mask] = (230, 120, 40)
    assert fm.mottling(photo, result, mask) < 1.1


def test_reach_is_the_fraction_of_the_way_to_the_colour_asked_for():
    photo = sky()
    mask = np.zeros((H, W), bool)
    mask[:150] = True
    colors = np.zeros_like(photo)
    colors[mask] = (235, 130, 50)
    reached = photo.copy()
    reached[mask] = colors[mask]
    assert fm.reach(photo, photo, mask, colors) == pytest.approx(0.0, abs=1e-6)
    assert fm.reach(photo, reached, mask, colors) == pytest.approx(1.0, abs=1e-3)
    # Half way in Lab: the blend in Lab, converted back, closes about half the distance.
    lab = fm.to_lab(photo)
    half = lab.copy()
    half[mask] = 0.5 * (lab[mask] + fm.to_lab(colors)[mask])
    halfway = np.clip(cv2.cvtColor(half, cv2.COLOR_LAB2RGB) * 255 + 0.5, 0, 255).astype(np.uint8)
    assert fm.reach(photo, halfway, mask, colors) == pytest.approx(0.5, abs=0.03)
    away = photo.copy()
    away[mask] = (0, 0, 120)
    assert fm.reach(photo, away, mask, colors) < 0


def test_spill_reads_only_the_rows_far_from_the_sky():
    photo = texture(5)
    result = photo.copy()
    result[: int(0.6 * H)] = 255 - result[: int(0.6 * H)]  # everything above the lower 40%
    assert fm.spill(photo, result) == float("inf")
    noisy = photo.astype(np.float64)
    noisy[int(0.6 * H):] += 255 / 10 ** (30 / 20)  # an offset with PSNR 30 dB exactly
    assert fm.spill(photo, noisy.round().clip(0, 255).astype(np.uint8)) == pytest.approx(
        30, abs=0.2)
    upper = fm.spill(photo, result, rows=(0.0, 0.5))
    assert upper < 15 and upper == pytest.approx(fm.psnr(photo[:H // 2], result[:H // 2]))


# --- bench/fidelity.py: the pipeline it asks apply_edit for, and its summary rows ------------

def test_the_pipeline_passes_apply_edit_only_what_it_accepts():
    import inspect

    import fidelity

    from igan_app.engine.strokes import StrokeSet
    from igan_app.engine.tuning import TuningConfig
    from igan_app.journeys.edit import apply_edit

    params = inspect.signature(apply_edit).parameters
    defaults = fidelity.resolve(None, None, None)
    assert defaults.tune_steps == TuningConfig().steps
    assert defaults.mode == params["mode"].default
    before = fidelity.resolve(*fidelity.BEFORE)
    assert (before.tune_steps, before.mode, before.transfer) == (0, "both", "field")
    options = fidelity.edit_options(before, StrokeSet((10, 10)))
    assert set(options) <= set(params) and options["mode"] == "both"
    if "transfer" in params:
        assert options["transfer"] == "field" and "strokes" in options
    else:  # before the guided transfer lands: its one transfer is the field
        assert defaults.transfer == "field"
        with pytest.raises(SystemExit, match="only the field"):
            fidelity.resolve(0, None, "guided")


def test_the_summary_gives_medians_and_the_worst_case_of_each_measure():
    import fidelity

    pipeline = fidelity.Pipeline(0, "both", "field")
    runs = []
    for i, (shift, spilled) in enumerate([(1.0, 30.0), (3.0, 20.0), (8.0, 25.0)]):
        run = fidelity.PhotoRun(f"{i}.jpg", {"projection_psnr": 12.0 + i,
                                             "projection_features": None})
        run.pipelines[pipeline.label] = {"edits": {
            "sky": {"displacement": shift, "mottling": 1.0 + i / 10, "reach": 0.3 - i / 10,
                    "spill": spilled, "edit_seconds": 1.0, "transfer_seconds": 0.1},
            "ground": {"displacement": float("nan"), "mottling": 1.0, "reach": 0.5,
                       "spill": float("inf"), "edit_seconds": 1.0, "transfer_seconds": 0.1}}}
        runs.append(run)
    rows = dict(fidelity.summary(runs, pipeline))
    by = {what.split(": ", 1)[1].split(" (")[0].split(",")[0]: result
          for what, result in rows.items()}
    assert by["projection PSNR at model resolution"].startswith(
        "after projection median 13.0 dB, worst 12.0 dB")
    # The ground's NaN (no texture) is left out: the median of 1, 3, 8 px.
    assert "median 3.0 px, worst 8.0 px" in by["displacement of textured pixels"]
    assert "sky median 1.10, worst 1.20" in by["chroma mottling in the painted area"]
    assert "sky median 0.20, worst 0.10" in by["reach towards the stroke colour"]
    assert "sky painted median 25.0 dB, worst 20.0 dB" in by["spill"]


def test_chroma_spread_is_what_mottling_divides_and_says_how_much_there_is():
    from fidelity_measures import MOTTLE_FLOOR, chroma_spread, mottling

    rng = np.random.default_rng(0)
    photo = np.full((120, 160, 3), (20, 20, 20), np.uint8)  # near black: almost no chroma
    noisy = np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)
    mask = np.ones(photo.shape[:2], bool)
    before, after = chroma_spread(photo, noisy, mask)
    assert before == 0 and after > 0.3
    assert mottling(photo, noisy, mask) == pytest.approx((after + MOTTLE_FLOOR) / MOTTLE_FLOOR)
    assert chroma_spread(photo, photo, mask) == (0.0, 0.0)


def test_the_uniform_recolour_keeps_the_lightness_and_shifts_the_chroma_as_one():
    photo = sky(120, 160)
    mask = np.zeros(photo.shape[:2], bool)
    mask[20:100, 30:130] = True
    # A result whose painted area is warmer and brighter, with blotches on top.
    rng = np.random.default_rng(6)
    blotches = cv2.resize(rng.normal(0, 10, (12, 16, 3)).astype(np.float32), (160, 120))
    result = photo.astype(np.float32)
    result[mask] = result[mask] * 0.8 + (60, 30, 0) + blotches[mask]
    result = np.clip(result, 0, 255).astype(np.uint8)
    uniform = fm.uniform_recolour(photo, result, mask)
    np.testing.assert_array_equal(uniform[~mask], result[~mask])
    lab_photo, lab_result, lab_uniform = (fm.to_lab(x)[mask] for x in (photo, result, uniform))
    in_gamut = np.abs(lab_uniform[:, 0] - lab_result[:, 0]) < 1.5  # (out of gamut: clipped)
    assert in_gamut.mean() > 0.9
    shift = lab_uniform[in_gamut, 1:] - lab_photo[in_gamut, 1:]
    assert shift.std(axis=0).max() < 1.5  # one shift for the whole area
    np.testing.assert_allclose(shift.mean(axis=0),
                               (lab_result[:, 1:] - lab_photo[:, 1:]).mean(axis=0), atol=2)
    # (measured 1.21: 8-bit rounding alone; the blotched result 1.78)
    assert fm.mottling(photo, uniform, mask) < 1.35
    assert fm.mottling(photo, result, mask) > 1.6
