"""Backward warping made visible (Sec. 3.2), for notebook 03 and its widget.

`similarity_flow` makes a flow whose effect is easy to predict (a shift, a turn, a zoom), `warp_with_padding`
warps with a choice of what is read outside the frame and `outside_fraction` says how much of the output that
choice decides. `forward_splat` is the alternative FILM does not take: pushing pixels forward leaves holes.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ...film.warp import sampling_grid, warp

__all__ = ["similarity_flow", "warp_with_padding", "outside_fraction", "forward_splat"]


def similarity_flow(height: int, width: int, u: float = 0.0, v: float = 0.0, angle: float = 0.0,
                    scale: float = 1.0) -> torch.Tensor:
    """The flow of a similarity transform about the image centre, `(1, 2, h, w)`.

    With backward warping the output pixel p reads the input at s(p) = c + scale * R(angle) (p - c) + (u, v),
    so the flow is s(p) - p. Because the output *reads* at s(p), the picture moves the opposite way: u = +10
    shifts the content 10 px to the left, `scale` = 2 shrinks it to half, a positive `angle` (degrees) turns it
    counter-clockwise on screen.
    """
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                            indexing="ij")
    cx, cy = (width - 1) / 2, (height - 1) / 2
    a = math.radians(angle)
    dx, dy = xs - cx, ys - cy
    sx = cx + scale * (math.cos(a) * dx - math.sin(a) * dy) + u
    sy = cy + scale * (math.sin(a) * dx + math.cos(a) * dy) + v
    return torch.stack([sx - xs, sy - ys])[None]


def warp_with_padding(image: torch.Tensor, flow: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Backward warp with a choice of what is read outside the frame: "border" (FILM's choice, the nearest edge
    pixel, and exactly `filmlite.warp`), "zeros" (black) or "reflection" (mirrored). Same sampling grid as
    `filmlite.warp`, so only the padding differs."""
    if padding == "border":
        return warp(image, flow)
    if padding not in ("zeros", "reflection"):
        raise ValueError(f"padding must be 'border', 'zeros' or 'reflection', got {padding!r}")
    grid = sampling_grid(flow).to(image.dtype)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def outside_fraction(flow: torch.Tensor) -> float:
    """Share of output pixels whose sampling position x + u, y + v lies outside the frame (padding decides them)."""
    grid = sampling_grid(flow.detach().float())
    return float((grid.abs() > 1).any(dim=-1).float().mean())


def forward_splat(image: torch.Tensor, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward warping, the way FILM does *not* do it: every source pixel p is pushed to round(p + flow(p)).

    Args:
        image: `(1, c, h, w)`; flow: `(1, 2, h, w)`, where each source pixel goes.

    Returns:
        `(splatted, hits)`: the pushed image `(1, c, h, w)` (0 where nothing landed; where several pixels land,
        one of them wins) and `hits` `(1, 1, h, w)`, how many source pixels landed on each target pixel. Targets
        with 0 hits are the holes that make forward warping awkward, and why FILM warps backward.
    """
    _, c, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, device=flow.device), torch.arange(w, device=flow.device), indexing="ij")
    tx = (xs + flow[0, 0]).round().long()
    ty = (ys + flow[0, 1]).round().long()
    inside = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
    target = (ty * w + tx)[inside]  # flat target index of every source pixel that lands inside
    splatted = torch.zeros(c, h * w, dtype=image.dtype, device=image.device)
    splatted[:, target] = image[0].reshape(c, h * w)[:, inside.reshape(-1)]
    hits = torch.zeros(h * w, dtype=torch.float32, device=image.device)
    hits.index_add_(0, target, torch.ones_like(target, dtype=torch.float32))
    return splatted.view(1, c, h, w), hits.view(1, 1, h, w)
