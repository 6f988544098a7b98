"""Sec. 3.1, feature extraction: the shared U-Net encoder and the scale-agnostic (cascaded) feature pyramid.

Sec. 3.1 of the paper, Fig. 3; official `models/film_net/feature_extractor.py`; the idea comes from
Multi-view Image Fusion (Trinidad et al., 2019).

**Why share weights across scales?** A conventional encoder (a U-Net's left half) means different things at
different depths: edges at the first block, object parts deeper. Its pyramid levels cannot share a flow
predictor. FILM instead runs the *same* small encoder, `sub_levels` blocks deep, on every level of the image
pyramid. Call S[i][j] the output of block j when the encoder starts at image level i; it has the spatial
size of level i + j. The feature pyramid then concatenates everything of the same size:

    level 0 = S[0][0]
    level 1 = S[1][0] S[0][1]
    level 2 = S[2][0] S[1][1] S[0][2]
    level 3 = S[3][0] S[2][1] S[1][2] S[0][3]
    level 4 = S[4][0] S[3][1] S[2][2] S[1][3]        (same channels, same meaning as level 3)
    ...

From level `sub_levels - 1` on, every level holds the same kinds of features, computed from pixels of
different resolution by the same weights: "scale-agnostic". A large motion seen at a coarse level looks like
a small motion seen at a fine level, so one flow predictor can serve all the coarse levels and learn from the
many small motions in the fine levels of the training data (Sec. 3.2).

No wasted work: at image level i the encoder runs only min(levels - i, sub_levels) blocks, because a deeper
block would produce a feature smaller than the coarsest pyramid level, which nothing reads.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import FILMConfig
from .layers import conv, lrelu


class SharedEncoder(nn.Module):
    """A plain U-Net encoder: block j is two conv3x3(filters * 2^j) + LeakyReLU, with a 2x2 average pool
    between blocks. The same instance runs on every pyramid level of both input frames."""

    def __init__(self, config: FILMConfig):
        super().__init__()
        self.convs = nn.ModuleList()
        in_channels = 3
        for j in range(config.sub_levels):
            width = config.encoder_channels(j)
            self.convs.append(nn.ModuleList([conv(in_channels, width, 3), conv(width, width, 3)]))
            in_channels = width

    def forward(self, image: torch.Tensor, depth: int) -> list[torch.Tensor]:
        """Run the first `depth` blocks on `image` `(b, 3, h, w)`; return their outputs, finest first:
        block j's output is `(b, filters * 2^j, h / 2^j, w / 2^j)`."""
        outputs = []
        x = image
        for j in range(depth):
            if j > 0:
                x = F.avg_pool2d(x, kernel_size=2, stride=2)
            first, second = self.convs[j]
            x = lrelu(second(lrelu(first(x))))
            outputs.append(x)
        return outputs


class FeatureExtractor(nn.Module):
    """Turns an image pyramid into the cascaded, scale-agnostic feature pyramid."""

    def __init__(self, config: FILMConfig):
        super().__init__()
        self.config = config
        self.encoder = SharedEncoder(config)

    def sub_pyramids(self, image_pyramid: list[torch.Tensor]) -> list[list[torch.Tensor]]:
        """S[i] = the shared encoder run on image level i, capped so nothing coarser than the pyramid is made."""
        levels = len(image_pyramid)
        return [
            self.encoder(image, depth=min(levels - i, self.config.sub_levels))
            for i, image in enumerate(image_pyramid)
        ]

    def forward(self, image_pyramid: list[torch.Tensor]) -> list[torch.Tensor]:
        """Feature pyramid level i = concat(S[i][0], S[i-1][1], ..., S[i-j][j]) for j < sub_levels, j <= i."""
        return cascade(self.sub_pyramids(image_pyramid))


def cascade(sub_pyramids: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    """Concatenate the encoder outputs that share a spatial size (see the module docstring)."""
    levels = len(sub_pyramids)
    pyramid = []
    for i in range(levels):
        same_size = [sub_pyramids[i - j][j] for j in range(i + 1) if j < len(sub_pyramids[i - j])]
        pyramid.append(torch.cat(same_size, dim=1))
    return pyramid
