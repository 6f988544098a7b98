"""The image pyramid (Sec. 3.1): every later stage works on its levels.

FILM looks at the two input frames at several scales (Sec. 3.1, Fig. 2 left). Large motion at full
resolution is small motion a few levels down: a 96-pixel jump is 3 pixels at level 5 (1/32 scale), which
a 3x3 convolution can see. The pyramid is built by repeated 2x2 average pooling with stride 2, as in the
official `util.build_image_pyramid`.

Level 0 is the input itself (finest first). Level k has size (h / 2^k, w / 2^k); sizes that are not
multiples of 2^(levels-1) lose their last row or column at some level, which is why `filmlite.interpolate`
pads inputs to `config.alignment` first.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def image_pyramid(image: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """Return `[image, pool(image), pool(pool(image)), ...]`, `levels` tensors, finest first.

    Args:
        image: `(b, c, h, w)`.
        levels: number of levels (at least 1).
    """
    if levels < 1:
        raise ValueError(f"an image pyramid needs at least 1 level, got {levels}")
    pyramid = [image]
    for _ in range(levels - 1):
        pyramid.append(F.avg_pool2d(pyramid[-1], kernel_size=2, stride=2))
    return pyramid
