"""Scoring an interpolated frame against the real one: PSNR and SSIM, as FILM reports them.

Frame interpolation papers score a predicted middle frame y_hat against the true middle frame y of a held-out
triplet. FILM (Sec. 5, Tables 1-2) reports two numbers per data set, both averaged over its triplets:

**PSNR** (peak signal-to-noise ratio) measures the mean squared error on a log scale,

    PSNR(y_hat, y) = 10 * log10(MAX^2 / MSE),    MSE = mean over channels and pixels of (y_hat - y)^2,

with MAX = 1 for images in [0, 1]. It is blind to *where* the error is: a faint blur everywhere and a sharp
ghost in one corner can score the same. +1 dB is about 21% less squared error, and at the 30-36 dB of good
interpolators differences of a few tenths of a dB are visible. Two identical images have MSE 0 and PSNR
+infinity; `psnr` returns `inf` for them (as `tf.image.psnr` does) rather than inventing a cap, so a mean over
a data set that contains one is `inf` too: do not score a method on triplets it copies exactly.

**SSIM** (structural similarity, Wang et al. 2004) compares local statistics instead of single pixels. Around
every pixel a Gaussian window (11 x 11, sigma 1.5) gives local means mu, variances sigma^2 and covariance
sigma_xy of both images, and

    SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)  *  (2 sigma_xy + C2) / (sigma_x^2 + sigma_y^2 + C2),

    C1 = (K1 * MAX)^2, C2 = (K2 * MAX)^2, K1 = 0.01, K2 = 0.03.

The first factor compares brightness, the second contrast and structure (correlation). 1 means identical;
blur and ghosting lower it even where the average colour is right. The score of an image is the mean of this
map over all positions and colour channels.

**Conventions (FILM's, from the official `eval/` code, which uses `tf.image.psnr` and `tf.image.ssim`):**
- Both images are clipped to [0, 1] first and MAX = 1. FILM's network outputs raw, unclipped values (Sec. 3.3
  and `filmlite.film.fusion`); the frame anyone would see is the clipped one, since a PNG cannot hold 1.07, so that
  is the frame scored. Clipping the target too is a no-op for real images and keeps the two symmetric.
- SSIM exactly as `tf.image.ssim` with its defaults: a normalised Gaussian window of 11 taps and sigma 1.5
  (separable), 'valid' filtering (only windows that lie wholly inside the image, so an h x w image gives an
  (h - 10) x (w - 10) map), population (biased) variances and covariance, each channel separately, then the
  mean over the map and the channels. This equals scikit-image's
  `structural_similarity(..., channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  data_range=1)`, which `tests/test_metrics.py` uses as an independent oracle. Images need at least 11 x 11
  pixels.
- Inputs: `(b, 3, h, w)` gives one score per image, a tensor `(b,)`; `(3, h, w)` gives a 0-d tensor. Floating
  point tensors are taken as they are (then clipped); `uint8` is divided by 255. Computation runs in float32
  (float64 stays float64) on the inputs' device; it is differentiable, though scoring needs no gradients.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def _as_image_pair(pred: torch.Tensor, target: torch.Tensor, name: str) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Check a (prediction, target) pair; return both as `(b, 3, h, w)` floats clipped to [0, 1], plus whether
    they came without a batch dimension."""
    for arg, x in (("pred", pred), ("target", target)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name}: {arg} must be a torch.Tensor (b, 3, h, w) or (3, h, w), got {type(x).__name__}")
        if x.dim() not in (3, 4):
            raise ValueError(f"{name}: {arg} must have shape (3, h, w) or (b, 3, h, w), got {tuple(x.shape)}")
        if x.shape[-3] != 3:
            hint = " (it looks channels-last: permute it to channels-first)" if x.shape[-1] == 3 else ""
            raise ValueError(f"{name}: {arg} must have 3 colour channels first, got shape {tuple(x.shape)}{hint}")
        if not (x.is_floating_point() or x.dtype == torch.uint8):
            raise TypeError(f"{name}: {arg} has dtype {x.dtype}; use float values in [0, 1] or uint8 in 0..255")
    if pred.shape != target.shape:
        raise ValueError(
            f"{name}: pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
        )
    if pred.device != target.device:
        raise ValueError(f"{name}: pred is on {pred.device} but target on {target.device}; move one of them")

    def to_float(x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.uint8:
            return x.float() / 255.0
        # half precision would cost SSIM's variances most of their digits
        return x if x.dtype == torch.float64 else x.float()

    a, b = to_float(pred), to_float(target)
    if a.dtype != b.dtype:  # one float64, one not: score in float64
        a, b = a.double(), b.double()
    single = a.dim() == 3
    if single:
        a, b = a.unsqueeze(0), b.unsqueeze(0)
    return a.clamp(0, 1), b.clamp(0, 1), single


def psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB, `10 log10(1 / MSE)`, after clipping both images to [0, 1].

    Args:
        pred, target: `(b, 3, h, w)` or `(3, h, w)`, float (any range, clipped) or uint8 (divided by 255).

    Returns:
        `(b,)` tensor, one PSNR per image (0-d for unbatched input). Identical images give `inf`.
    """
    a, b, single = _as_image_pair(pred, target, "psnr")
    mse = (a - b).pow(2).mean(dim=(1, 2, 3))  # (b,)
    score = -10 * torch.log10(mse)  # log10(0) = -inf, so identical images score +inf
    return score[0] if single else score


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA, *, dtype=torch.float32, device=None):
    """The 1-D Gaussian of `size` taps centred on the middle one, normalised to sum 1 (as `tf.image.ssim`)."""
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _blur_valid(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """Gaussian-weighted local means of every channel of `x` `(b, c, h, w)`, 'valid' positions only.

    The 2-D window is the outer product of the 1-D one, so two 1-D convolutions (rows, then columns) do it.
    """
    c, k = x.shape[1], window.numel()
    x = F.conv2d(x, window.view(1, 1, 1, k).expand(c, 1, 1, k), groups=c)  # (b, c, h, w - k + 1)
    return F.conv2d(x, window.view(1, 1, k, 1).expand(c, 1, k, 1), groups=c)  # (b, c, h - k + 1, w - k + 1)


def ssim_map(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The SSIM map of `(b, 3, h, w)` images already in [0, 1]: `(b, 3, h - 10, w - 10)`, one value per window.

    mu_x = G * x, sigma_x^2 = G * x^2 - mu_x^2, sigma_xy = G * (x y) - mu_x mu_y (G: the Gaussian window,
    `*` a 'valid' convolution).
    """
    h, w = pred.shape[-2:]
    if h < SSIM_WINDOW or w < SSIM_WINDOW:
        raise ValueError(
            f"ssim needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels (its Gaussian window), got {h}x{w}"
        )
    window = gaussian_window(dtype=pred.dtype, device=pred.device)
    c1, c2 = SSIM_K1**2, SSIM_K2**2  # (K * MAX)^2 with MAX = 1
    # (Co)variances do not change when a constant is subtracted, but E[x^2] - mu^2 loses digits to
    # cancellation when mu is large; centring each channel on its image mean first keeps float32 within ~1e-6.
    x = pred - pred.mean(dim=(2, 3), keepdim=True)  # (b, c, h, w)
    y = target - target.mean(dim=(2, 3), keepdim=True)
    mu_xc, mu_yc = _blur_valid(x, window), _blur_valid(y, window)
    var_x = _blur_valid(x * x, window) - mu_xc**2
    var_y = _blur_valid(y * y, window) - mu_yc**2
    cov_xy = _blur_valid(x * y, window) - mu_xc * mu_yc
    mu_x, mu_y = _blur_valid(pred, window), _blur_valid(target, window)
    luminance = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    contrast_structure = (2 * cov_xy + c2) / (var_x + var_y + c2)
    return luminance * contrast_structure


def ssim(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Structural similarity as `tf.image.ssim` (11x11 Gaussian, sigma 1.5, K1 0.01, K2 0.03, 'valid'), after
    clipping both images to [0, 1]; the mean over the SSIM map and the colour channels.

    Args:
        pred, target: `(b, 3, h, w)` or `(3, h, w)`, at least 11x11, float (any range, clipped) or uint8.

    Returns:
        `(b,)` tensor, one SSIM per image in [-1, 1], 1 for identical images (0-d for unbatched input).
    """
    a, b, single = _as_image_pair(pred, target, "ssim")
    score = ssim_map(a, b).mean(dim=(1, 2, 3))  # (b,)
    return score[0] if single else score
