"""RIFE's training loss: Laplacian L1 on the student's and the teacher's frame, plus privileged distillation.

Sec. 3.2-3.4; official `RIFE.py` (`update`) and `IFNet.py`:

    L = L_lap(output, It) + L_lap(teacher frame, It) + 0.01 L_dis

**Distillation.** For every student block i, pull its flow towards the teacher's final flow, but only at the
pixels where the teacher's frame is clearly better (its mean-over-channels error lower by more than 0.01):

    mask_i = [ |frame_i - It|_c > |teacher frame - It|_c + 0.01 ]          (per pixel, no gradient)
    L_dis  = sum_i mean( sqrt(mean_c (F_teacher - F_i)^2) * mask_i )      (no gradient into the teacher here)

Where the student already does as well the teacher has nothing to teach, and the flows may differ freely. The
teacher is trained by its own L_lap only. Intermediate blocks get no loss of their own on their frames: their
flows are shaped by the distillation and by the gradient through the later blocks.

Weights (`RIFE_LOSS_WEIGHTS`): 1, 1, 0.01. The RIFE code suggests 0.005 or 0.002 for the distillation of RIFE_m,
the model with a time input.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch

from .laplacian import laplacian_loss
from .model import RIFEIntermediates

RIFE_LOSS_WEIGHTS = {"reconstruction": 1.0, "teacher": 1.0, "distillation": 0.01}


def distillation_loss(out: RIFEIntermediates, target: torch.Tensor, margin: float = 0.01) -> torch.Tensor:
    """L_dis of the module docstring; needs `out` from `intermediates(..., target=target)` with a teacher."""
    if out.teacher_frame is None:
        raise ValueError("distillation needs the teacher's output: call intermediates(x0, x1, t, target=target) "
                         "on a model with RIFEConfig.teacher=True")
    teacher_error = (out.teacher_frame - target).abs().mean(1, keepdim=True)  # (b, 1, h, w)
    teacher_flow = out.teacher_flow.detach()
    total = 0.0
    for frame, flow in zip(out.frames, out.flows):
        worse = ((frame - target).abs().mean(1, keepdim=True) > teacher_error + margin).float().detach()
        # The 1e-12 keeps the square root's gradient finite where the flows agree exactly (zero-initialised
        # lite blocks start that way); it changes the value by at most 1e-6.
        distance = ((teacher_flow - flow) ** 2).mean(1, keepdim=True).add(1e-12).sqrt()  # (b, 1, h, w)
        total = total + (distance * worse).mean()
    return total


def rife_loss(
    out: RIFEIntermediates,
    x0: torch.Tensor,
    x1: torch.Tensor,
    target: torch.Tensor,
    weights: Mapping[str, float] = RIFE_LOSS_WEIGHTS,
    levels: int = 5,
) -> tuple[torch.Tensor, dict[str, float]]:
    """L for one batch: `(total, parts)`, parts the unweighted terms as floats.

    Args:
        out: `RIFE.intermediates(x0, x1, t, target=target)`; without a teacher output (no teacher, or no target
            given) only the reconstruction term is computed.
        x0, x1: the inputs; not used by RIFE's loss, taken so every filmlite interpolator's loss is called alike.
        target: `(b, 3, h, w)` the true frame at t, RGB in [0, 1].
        weights: one weight per term name of `RIFE_LOSS_WEIGHTS`; a term missing here counts 0.
        levels: bands of the Laplacian pyramid (5).
    """
    unknown = sorted(set(weights) - set(RIFE_LOSS_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown RIFE loss terms {unknown}; known: {sorted(RIFE_LOSS_WEIGHTS)}")
    terms = {"reconstruction": laplacian_loss(out.output, target, levels)}
    if out.teacher_frame is not None:
        terms["teacher"] = laplacian_loss(out.teacher_frame, target, levels)
        terms["distillation"] = distillation_loss(out, target)
    total = sum(weights.get(name, 0.0) * value for name, value in terms.items())
    return total, {name: float(value.detach()) for name, value in terms.items()}
