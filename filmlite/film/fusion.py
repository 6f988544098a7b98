"""Sec. 3.3, fusion: the aligned pyramid and the fusion decoder.

Sec. 3.3 of the paper, Fig. 2 right; official `models/film_net/fusion.py`.

**Aligned pyramid.** With the flows known, both inputs (image *and* features, level by level) are backward
warped to the middle time t = 0.5: input 0 is read along half the backward flow, input 1 along half the
forward flow. (The forward flow says where a pixel of frame 0 lands in frame 1; halfway along it, at t = 0.5,
reading frame 1 at +v/2 finds the same point. This linear approximation is what FILM uses; its weights were
trained only at t = 0.5.) Each fusion level concatenates

    [warp(image0 + features0, 0.5 * backward), warp(image1 + features1, 0.5 * forward),
     0.5 * backward, 0.5 * forward]

giving 138, 394, 906, 1930, 1930 channels for the official model. Keeping the flows lets the decoder judge
how far each pixel travelled; keeping both warped inputs lets it choose between them where one is occluded.
FILM has no explicit occlusion mask: the decoder learns where to look.

**Fusion decoder.** A U-Net decoder. The coarsest aligned level passes up untouched. At each finer level i:
nearest-neighbour upsample, a 2x2 convolution without activation ("resize convolution", which avoids the
checkerboard of transposed convolutions), concatenate with aligned level i, then two conv3x3 + LeakyReLU. A
final 1x1 convolution gives RGB. The output is the frame itself: no residual on the inputs and no clipping,
which is left to whoever writes or scores the image. (The lite configuration's `residual_output` adds the mean
of the two warped images to this output; it is not FILM's, and lives outside the decoder, in `model.py`.)

TensorFlow pads an even kernel "same" by putting the one extra row and column on the right and bottom. We pad
one pixel on every side and drop the first output row and column, which is the same thing without copying
the largest tensor of the decoder into a padded buffer; it is what makes the official weights work here.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config import FILMConfig
from .layers import conv, lrelu


def aligned_pyramid(
    warped0: Sequence[torch.Tensor],
    warped1: Sequence[torch.Tensor],
    backward_flows: Sequence[torch.Tensor],
    forward_flows: Sequence[torch.Tensor],
) -> list[torch.Tensor]:
    """Concatenate, per level: warped input 0, warped input 1, the two (already time-scaled) flows."""
    return [torch.cat(parts, dim=1) for parts in zip(warped0, warped1, backward_flows, forward_flows)]


class FusionLevel(nn.Module):
    """One decoder level: resize-convolution of the coarser result, concat with the aligned level, 2 convs."""

    def __init__(self, coarser_channels: int, aligned_channels: int, filters: int):
        super().__init__()
        self.up = conv(coarser_channels, filters, 2)
        self.conv1 = conv(aligned_channels + filters, filters, 3)
        self.conv2 = conv(filters, filters, 3)

    def forward(self, coarser: torch.Tensor, aligned: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(coarser, size=aligned.shape[-2:], mode="nearest")
        x = self.up(x)[..., 1:, 1:]  # TensorFlow's "same" for an even kernel: zeros on the right and bottom
        x = torch.cat([aligned, x], dim=1)
        return lrelu(self.conv2(lrelu(self.conv1(x))))


class Fusion(nn.Module):
    """The U-Net decoder that turns the aligned pyramid into the middle frame."""

    def __init__(self, config: FILMConfig):
        super().__init__()
        top = config.fusion_pyramid_levels - 1
        self.levels = nn.ModuleList()
        for i in range(top):
            coarser = config.aligned_channels(top) if i + 1 == top else config.fusion_filters(i + 1)
            self.levels.append(FusionLevel(coarser, config.aligned_channels(i), config.fusion_filters(i)))
        self.output_conv = conv(config.fusion_filters(0), 3, 1)

    def forward(self, pyramid: list[torch.Tensor]) -> torch.Tensor:
        """`pyramid`: the aligned pyramid, finest first, `fusion_pyramid_levels` long. Returns `(b, 3, h, w)`."""
        if len(pyramid) != len(self.levels) + 1:
            raise ValueError(f"Fusion expects {len(self.levels) + 1} aligned levels, got {len(pyramid)}")
        x = pyramid[-1]
        for i in range(len(self.levels) - 1, -1, -1):
            x = self.levels[i](x, pyramid[i])
        return self.output_conv(x)
