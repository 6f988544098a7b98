"""The simplest training objective: L1 between the model's middle frame and the true one.

A model registers its own objective in `filmlite.registry` (FILM's is `filmlite.film.objective.FILMObjective`). This
one suits any interpolator whose paper trains on a reconstruction loss alone, and is a template for those that do
more: a module built as `Objective(model, train_config)` and called as `objective(x0, x1, target, progress)` with
`progress` the share of the run done, returning `(loss, parts)`, `parts` the terms to log by name.
"""
from __future__ import annotations

import torch
from torch import nn


class L1Objective(nn.Module):
    """Mean absolute error of the frame at t = 0.5 (training triplets hold the middle frame)."""

    def __init__(self, model: nn.Module, train_config):
        super().__init__()
        helpers = {"loss": train_config.loss != "l1", "warp_loss": train_config.warp_loss > 0,
                   "flow_teacher": train_config.flow_teacher > 0}
        asked = [name for name, on in helpers.items() if on]
        if asked:
            raise ValueError(f"{', '.join(asked)} belong to FILM's objective, not {type(model).__name__}'s; train "
                             "it with --loss l1 --warp-loss 0 --flow-teacher 0")
        self.model = model

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        loss = (self.model(x0, x1, 0.5).float() - target).abs().mean()
        return loss, {"l1": float(loss.detach())}
