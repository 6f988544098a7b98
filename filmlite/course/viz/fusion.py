"""Occlusions and the fusion decoder's choice (Sec. 3.3), for notebook 05.

Where a surface is visible in one input only, the two inputs warped to the middle disagree (`disagreement`), and
the round trip of the forward and backward flows misses (`forward_backward_error`). FILM has no occlusion mask:
the decoder sees both warped inputs and learns which to follow. `followed_input` and `decoder_choice` measure
which one it follows, and whether that is the one closer to the truth.
"""
from __future__ import annotations

import torch

from ...film.warp import warp

__all__ = ["disagreement", "forward_backward_error", "followed_input", "decoder_choice"]


def disagreement(warped0: torch.Tensor, warped1: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference over channels of the two inputs warped to t = 0.5, `(b, h, w)`.

    Where both warps found the same surface they agree; where a surface is visible in one input only
    (an occlusion), at least one warp reads the wrong thing and they disagree. FILM has no occlusion mask:
    the fusion decoder sees both warped inputs and learns which to trust (Sec. 3.3).
    """
    return (warped0 - warped1).abs().mean(dim=1)


def forward_backward_error(flow_ab: torch.Tensor, flow_ba: torch.Tensor) -> torch.Tensor:
    """The classic occlusion test: |flow_ab(p) + flow_ba(p + flow_ab(p))|, `(b, h, w)` in pixels.

    Go from p in A to its match in B and come back with B's flow: for a point visible in both frames you
    return to p (error near 0). A point hidden in B has no true match, and the round trip misses.
    """
    back = warp(flow_ba, flow_ab)  # flow_ba read at p + flow_ab(p)
    return (flow_ab + back).norm(dim=1)


def followed_input(output: torch.Tensor, warped0: torch.Tensor, warped1: torch.Tensor) -> torch.Tensor:
    """Which warped input an output is closer to, per pixel: |output - warped0| - |output - warped1|, the mean
    over channels, `(b, h, w)`. Positive: closer to warped input 1; negative: to warped input 0; 0: equally close
    (where the two warps agree, there is nothing to choose). Signed: draw it on a symmetric diverging scale."""
    return (output - warped0).abs().mean(dim=1) - (output - warped1).abs().mean(dim=1)


def decoder_choice(output: torch.Tensor, warped0: torch.Tensor, warped1: torch.Tensor, truth: torch.Tensor,
                   quantile: float = 0.9) -> dict[str, float]:
    """Does the output follow the warped input that is right, where the two disagree most? (first batch item)

    Over the pixels whose `disagreement` is above its `quantile` (default: the top 10%):
      * `lean`: mean |followed_input| / disagreement, how far the output moves from the average of the two warped
        inputs towards one of them: 0 = exactly the average, 1 = exactly one input (the triangle inequality
        keeps it in [0, 1]);
      * `right_side`: the share of those pixels, among the ones where the output leans at all, where it leans
        towards the warped input that is closer to the truth (0.5 = a coin toss; NaN if it never leans);
      * `pixels`: how many pixels that is.
    """
    follows = followed_input(output, warped0, warped1)[0]
    better = followed_input(truth, warped0, warped1)[0]  # positive: the truth is closer to warped input 1
    differ = disagreement(warped0, warped1)[0]
    region = differ > differ.quantile(quantile)
    leaning = region & (follows != 0)
    return {"pixels": int(region.sum()),
            "lean": float((follows.abs() / differ.clamp_min(1e-12))[region].mean()),
            "right_side": float(((follows > 0) == (better > 0))[leaning].float().mean())}
