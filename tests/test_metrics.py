import math

import numpy as np
import pytest
import torch
from skimage import data
from skimage.metrics import structural_similarity

from filmlite.evaluation.metrics import gaussian_window, psnr, ssim


def photo_pair(h=72, w=96, noise=0.05, seed=0):
    """A crop of scikit-image's astronaut photo (float64 HWC in [0, 1]) and a noisy copy of it."""
    clean = data.astronaut()[100 : 100 + h, 150 : 150 + w].astype(np.float64) / 255
    rng = np.random.default_rng(seed)
    noisy = np.clip(clean + rng.normal(0, noise, clean.shape), 0, 1)
    return noisy, clean


def chw(a: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))).to(dtype)


def skimage_ssim(a: np.ndarray, b: np.ndarray) -> float:
    return structural_similarity(
        a, b, channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0
    )


# ---- PSNR ------------------------------------------------------------------------------------------------------
def test_psnr_matches_numpy():
    pred, target = photo_pair()
    expected = 10 * math.log10(1.0 / np.mean((pred - target) ** 2))
    assert psnr(chw(pred), chw(target)).item() == pytest.approx(expected, abs=1e-4)


def test_psnr_of_a_known_error():
    target = torch.full((3, 16, 16), 0.5)
    assert psnr(target + 0.1, target).item() == pytest.approx(20.0, abs=1e-4)  # MSE 0.01 -> 20 dB


def test_psnr_of_identical_images_is_inf():
    x = torch.rand(2, 3, 8, 8)
    assert torch.isinf(psnr(x, x)).all() and (psnr(x, x) > 0).all()


def test_psnr_clips_the_prediction_first():
    target = torch.rand(1, 3, 12, 12)
    pred = target.clone()
    pred[..., :4, :4] = 1.7  # out of range, like raw network output
    np_pred = np.clip(pred.numpy(), 0, 1)
    expected = 10 * math.log10(1.0 / np.mean((np_pred - target.numpy()) ** 2))
    assert psnr(pred, target).item() == pytest.approx(expected, abs=1e-4)
    assert psnr(pred, target) == psnr(pred.clamp(0, 1), target)


# ---- SSIM ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("noise", [0.02, 0.1, 0.3])
def test_ssim_matches_scikit_image(noise):
    pred, target = photo_pair(noise=noise)
    expected = skimage_ssim(pred, target)
    assert ssim(chw(pred), chw(target)).item() == pytest.approx(expected, abs=1e-5)
    assert ssim(chw(pred, torch.float64), chw(target, torch.float64)).item() == pytest.approx(expected, abs=1e-10)


def test_ssim_matches_scikit_image_on_a_shifted_photo():
    image = data.chelsea()[:80, :100].astype(np.float64) / 255
    shifted = data.chelsea()[3:83, 2:102].astype(np.float64) / 255
    assert ssim(chw(image), chw(shifted)).item() == pytest.approx(skimage_ssim(image, shifted), abs=1e-5)


def test_ssim_of_constant_images_is_the_luminance_term():
    # No variance anywhere: the structure factor is C2 / C2 = 1, leaving (2ab + C1) / (a^2 + b^2 + C1).
    a, b, c1 = 0.3, 0.6, 0.01**2
    score = ssim(torch.full((3, 20, 20), a), torch.full((3, 20, 20), b)).item()
    assert score == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), abs=1e-6)


def test_ssim_of_identical_images_is_one():
    pred, _ = photo_pair()
    torch.testing.assert_close(ssim(chw(pred), chw(pred)), torch.tensor(1.0), atol=1e-6, rtol=0)


def test_gaussian_window_is_normalised_and_symmetric():
    g = gaussian_window(dtype=torch.float64)
    assert g.shape == (11,) and g.sum().item() == pytest.approx(1.0)
    torch.testing.assert_close(g, g.flip(0))
    assert g[5] / g[6] == pytest.approx(math.exp(1 / (2 * 1.5**2)))  # exp(-x^2 / 2 sigma^2) ratio of taps 0, 1


# ---- shapes and types (both metrics) -------------------------------------------------------------------------
@pytest.mark.parametrize("metric", [psnr, ssim])
def test_batch_scores_each_image_on_its_own(metric):
    (p0, t0), (p1, t1) = photo_pair(seed=1), photo_pair(noise=0.2, seed=2)
    pred, target = torch.stack([chw(p0), chw(p1)]), torch.stack([chw(t0), chw(t1)])
    scores = metric(pred, target)
    assert scores.shape == (2,)
    torch.testing.assert_close(scores, torch.stack([metric(chw(p0), chw(t0)), metric(chw(p1), chw(t1))]))
    assert scores[0] > scores[1]  # less noise scores higher


@pytest.mark.parametrize("metric", [psnr, ssim])
def test_unbatched_input_gives_a_scalar(metric):
    x, y = torch.rand(2, 3, 16, 16)
    assert metric(x, y).shape == ()


@pytest.mark.parametrize("metric", [psnr, ssim])
def test_uint8_means_divided_by_255(metric):
    a = torch.randint(0, 256, (1, 3, 16, 16), dtype=torch.uint8)
    b = torch.randint(0, 256, (1, 3, 16, 16), dtype=torch.uint8)
    torch.testing.assert_close(metric(a, b), metric(a.float() / 255, b.float() / 255))


@pytest.mark.parametrize("metric", [psnr, ssim])
def test_gradients_flow(metric):
    target = torch.rand(1, 3, 16, 16)
    pred = (target + 0.1 * torch.randn_like(target)).clamp(0.01, 0.99).requires_grad_()
    metric(pred, target).sum().backward()
    assert pred.grad is not None and torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


@pytest.mark.parametrize("metric", [psnr, ssim])
def test_bad_inputs_are_refused(metric):
    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match="same shape"):
        metric(x, torch.rand(1, 3, 16, 17))
    with pytest.raises(ValueError, match="shape"):
        metric(x[0, 0], x[0, 0])
    with pytest.raises(ValueError, match="channels-last"):
        metric(torch.rand(16, 16, 3), torch.rand(16, 16, 3))
    with pytest.raises(TypeError, match="dtype"):
        metric(torch.ones(3, 16, 16, dtype=torch.int64), torch.ones(3, 16, 16, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        metric(x.numpy(), x)


def test_ssim_refuses_images_smaller_than_its_window():
    x = torch.rand(3, 10, 40)
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(x, x)
    assert psnr(x, x).isinf()  # PSNR has no window
