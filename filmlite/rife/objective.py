"""RIFE's training objective: `rife_loss`, and optionally a classical flow teacher for the first half of a run.

**The flow teacher (not in the ECCV paper; `--flow-teacher W`).** RIFE's privileged teacher sees the true frame,
but it starts as untrained as the students, so early on it has little to teach. The first RIFE (arXiv v1)
supervised the intermediate flows with a pretrained optical-flow network instead, and FILM-lite here learns its
flows from OpenCV's DIS flow early on (`filmlite.film.objective.teacher_loss`). This does the same for RIFE: DIS
gives F01 and F10 between the inputs (on the CPU, about 2 ms a 128x128 pair), Super SloMo's linear formula (Eq. 4)
turns them into the flows from time t, Ft0 and Ft1, and every student block's flows are pulled towards them by
an L1 loss, for the first half of the run only (as FILM-lite's teacher); the second half is RIFE's loss alone.
Where motion is not linear or DIS is wrong (occlusions, large motion) this teaches errors, which is why it stops.

**The pyramid warp loss (not in the paper either; `--warp-loss W`).** RIFE's loss looks at the output only, at
full size, where the gradient of a bilinear warp reaches about one pixel: a flow that misses a 40 px motion by
30 px gets no useful signal from it, and the flows learn large motion slowly. `pyramid_warp_loss` warps each
input by every student block's flow at every level of an image pyramid (2x2 average pooling, as FILM's) and
compares it with the true frame pooled alike: at level k a pixel is 2^k pixels of the frame, so the coarse
levels tell the flows which way a large motion goes. It is FILM-lite's warp loss
(`filmlite.film.objective.warp_loss`) applied to RIFE's intermediate flows.
"""
from __future__ import annotations

import torch
from torch import nn

from ..film.objective import TEACHER_SHARE, alignment_error
from ..film.pyramid import image_pyramid
from ..film.warp import warp
from ..superslomo.model import intermediate_flows
from ..training.objective import refuse_film_settings
from .loss import rife_loss


def linear_flow_target(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """DIS's F01 and F10 made into RIFE's flows from time t: `(b, 4, h, w)`, Ft0 in channels 0-1, Ft1 in 2-3."""
    from ..evaluation.baselines import dis_flow

    with torch.no_grad():
        a, b = x0.detach().float().cpu(), x1.detach().float().cpu()
        flow01, flow10 = dis_flow(a, b), dis_flow(b, a)
        flow_t0, flow_t1 = intermediate_flows(flow01, flow10, t.detach().float().cpu().view(-1, 1, 1, 1))
    return torch.cat([flow_t0, flow_t1], dim=1).to(x0.device)


def flow_teacher_loss(flows: list[torch.Tensor], target_flow: torch.Tensor) -> torch.Tensor:
    """Mean over the student blocks of the L1 distance (pixels) between the block's flows and `target_flow`."""
    return torch.stack([(flow.float() - target_flow).abs().mean() for flow in flows]).mean()


def pyramid_warp_loss(flows: list[torch.Tensor], x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor,
                      levels: int = 5) -> torch.Tensor:
    """Mean over the student blocks' `flows` and over `levels` pyramid levels of L1(input 0 warped by Ft0, It) +
    L1(input 1 warped by Ft1, It), images and flows 2x2-average-pooled to each level (flows also divided by
    2^k: they are in pixels of their level)."""
    images0, images1, middles = image_pyramid(x0, levels), image_pyramid(x1, levels), image_pyramid(target, levels)
    per_block = []
    for flow in flows:
        level_flows = [f / 2**k for k, f in enumerate(image_pyramid(flow.float(), levels))]  # (b, 4, h/2^k, w/2^k)
        per_block.append(alignment_error([warp(image, f[:, :2]) for image, f in zip(images0, level_flows)],
                                         [warp(image, f[:, 2:4]) for image, f in zip(images1, level_flows)], middles))
    return torch.stack(per_block).mean()  # every block has `levels` terms: the mean over all of them


class RIFEObjective(nn.Module):
    """`rife_loss` on the model's intermediates at each target's time, plus the DIS flow teacher when
    `train_config.flow_teacher` > 0, during the first `TEACHER_SHARE` of the run, and the pyramid warp loss
    when `train_config.warp_loss` > 0."""

    def __init__(self, model: nn.Module, train_config):
        super().__init__()
        teacher_weight = train_config.flow_teacher
        refuse_film_settings(model, train_config, allowed=("flow_teacher", "warp_loss"))
        if teacher_weight > 0:
            from ..evaluation.baselines import _cv2

            _cv2()  # OpenCV missing: say so before training starts
        self.model, self.teacher_weight, self.warp_weight = model, teacher_weight, train_config.warp_loss

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor, t: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        out = self.model.intermediates(x0, x1, t, target=target)
        loss, parts = rife_loss(out, x0, x1, target)
        if self.teacher_weight > 0 and progress < TEACHER_SHARE:
            teaching = flow_teacher_loss(out.flows, linear_flow_target(x0, x1, out.t))
            loss = loss + self.teacher_weight * teaching
            parts["flow_teacher"] = float(teaching.detach())
        if self.warp_weight > 0:
            warping = pyramid_warp_loss(out.flows, x0.float(), x1.float(), target)
            loss = loss + self.warp_weight * warping
            parts["warp"] = float(warping.detach())
        return loss, parts

