"""Solution to notebook 03 (warping and flow): `my_warp`. See solutions/README.md."""
import torch
import torch.nn.functional as F

import filmlite


def my_warp(image, flow):
    """Backward warp: out[..., y, x] = image[..., y + v, x + u], bilinear, border replication."""
    b, _, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flow.dtype), torch.arange(w, dtype=flow.dtype), indexing="ij")
    x = xs + flow[:, 0]  # (b, h, w): where to read, in pixels
    y = ys + flow[:, 1]
    # grid_sample wants positions in [-1, 1] with pixel centres at (2 x + 1) / w - 1 (align_corners=False)
    grid = torch.stack([(2 * x + 1) / w - 1, (2 * y + 1) / h - 1], dim=-1)  # (b, h, w, 2)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False)


def make_args():
    image = torch.rand(1, 3, 48, 64)
    return image, 5 * torch.randn(1, 2, 48, 64)


CHECKS = [(my_warp, filmlite.warp, make_args)]
