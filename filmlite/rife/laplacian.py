"""The Laplacian pyramid and RIFE's reconstruction loss on it (Sec. 3.4; official `model/laplacian.py`).

A Laplacian pyramid (Burt and Adelson, 1983) splits an image into frequency bands. Blur with a 5x5 binomial
kernel ([1, 4, 6, 4, 1] / 16 in each direction) and keep every second pixel: that is the next, coarser image.
*Expand* it back (put it on every second pixel of a zero image and blur with 4x the kernel, since only a quarter
of the pixels carry values): what the coarse image cannot explain, image - expand(coarse), is the band of this
level. Repeat on the coarse image. The bands plus the last coarse image rebuild the input exactly:

    image = band_0 + expand(band_1 + expand(band_2 + ... expand(low-pass)))

RIFE's loss is L_lap = sum over the 5 finest bands of mean |band_i(pred) - band_i(target)|. Compared with plain
L1 every octave of detail counts about alike, so edges and fine texture weigh more against smooth areas. Like the
original it leaves out the low-pass residual (1/32 of the size): a constant offset of the whole frame costs
nothing, since a constant has no band-pass content. (Harmless here: the frame is a blend of the inputs' colours.)

Borders are padded by reflection, as in the original; that needs every blurred level to be at least 3 pixels,
so 5 levels need frames of at least 48 pixels. Odd sizes are fine: an expanded level is cropped to its band.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

BINOMIAL_5 = (1.0, 4.0, 6.0, 4.0, 1.0)


def gaussian_blur(image: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """The 5x5 binomial blur of every channel, reflection at the borders, times `gain`."""
    c = image.shape[1]
    taps = torch.tensor(BINOMIAL_5, dtype=image.dtype, device=image.device)
    kernel = gain * torch.outer(taps, taps) / 256  # (5, 5), sums to gain
    padded = F.pad(image, (2, 2, 2, 2), mode="reflect")
    return F.conv2d(padded, kernel.expand(c, 1, 5, 5), groups=c)


def expand(coarse: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Twice the size: values on every second pixel of zeros, blurred with gain 4, cropped to `size`."""
    b, c, h, w = coarse.shape
    sparse = coarse.new_zeros(b, c, 2 * h, 2 * w)
    sparse[..., ::2, ::2] = coarse
    return gaussian_blur(sparse, gain=4.0)[..., : size[0], : size[1]]


def laplacian_pyramid(image: torch.Tensor, levels: int = 5) -> list[torch.Tensor]:
    """`levels` band-pass images, finest first, then the low-pass residual: `levels + 1` tensors."""
    smallest = min(image.shape[-2:])
    for _ in range(levels - 1):
        smallest = (smallest + 1) // 2
    if smallest < 3:
        raise ValueError(f"a {levels}-level Laplacian pyramid needs height and width of at least "
                         f"{3 * 2 ** (levels - 1)} (3 pixels at the coarsest blurred level), got {tuple(image.shape[-2:])}")
    pyramid, current = [], image
    for _ in range(levels):
        coarse = gaussian_blur(current)[..., ::2, ::2]  # (b, c, ceil(h_i / 2), ceil(w_i / 2))
        pyramid.append(current - expand(coarse, current.shape[-2:]))
        current = coarse
    return pyramid + [current]


def reconstruct(pyramid: list[torch.Tensor]) -> torch.Tensor:
    """The image a `laplacian_pyramid` came from: expand the residual and add the bands, coarse to fine."""
    image = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        image = band + expand(image, band.shape[-2:])
    return image


def laplacian_loss(pred: torch.Tensor, target: torch.Tensor, levels: int = 5) -> torch.Tensor:
    """L_lap: the sum over the `levels` bands of mean |band(pred) - band(target)| (the residual is left out)."""
    if pred.shape != target.shape:
        raise ValueError(f"prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    bands = zip(laplacian_pyramid(pred, levels)[:-1], laplacian_pyramid(target, levels)[:-1])
    return sum((a - b).abs().mean() for a, b in bands)
