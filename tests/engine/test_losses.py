"""Image distances: pixel MSE, PSNR, VGG feature distance and iGAN's reconstruction loss."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from igan_app.engine import losses
from igan_app.engine.losses import feature_distance, pixel_distance, psnr, reconstruction_loss
from igan_app.zoo.vgg import VGG16Features

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def features():
    torch.manual_seed(0)
    return VGG16Features("relu3_3").eval().requires_grad_(False)


def _images(seed: int, n: int = 2, side: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, side, side, generator=g) * 2 - 1


def test_pixel_distance_and_psnr_of_constant_differences():
    a = torch.zeros(3, 3, 8, 8)
    d = torch.tensor([0.5, 0.1, 2.0])
    b = a + d.view(3, 1, 1, 1)
    torch.testing.assert_close(pixel_distance(a, b), d**2)
    torch.testing.assert_close(pixel_distance(b, a), d**2)
    # Peak-to-peak 2 in [-1, 1]: PSNR = 10·log10(2² / MSE).
    expected = torch.tensor([10 * math.log10(4 / x**2) for x in d.tolist()])
    torch.testing.assert_close(psnr(a, b), expected)
    assert psnr(a, b)[2].item() == pytest.approx(0.0, abs=1e-5)  # d = 2 is the full range


def test_pixel_distance_is_per_image_mean():
    a = torch.zeros(2, 3, 4, 4)
    b = a.clone()
    b[0, 0, 0, 0] = 1.0  # one pixel of 48 differs by 1
    torch.testing.assert_close(pixel_distance(a, b), torch.tensor([1 / 48, 0.0]))


def test_psnr_of_identical_images_is_finite_and_high():
    a = _images(0)
    value = psnr(a, a)
    assert torch.isfinite(value).all()
    torch.testing.assert_close(value, torch.full((2,), 10 * math.log10(4 / 1e-12)))


def test_feature_distance_is_zero_for_identical_and_positive_otherwise(features):
    a, b = _images(1), _images(2)
    same = feature_distance(features, a, a)
    assert same.shape == (2,)
    assert torch.equal(same, torch.zeros(2))
    mixed = b.clone()
    mixed[0] = a[0]  # the first pair identical, the second not
    distance = feature_distance(features, a, mixed)
    assert distance[0].item() == 0.0
    assert distance[1].item() > 0.0
    torch.testing.assert_close(feature_distance(features, mixed, a), distance)


def test_feature_distance_upscales_small_images_to_64(features):
    a, b = _images(3), _images(4)
    up = lambda x: F.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False)
    (fa,), (fb,) = features(up(a), ("relu3_3",)), features(up(b), ("relu3_3",))
    expected = (fa - fb).pow(2).flatten(1).mean(1)
    torch.testing.assert_close(feature_distance(features, a, b), expected)
    # 64 px and above are used as they are.
    a64, b64 = _images(5, side=64), _images(6, side=64)
    (fa,), (fb,) = features(a64, ("relu3_3",)), features(b64, ("relu3_3",))
    torch.testing.assert_close(feature_distance(features, a64, b64),
                               (fa - fb).pow(2).flatten(1).mean(1))


def test_feature_distance_averages_over_taps(features):
    a, b = _images(7), _images(8)
    one = feature_distance(features, a, b, ("relu1_2",))
    three = feature_distance(features, a, b, ("relu3_3",))
    both = feature_distance(features, a, b, ("relu1_2", "relu3_3"))
    torch.testing.assert_close(both, (one + three) / 2)


def test_reconstruction_loss_is_pixel_plus_weighted_feature(features):
    a, b = _images(9), _images(10)
    pixel, feature = pixel_distance(a, b), feature_distance(features, a, b)
    torch.testing.assert_close(reconstruction_loss(features, a, b, 0.3), pixel + 0.3 * feature)
    torch.testing.assert_close(reconstruction_loss(features, a, b),
                               pixel + losses.FEATURE_WEIGHT * feature)
    torch.testing.assert_close(reconstruction_loss(None, a, b), pixel)
    torch.testing.assert_close(reconstruction_loss(features, a, b, 0.0), pixel)
    assert (feature > 0).all()  # so that the weighted sums above are not trivially equal


def test_reconstruction_loss_has_gradients(features):
    a, b = _images(11), _images(12).requires_grad_(True)
    reconstruction_loss(features, a, b).sum().backward()
    assert b.grad is not None and b.grad.abs().sum() > 0
