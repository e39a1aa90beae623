"""The morph journey driven directly, as `igan morph` and the GUI's morph view drive it, on the
shipped landscape manifold: the generator is tuned on both photos by default (progress counted
into one total), the path then starts and ends at the photos' pictures, the ends of the morph
are the photos; with 0 tuning steps the path is the shipped generator's, as before."""

from __future__ import annotations

import numpy as np
import pytest

from igan_app.engine.frame import Frame, resize_square
from igan_app.engine.projection import ProjectionConfig
from igan_app.engine.tuning import TuningConfig
from igan_app.journeys.edit import render_between
from igan_app.journeys.models import ModelCache, Progress
from igan_app.journeys.morph import Morphed, morphing
from igan_app.world.render import render

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ENCODER = ProjectionConfig(method="encoder")


@pytest.fixture(scope="module")
def photos():
    return render(21, (96, 128))[0], render(22, (80, 80))[0]


@pytest.fixture(scope="module")
def cache():
    return ModelCache()


def run(cache, photos, tuning):
    steps = list(morphing(cache, "landscape64", "cpu", *photos, frames=5, size=96,
                          projection=ENCODER, tuning=tuning))
    *progress, result = steps
    assert isinstance(result, Morphed) and all(isinstance(p, Progress) for p in progress)
    done = [p.done for p in progress]
    assert done == sorted(done) and {p.total for p in progress} == {progress[-1].total}
    assert done[-1] == progress[-1].total
    return progress, result


def squares(photos, side):
    """Each photo's largest centred square (what the journey projects) at side²."""
    out = []
    for photo in photos:
        left, top, right, bottom = Frame.centre(photo.shape[:2], 64).box
        out.append(resize_square(photo[top:bottom, left:right], side))
    return out


def psnr(a, b):
    mse = ((a.astype(float) - b.astype(float)) ** 2).mean()
    return 10 * np.log10(255 ** 2 / mse)


def test_tuning_on_both_photos_brings_the_path_to_them(cache, photos):
    untuned_progress, untuned = run(cache, photos, TuningConfig(steps=0))
    tuned_progress, tuned = run(cache, photos, TuningConfig(steps=25, lr=1e-3))
    # 26 more steps counted: tune() yields the untouched copy, then one per Adam step.
    assert tuned_progress[-1].total == untuned_progress[-1].total + 26
    assert any("tuning" in p.what for p in tuned_progress)
    assert not any("tuning" in p.what for p in untuned_progress)
    assert untuned.tuned_psnr is None and tuned.tuned_psnr is not None
    crops = squares(photos, 64)
    for end, crop, reported in zip((0, -1), crops, tuned.tuned_psnr):
        before, after = psnr(untuned.generated[end], crop), psnr(tuned.generated[end], crop)
        assert after > before + 2, (before, after)
        assert abs(after - reported) < 0.5
    # Both ways, the morph's ends are the photos' squares.
    for result in (untuned, tuned):
        ends = squares(photos, 96)
        assert np.array_equal(result.frames[0], ends[0])
        assert np.array_equal(result.frames[-1], ends[1])


def test_no_tuning_keeps_the_shipped_generators_path(cache, photos):
    _, result = run(cache, photos, TuningConfig(steps=0))
    models = cache.manifold("landscape64", "cpu")
    # The path's ends are the shipped generator's pictures of the projections: re-rendering
    # between latents that draw them gives the same pictures.
    from igan_app.journeys.edit import projection

    latents = []
    for photo in photos:
        *_, last = projection(cache, "landscape64", "cpu", photo,
                              Frame.centre(photo.shape[:2], 64), ENCODER)
        latents.append(last.latent)
    expected = render_between(models, latents[0], latents[1], 5).images
    assert np.array_equal(np.stack(result.generated), expected)


def test_a_bad_blend_is_refused_before_any_work(cache, photos):
    with pytest.raises(ValueError, match="blend"):
        next(morphing(cache, "landscape64", "cpu", *photos, blend="smear"))
