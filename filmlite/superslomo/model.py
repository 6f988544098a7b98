"""Super SloMo: bidirectional flow, linear intermediate flows, refinement with visibility maps (Sec. 3, Fig. 2).

    x0, x1 --flow U-Net--> F01, F10 --linear in t--> Ft0, Ft1 --warp--> g(I0, Ft0), g(I1, Ft1)
           --refinement U-Net--> dFt0, dFt1, Vt0 --warp again, visibility-weighted blend--> It

**Intermediate flows (Sec. 3.1, Eq. 4).** The frame at time t does not exist yet, so its flows to the inputs
cannot be estimated directly. Assuming motion is locally linear and smooth, the flow from t to 0 is a mix of the
two flows between the inputs, borrowed from the same pixel position:

    Ft0 = -(1 - t) t F01 + t^2 F10,        Ft1 = (1 - t)^2 F01 - t (1 - t) F10

For a pure translation by d (F01 = d, F10 = -d) this gives Ft0 = -t d and Ft1 = (1 - t) d, exactly right. It is
wrong near motion boundaries, where the pixel at t came from somewhere else: the refinement U-Net fixes that.

**Refinement and visibility (Sec. 3.2, Eq. 5).** A second U-Net sees [I0, I1, F01, F10, Ft1, Ft0, g(I1, Ft1),
g(I0, Ft0)] (20 channels; g is backward warping) and predicts flow corrections dFt0, dFt1 and one visibility
logit. Vt0 = sigmoid(logit) says how visible the pixel is in frame 0, Vt1 = 1 - Vt0 ("a pixel is visible in at
least one frame"). The output weighs each warped input by its visibility *and* its closeness in time:

    It = ((1 - t) Vt0 g(I0, Ft0) + t Vt1 g(I1, Ft1)) / ((1 - t) Vt0 + t Vt1)

t enters only through these coefficients: no weight depends on t, so one model serves any t in [0, 1], and the
flow U-Net runs once per pair however many frames are wanted (`bidirectional_flows`, then `at_time` per t). At
t = 0 the formula gives Ft0 = 0 and weight 0 on frame 1, so without a correction the output is I0 itself.

Warping is filmlite's `warp` (exact pixel displacements, border replication). The reference code divides by w
where w - 1 was meant and pads with zeros; neither changes the method.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..film.warp import warp
from ..model_inputs import check_frame_pair, count_parameters, time_map
from .config import SuperSloMoConfig
from .unet import UNet


def intermediate_flows(flow01: torch.Tensor, flow10: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eq. 4: (Ft0, Ft1) from the flows between the inputs, assuming linear motion; t is `(b, 1, 1, 1)`."""
    flow_t0 = -(1 - t) * t * flow01 + t * t * flow10  # (b, 2, h, w)
    flow_t1 = (1 - t) * (1 - t) * flow01 - t * (1 - t) * flow10
    return flow_t0, flow_t1


def visibility_blend(warped0: torch.Tensor, warped1: torch.Tensor, visibility0: torch.Tensor,
                     t: torch.Tensor) -> torch.Tensor:
    """Eq. 5: the visibility- and time-weighted mean of the two warped inputs; Vt1 = 1 - Vt0."""
    weight0 = (1 - t) * visibility0  # (b, 1, h, w)
    weight1 = t * (1 - visibility0)
    # The floor only matters where a saturated sigmoid makes both weights vanish (t = 0 and Vt0 = 0).
    return (weight0 * warped0 + weight1 * warped1) / (weight0 + weight1).clamp_min(1e-6)


@dataclass
class SuperSloMoIntermediates:
    """Everything the losses and the lessons need, for one batch of pairs at times `t` `(b, 1, 1, 1)`.

    `*_linear` are Eq. 4's flows and the inputs warped by them; the unsuffixed flows and warps are after the
    refinement U-Net's corrections. Flows are `(b, 2, h, w)` in pixels, visibilities `(b, 1, h, w)` in (0, 1).
    """

    t: torch.Tensor
    flow01: torch.Tensor
    flow10: torch.Tensor
    flow_t0_linear: torch.Tensor
    flow_t1_linear: torch.Tensor
    warped0_linear: torch.Tensor
    warped1_linear: torch.Tensor
    flow_t0: torch.Tensor
    flow_t1: torch.Tensor
    visibility_t0: torch.Tensor
    visibility_t1: torch.Tensor
    warped0: torch.Tensor
    warped1: torch.Tensor
    output: torch.Tensor


