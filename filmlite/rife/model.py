"""RIFE: IFNet estimates the intermediate flows coarse to fine, a mask blends the warped inputs (Sec. 3, Fig. 2).

    block 0 (s=4) on [I0, I1, t]                                   -> Ft0, Ft1, mask logit m
    block i (s=2, 1) on [I0, I1, t, g(I0, Ft0), g(I1, Ft1), m] + flow -> corrections: flow += dflow, m += dm
    after each block:  M = sigmoid(m),  frame_i = M g(I0, Ft0) + (1 - M) g(I1, Ft1)
    (optional) RefineNet: output = clamp(frame_last + 2 r - 1, 0, 1)

Each later block sees how well the current flows already align the two inputs (the warped frames) and only
corrects them, the residual design of coarse-to-fine flow. The mask M is a soft occlusion map, like Super
SloMo's visibility but free: nothing ties it to t.

**Privileged distillation (Sec. 3.2).** During training a teacher block, shaped like the last student, also sees
the true middle frame It and refines the final flows and mask once more. With It in view it can find much better
flows; its frame is trained with the same loss as the student's, and every student block's flow is pulled
towards the teacher's wherever the teacher's frame is better (`filmlite.rife.loss.distillation_loss`). The
teacher only needs the target, so it runs only when `intermediates` is given one; `forward` never runs it.

**Time.** The ECCV model knows no t (its `timestep` argument is unused) and was trained for t = 1/2 only. RIFE_m
and Practical-RIFE append a constant map of t to every block's input (`RIFEConfig.time_channel`, on in lite):
nothing else in the design depends on t, so the network learns what t means from triplets at many times.

**Warping.** filmlite's `warp`. The released code's `grid_sample` (bilinear, border, align_corners=True, flow
divided by (w - 1) / 2) reads the same position x + u for every pixel and replicates the border the same way, so
the two give the same numbers; only the bookkeeping of normalised coordinates differs.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..film.warp import warp
from ..model_inputs import check_frame_pair, count_parameters, time_map
from .config import RIFEConfig
from .ifblock import IFBlock
from .refine import ContextNet, RefineUNet


@dataclass
class RIFEIntermediates:
    """Everything the losses and lessons need, for one batch at times `t` `(b, 1, 1, 1)`.

    Lists hold one entry per student block, coarse to fine: `flows` `(b, 4, h, w)` (Ft0 in channels 0-1, Ft1 in
    2-3, pixels), `masks` `(b, 1, h, w)` = sigmoid(m), `frames` the blends. The `teacher_*` fields are None unless
    a target was given and the model has a teacher. `output` is the final frame (after the RefineNet if any).
    """

    t: torch.Tensor
    flows: list[torch.Tensor]
    masks: list[torch.Tensor]
    frames: list[torch.Tensor]
    teacher_flow: torch.Tensor | None
    teacher_mask: torch.Tensor | None
    teacher_frame: torch.Tensor | None
    output: torch.Tensor


def blend(x0: torch.Tensor, x1: torch.Tensor, flow: torch.Tensor, mask_logit: torch.Tensor):
    """Warp both inputs by their intermediate flows and blend: (frame, warped0, warped1, mask)."""
    warped0, warped1 = warp(x0, flow[:, :2]), warp(x1, flow[:, 2:4])  # (b, 3, h, w) each
    mask = torch.sigmoid(mask_logit)  # (b, 1, h, w)
    return mask * warped0 + (1 - mask) * warped1, warped0, warped1, mask


class RIFE(nn.Module):
    """RIFE. `RIFE(RIFEConfig.paper())` is the ECCV model (t = 1/2 only), `paper_m()` and `lite()` take any t."""

    name = "rife"
    any_time = True  # per instance: False when the configuration has no time channel

    def __init__(self, config: RIFEConfig | None = None):
        super().__init__()
        self.config = c = config or RIFEConfig.paper()
        self.any_time = c.time_channel
        self.blocks = nn.ModuleList([
            IFBlock(c.block_in_channels(first=i == 0), channels, scale, c.block_convs, c.zero_init)
            for i, (channels, scale) in enumerate(zip(c.block_channels, c.block_scales))])
        self.teacher = (IFBlock(c.block_in_channels(first=False, teacher=True), c.teacher_channels, 1, c.block_convs,
                                c.zero_init) if c.teacher else None)
        self.context = ContextNet(c.context_channels) if c.refine else None
        self.refine = RefineUNet(c.context_channels) if c.refine else None
        if self.refine is not None and c.zero_init:  # residual r = 1/2 at first: the RefineNet adds nothing
            nn.init.zeros_(self.refine.out.weight)
            nn.init.zeros_(self.refine.out.bias)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, t: float | torch.Tensor = 0.5) -> torch.Tensor:
        """The frame at time `t` between `x0` and `x1` (both `(b, 3, h, w)`, RGB in [0, 1]): `(b, 3, h, w)`."""
        return self.intermediates(x0, x1, t).output

    def intermediates(self, x0: torch.Tensor, x1: torch.Tensor, t: float | torch.Tensor = 0.5,
                      target: torch.Tensor | None = None) -> RIFEIntermediates:
        """Like `forward`, but return every block's output; with `target` `(b, 3, h, w)` also the teacher's."""
        check_frame_pair("RIFE", x0, x1, self.config.alignment)
        t = self._time(t, x0)
        b, _, h, w = x0.shape
        time = [t.expand(b, 1, h, w)] if self.config.time_channel else []  # the constant t map, (b, 1, h, w)
        flows, masks, frames = [], [], []
        flow = mask_logit = None
        warped0, warped1 = x0, x1  # what the blocks after the first see of the inputs, aligned so far
        for block in self.blocks:
            if flow is None:
                flow, mask_logit = block(torch.cat([x0, x1, *time], dim=1))
            else:
                dflow, dmask = block(torch.cat([x0, x1, *time, warped0, warped1, mask_logit], dim=1), flow)
                flow, mask_logit = flow + dflow, mask_logit + dmask
            frame, warped0, warped1, mask = blend(x0, x1, flow, mask_logit)
            flows.append(flow)
            masks.append(mask)
            frames.append(frame)
        teacher_flow = teacher_mask = teacher_frame = None
        if self.teacher is not None and target is not None:
            dflow, dmask = self.teacher(torch.cat([x0, x1, *time, warped0, warped1, mask_logit, target], dim=1), flow)
            teacher_flow = flow + dflow
            teacher_frame, _, _, teacher_mask = blend(x0, x1, teacher_flow, mask_logit + dmask)
        output = frames[-1]
        if self.refine is not None:
            context0, context1 = self.context(x0, flow[:, :2]), self.context(x1, flow[:, 2:4])
            residual = self.refine(torch.cat([x0, x1, warped0, warped1, mask_logit, flow], dim=1), context0, context1)
            output = (output + 2 * residual - 1).clamp(0, 1)
        return RIFEIntermediates(t=t, flows=flows, masks=masks, frames=frames, teacher_flow=teacher_flow,
                                 teacher_mask=teacher_mask, teacher_frame=teacher_frame, output=output)

    def _time(self, t: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """t as `(b, 1, 1, 1)`; without a time channel only 1/2, the time the ECCV model was trained for."""
        t = time_map(t, like)
        if not self.config.time_channel and not bool((t == 0.5).all()):
            raise ValueError("this RIFE has no time input (RIFEConfig.time_channel=False, the ECCV model) and only "
                             "interpolates t = 0.5; use RIFEConfig.paper_m() or lite() for any t")
        return t

    def num_parameters(self) -> int:
        return count_parameters(self)
