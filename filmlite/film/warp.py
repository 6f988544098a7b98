"""Backward warping: Sec. 3.2 aligns features with it, Sec. 3.3 moves the inputs to t = 0.5.

FILM never splats pixels forward. To build the middle frame it *reads* from each input: the output pixel
at (x, y) takes the colour (and features) of the source at (x + u, y + v), where (u, v) is a flow that
points from the output into the source (Sec. 3.2, "we use backward warping"). Non-integer positions are
sampled bilinearly; positions outside the frame take the nearest border value (border replication).

This matches TensorFlow Addons' `dense_image_warp`, which the official code uses, and the PyTorch port.
Flow convention: channel 0 is the horizontal displacement u (pixels, positive to the right), channel 1 the
vertical v (positive down).

In PyTorch this is `grid_sample` on normalised coordinates. With `align_corners=False` pixel x has its
centre at normalised position (2x + 1) / w - 1, so a displacement of u pixels is 2u / w in that space.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def sampling_grid(flow: torch.Tensor) -> torch.Tensor:
    """The `grid_sample` grid that reads the source at (x + u, y + v) for every output pixel.

    Args:
        flow: `(b, 2, h, w)` displacements in pixels.

    Returns:
        `(b, h, w, 2)` normalised (x, y) sampling positions in [-1, 1] (outside for points off the frame).
    """
    b, _, h, w = flow.shape
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype)
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype)
    x = (2 * (xs.view(1, 1, w) + flow[:, 0]) + 1) / w - 1  # (b, h, w)
    y = (2 * (ys.view(1, h, 1) + flow[:, 1]) + 1) / h - 1  # (b, h, w)
    return torch.stack([x, y], dim=-1)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward-warp `image` by `flow`: `out[..., y, x] = image[..., y + v, x + u]` (bilinear, border).

    Args:
        image: `(b, c, h, w)` image or feature map.
        flow: `(b, 2, h, w)` flow in pixels, channel 0 horizontal.

    Returns:
        `(b, c, h, w)` warped image.
    """
    if image.shape[0] != flow.shape[0] or image.shape[-2:] != flow.shape[-2:] or flow.shape[1] != 2:
        raise ValueError(
            f"warp needs image (b, c, h, w) and flow (b, 2, h, w) of the same b, h, w; got {tuple(image.shape)} "
            f"and {tuple(flow.shape)}"
        )
    # Sampling positions are always computed in float32: bfloat16 (as under autocast) cannot even hold pixel
    # positions above 256 exactly, so a zero flow would already move a wide image by up to a pixel.
    grid = sampling_grid(flow.float())
    warped = F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="border", align_corners=False)
    warped = warped.to(image.dtype)
    if image.is_contiguous(memory_format=torch.channels_last) and not image.is_contiguous():
        # grid_sample always answers in NCHW; hand back the caller's channels-last layout (see benchmarks/speed.py)
        warped = warped.contiguous(memory_format=torch.channels_last)
    return warped


def warp_pyramid(pyramid: list[torch.Tensor], flows: list[torch.Tensor]) -> list[torch.Tensor]:
    """Warp every level of `pyramid` by the flow of the same level (finest first)."""
    return [warp(level, flow) for level, flow in zip(pyramid, flows)]