class SuperSloMo(nn.Module):
    """Super SloMo. `SuperSloMo(SuperSloMoConfig.paper())` is the published network; any t in [0, 1]."""

    name = "superslomo"
    any_time = True

    def __init__(self, config: SuperSloMoConfig | None = None):
        super().__init__()
        self.config = config or SuperSloMoConfig.paper()
        self.flow_net = UNet(6, 4, self.config)  # [I0, I1] -> F01, F10
        self.refine_net = UNet(20, 5, self.config)  # -> dFt0, dFt1, visibility logit

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, t: float | torch.Tensor = 0.5) -> torch.Tensor:
        """The frame at time `t` between `x0` and `x1` (both `(b, 3, h, w)`, RGB in [0, 1]): `(b, 3, h, w)`."""
        return self.intermediates(x0, x1, t).output

    def intermediates(self, x0: torch.Tensor, x1: torch.Tensor, t: float | torch.Tensor = 0.5,
                      target: torch.Tensor | None = None) -> SuperSloMoIntermediates:
        """Like `forward`, but return every step (see `SuperSloMoIntermediates`). `target` is not used: it is
        there so that every filmlite interpolator is trained the same way (RIFE's teacher needs it)."""
        flow01, flow10 = self.bidirectional_flows(x0, x1)
        return self.at_time(x0, x1, flow01, flow10, t)

    def bidirectional_flows(self, x0: torch.Tensor, x1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """F01 (where in x1 each pixel of x0 is) and F10, each `(b, 2, h, w)`: the flow U-Net, once per pair."""
        check_frame_pair("Super SloMo", x0, x1, self.config.alignment,
                         f"its U-Nets halve them {len(self.config.widths) - 1} times")
        flows = self.flow_net(torch.cat([x0, x1], dim=1))  # (b, 4, h, w)
        if self.config.flow_scale != 1:  # the lite model's (see SuperSloMoConfig.flow_scale)
            flows = flows * self.config.flow_scale
        return flows[:, :2], flows[:, 2:]

    def at_time(self, x0: torch.Tensor, x1: torch.Tensor, flow01: torch.Tensor, flow10: torch.Tensor,
                t: float | torch.Tensor) -> SuperSloMoIntermediates:
        """Everything after the flow U-Net, for one time t (the refinement U-Net runs once per t)."""
        t = time_map(t, x0)
        flow_t0_linear, flow_t1_linear = intermediate_flows(flow01, flow10, t)
        warped0_linear, warped1_linear = warp(x0, flow_t0_linear), warp(x1, flow_t1_linear)
        refinement = self.refine_net(torch.cat(
            [x0, x1, flow01, flow10, flow_t1_linear, flow_t0_linear, warped1_linear, warped0_linear], dim=1))
        flow_t0 = flow_t0_linear + refinement[:, 0:2]
        flow_t1 = flow_t1_linear + refinement[:, 2:4]
        visibility_t0 = torch.sigmoid(refinement[:, 4:5])  # (b, 1, h, w)
        warped0, warped1 = warp(x0, flow_t0), warp(x1, flow_t1)
        return SuperSloMoIntermediates(
            t=t, flow01=flow01, flow10=flow10, flow_t0_linear=flow_t0_linear, flow_t1_linear=flow_t1_linear,
            warped0_linear=warped0_linear, warped1_linear=warped1_linear, flow_t0=flow_t0, flow_t1=flow_t1,
            visibility_t0=visibility_t0, visibility_t1=1 - visibility_t0, warped0=warped0, warped1=warped1,
            output=visibility_blend(warped0, warped1, visibility_t0, t))

    def num_parameters(self) -> int:
        return count_parameters(self)
