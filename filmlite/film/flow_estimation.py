"""Sec. 3.2, flow estimation: bi-directional residual pyramid flow, with weights shared across scales.

Sec. 3.2 of the paper, Fig. 2 middle; official `models/film_net/pyramid_flow_estimator.py`. The recipe goes
back to coarse-to-fine flow (Glazer 1987) and is used by SPyNet and PWC-Net:

1. At the coarsest level L-1, predict a flow from the two feature maps: v = P(a, b).
2. At each finer level i: double the flow's size *and* its values (a displacement of 3 pixels at half
   resolution is 6 pixels here), warp the second feature map by it so the two maps nearly line up, and
   predict only the small correction that is still missing, the **residual**:

       v_i = upsample(2 * v_(i+1)) + P_i(a_i, warp(b_i, upsample(2 * v_(i+1))))

Each predictor P is small: concat[a, b] -> n x (conv3x3 + LeakyReLU) -> conv1x1(F/2) + LeakyReLU ->
conv1x1(2), with no activation on the last layer (the flow is unbounded).

**Weight sharing.** The finest `specialized_levels` levels have their own predictors (their features are
different, see `filmlite.film.feature_extraction`). All coarser levels use **one** predictor object: the scale-agnostic
features mean the same thing there, so a motion of 2 pixels at level 5 and at level 3 is the same problem.

**Bi-directional.** FILM needs the flow from the middle frame to each input. It runs the estimator twice with
the same weights: forward flow = PFE(features0, features1) (where in frame 1 is each pixel of frame 0),
backward flow = PFE(features1, features0).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import FILMConfig
from .layers import conv, lrelu
from .warp import warp


class FlowPredictor(nn.Module):
    """P(a, b): a small CNN that reads two aligned feature maps and outputs a flow `(b, 2, h, w)`."""

    def __init__(self, in_channels: int, num_convs: int, filters: int):
        super().__init__()
        self.convs = nn.ModuleList()
        for _ in range(num_convs):
            self.convs.append(conv(in_channels, filters, 3))
            in_channels = filters
        self.reduce = conv(filters, filters // 2, 1)
        self.out = conv(filters // 2, 2, 1)

    def forward(self, features_a: torch.Tensor, features_b: torch.Tensor) -> torch.Tensor:
        x = torch.cat([features_a, features_b], dim=1)  # (b, 2c, h, w)
        for layer in self.convs:
            x = lrelu(layer(x))
        return self.out(lrelu(self.reduce(x)))  # (b, 2, h, w), linear


def upsample_flow(flow: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinearly resize a flow to `size` and scale its values by 2, the ratio of two pyramid levels."""
    return F.interpolate(2 * flow, size=size, mode="bilinear", align_corners=False)


class PyramidFlowEstimator(nn.Module):
    """Coarse-to-fine residual flow over a feature pyramid."""

    def __init__(self, config: FILMConfig):
        super().__init__()
        self.config = config
        self.specialized = nn.ModuleList()
        for level in range(config.specialized_levels):
            num_convs, filters = config.flow_predictor_size(level)
            in_channels = 2 * config.feature_channels(level)
            self.specialized.append(FlowPredictor(in_channels, num_convs, filters))
        self.shared = None
        if config.pyramid_levels > config.specialized_levels:
            num_convs, filters = config.flow_predictor_size(config.specialized_levels)
            in_channels = 2 * config.feature_channels(config.specialized_levels)
            self.shared = FlowPredictor(in_channels, num_convs, filters)

    def predictor_for_level(self, level: int) -> FlowPredictor:
        """The predictor used at `level`: its own for the finest levels, the one shared object above."""
        if level < len(self.specialized):
            return self.specialized[level]
        return self.shared

    def forward(
        self, feature_pyramid_a: list[torch.Tensor], feature_pyramid_b: list[torch.Tensor]
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Estimate the flow from a to b (where in b each pixel of a is), at every level.

        Returns:
            `(residual_flows, flows)`, both lists finest first, each level `(b, 2, h_i, w_i)`. The coarsest
            residual is the coarsest flow itself; `flows[i] = upsample_flow(flows[i+1]) + residual_flows[i]`.
        """
        levels = len(feature_pyramid_a)
        top = levels - 1
        flow = self.predictor_for_level(top)(feature_pyramid_a[top], feature_pyramid_b[top])
        residuals, flows = [flow], [flow]
        for i in range(top - 1, -1, -1):
            flow = upsample_flow(flow, feature_pyramid_a[i].shape[-2:])
            aligned_b = warp(feature_pyramid_b[i], flow)
            residual = self.predictor_for_level(i)(feature_pyramid_a[i], aligned_b)
            flow = flow + residual
            residuals.insert(0, residual)
            flows.insert(0, flow)
        return residuals, flows
