"""Training objectives any interpolator can use: L1 on its frame at t, or its own loss function on its intermediates.

A model registers its objective in `filmlite.registry` (FILM's is `filmlite.film.objective.FILMObjective`). An
objective is a module built as `Objective(model, train_config)` and called as
`objective(x0, x1, target, t, progress)`, with `t` the `(b,)` times of the targets (all 1/2 unless the run trains
with `times="any"`) and `progress` the share of the run done (0 .. 1), returning `(loss, parts)`, `parts` the terms
to log by name. It holds the model, so DistributedDataParallel and torch.compile wrap the whole computation.

`loss_objective(loss)` makes one from a model's loss function `loss(intermediates, x0, x1, target) -> (loss, parts)`
(Super SloMo's `superslomo_loss`, RIFE's `rife_loss`), called on `model.intermediates(x0, x1, t, target=target)`.
"""
from __future__ import annotations

from functools import partial

import torch
from torch import nn


def refuse_film_settings(model: nn.Module, train_config, allowed: tuple[str, ...] = ()) -> None:
    """The warp loss, the flow teacher and the VGG losses are FILM's objective's: refuse them for another model,
    but those in `allowed` (RIFE's objective has a flow teacher and a warp loss of its own). FILM's warp levels
    (`warp_levels` all) are refused for every other model."""
    helpers = {"loss": train_config.loss != "l1", "warp_loss": train_config.warp_loss > 0,
               "warp_levels": train_config.warp_levels != "fusion", "flow_teacher": train_config.flow_teacher > 0}
    asked = [name for name, on in helpers.items() if on and name not in allowed]
    if asked:
        flags = {"loss": "--loss l1", "warp_loss": "--warp-loss 0", "warp_levels": "--warp-levels fusion",
                 "flow_teacher": "--flow-teacher 0"}
        raise ValueError(f"{', '.join(asked)} belong to FILM's objective, not {type(model).__name__}'s; train "
                         f"it with {' '.join(flags[name] for name in asked)}")


class L1Objective(nn.Module):
    """Mean absolute error of the frame at each target's time t."""

    def __init__(self, model: nn.Module, train_config):
        super().__init__()
        refuse_film_settings(model, train_config)
        self.model = model

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor, t: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        loss = (self.model(x0, x1, t).float() - target).abs().mean()
        return loss, {"l1": float(loss.detach())}


class LossObjective(nn.Module):
    """A model's own loss function on its intermediates at each target's time t."""

    def __init__(self, model: nn.Module, train_config, loss):
        super().__init__()
        refuse_film_settings(model, train_config)
        self.model, self.loss = model, loss

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor, t: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        out = self.model.intermediates(x0, x1, t, target=target)
        return self.loss(out, x0, x1, target)


def loss_objective(loss):
    """The objective that trains with `loss(intermediates, x0, x1, target) -> (loss, parts)`."""
    return partial(LossObjective, loss=loss)
