"""RIFE's training objective: `rife_loss`, and optionally a classical flow teacher for the first half of a run.

**The flow teacher (not in the ECCV paper; `--flow-teacher W`).** RIFE's privileged teacher sees the true frame,
but it starts as untrained as the students, so early on it has little to teach. The first RIFE (arXiv v1)
supervised the intermediate flows with a pretrained optical-flow network instead, and FILM-lite here learns its
flows from OpenCV's DIS flow early on (`filmlite.film.objective.teacher_loss`). This does the same for RIFE: DIS
gives F01 and F10 between the inputs (on the CPU, about 2 ms a 128x128 pair), Super SloMo's linear formula (Eq. 4)
turns them into the flows from time t, Ft0 and Ft1, and every student block's flows are pulled towards them by
an L1 loss, for the first half of the run only (as FILM-lite's teacher); the second half is RIFE's loss alone.
Where motion is not linear or DIS is wrong (occlusions, large motion) this teaches errors, which is why it stops.
"""
from __future__ import annotations

import torch
from torch import nn

from ..film.objective import TEACHER_SHARE
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


class RIFEObjective(nn.Module):
    """`rife_loss` on the model's intermediates at each target's time, plus the DIS flow teacher when
    `train_config.flow_teacher` > 0, during the first `TEACHER_SHARE` of the run."""

    def __init__(self, model: nn.Module, train_config):
        super().__init__()
        teacher_weight = train_config.flow_teacher
        refuse_film_settings(model, train_config, allowed=("flow_teacher",))
        if teacher_weight > 0:
            from ..evaluation.baselines import _cv2

            _cv2()  # OpenCV missing: say so before training starts
        self.model, self.teacher_weight = model, teacher_weight

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor, t: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        out = self.model.intermediates(x0, x1, t, target=target)
        loss, parts = rife_loss(out, x0, x1, target)
        if self.teacher_weight > 0 and progress < TEACHER_SHARE:
            teaching = flow_teacher_loss(out.flows, linear_flow_target(x0, x1, out.t))
            loss = loss + self.teacher_weight * teaching
            parts["flow_teacher"] = float(teaching.detach())
        return loss, parts

