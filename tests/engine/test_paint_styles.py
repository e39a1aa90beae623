"""Random styles: a seed draws a style from where the style encoder puts real scenes (the fitted
prior in the model's config.json), not from an N(0, I) the KL term never enforced."""

import json

import numpy as np
import pytest
import torch
from paint_models import SPADE_ARGS, save_spade

from igan_app.engine.paint import Painter, PaintError, StylePrior
from igan_app.zoo.checkpoint import load_checkpoint, save_checkpoint
from igan_app.zoo.spade import SpadeModel

Z = SPADE_ARGS["z_dim"]


def stretched_codes(n: int, seed: int = 0) -> np.ndarray:
    """Codes as a weakly regularised encoder leaves them: off-centre, long along two directions,
    short along the rest."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(Z, Z)))[0][:2]  # two orthonormal rows
    return 3.0 + rng.normal(size=(n, 2)) @ (np.diag([5.0, 2.0]) @ basis) \
        + 0.1 * rng.normal(size=(n, Z))


def draws(sample, n: int = 3000) -> np.ndarray:
    return np.concatenate([sample(s).cpu().numpy() for s in range(n)])


def test_the_fitted_prior_has_the_codes_mean_and_covariance():
    codes = stretched_codes(5000)
    prior = StylePrior.fit(codes, axes=2)
    drawn = draws(prior.sample)
    assert drawn.shape == (3000, Z) and drawn.dtype == np.float32
    assert np.abs(drawn.mean(0) - codes.mean(0)).max() < 0.4
    want, got = np.cov(codes.T), np.cov(drawn.T)
    assert np.abs(got - want).max() < 0.1 * np.abs(want).max()
    assert torch.equal(prior.sample(7), prior.sample(7))


def test_the_prior_survives_config_json():
    prior = StylePrior.fit(stretched_codes(500), axes=3)
    again = StylePrior.from_meta(json.loads(json.dumps(prior.to_meta())), Z)
    assert torch.allclose(prior.sample(3), again.sample(3), atol=1e-3)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    prior = StylePrior.fit(stretched_codes(2000), axes=2)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("m") / "styled"
    save_checkpoint(folder, SpadeModel(**SPADE_ARGS).eval(), kind="spade", args=SPADE_ARGS,
                    resolution=64, data="test", card="",
                    meta={"palette": "world", "style_prior": prior.to_meta()})
    return Painter.from_checkpoint(load_checkpoint(folder)), prior


def test_seeds_draw_from_the_models_fitted_prior(fitted):
    painter, prior = fitted
    assert torch.allclose(painter.seed_code(5), prior.sample(5), atol=1e-3)  # rounded in json
    codes = draws(painter.seed_code, 2000)
    # N(0, I) would centre on 0 with a spread of 1 in every direction.
    assert np.abs(codes.mean(0) - 3.0).max() < 0.4
    assert np.linalg.eigvalsh(np.cov(codes.T))[-1] > 15
    labels = np.random.default_rng(0).integers(0, 9, (64, 64)).astype(np.uint8)
    assert np.array_equal(painter.render(labels, seed=4), painter.render(labels, seed=4))


def test_without_a_fitted_prior_seeds_stay_standard_normal(tmp_path):
    painter = Painter.from_checkpoint(load_checkpoint(save_spade(tmp_path / "plain")))
    assert painter.style_prior is None
    codes = draws(painter.seed_code, 2000)
    assert np.abs(codes.mean(0)).max() < 0.15 and np.abs(codes.std(0) - 1).max() < 0.1


def test_a_broken_prior_is_refused_in_one_line_naming_the_file(tmp_path):
    folder = save_spade(tmp_path / "broken")
    config = json.loads((folder / "config.json").read_text())
    config["meta"]["style_prior"] = {"mean": [0.0] * (Z - 1), "axes": [], "spread": [1.0] * Z}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(PaintError) as caught:
        Painter.from_checkpoint(load_checkpoint(folder))
    message = str(caught.value)
    assert "\n" not in message and str(folder) in message and "style_prior" in message


def pairwise_spread(features, renders: list[list[np.ndarray]]) -> tuple[float, float]:
    """Renders [map][style] → mean pairwise (feature, pixel) distance among one map's renders."""
    from igan_app import imaging
    from igan_app.engine.losses import feature_distance

    feature, pixel = [], []
    for pictures in renders:
        for i in range(len(pictures)):
            for j in range(i):
                a, b = (imaging.to_tensor(pictures[k][None]) for k in (i, j))
                feature.append(float(feature_distance(features, a, b)[0]))
                pixel.append(float(np.abs(pictures[i].astype(np.float32) - pictures[j]).mean()))
    return float(np.mean(feature)), float(np.mean(pixel))


@pytest.mark.slow
@torch.no_grad()
def test_the_shipped_spade_seeds_vary_about_as_much_as_real_styles(tmp_path):
    from igan_app.world.dataset import HELD_OUT_SEED
    from igan_app.world.render import render
    from igan_app.zoo.registry import ModelRegistry

    registry = ModelRegistry(user_dir=tmp_path)  # the shipped files, nothing a user installed
    painter = Painter.from_checkpoint(registry.load("landscape-spade"), "landscape-spade")
    features = registry.load("vgg16-world").model
    maps = [render(HELD_OUT_SEED + 11 * i, 128)[1] for i in range(4)]
    others = [render(HELD_OUT_SEED + 500 + i, 128)[0] for i in range(6)]
    real_styles = [painter.style_code(picture) for picture in others]
    seeded, real = (pairwise_spread(features, [[painter.render(m, **how) for how in hows]
                                               for m in maps])
                    for hows in ([{"seed": s} for s in range(6)],
                                 [{"style": z} for z in real_styles]))
    # Draws from N(0, I) spread about a tenth as far as real styles (9 px apart on average).
    assert seeded[0] > 0.5 * real[0], (seeded, real)
    assert seeded[1] > 15, (seeded, real)
