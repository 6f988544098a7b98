"""How filmlite trains FILM: the loss of the paper's Sec. 4, and two helpers of the project's that FILM lacks.

`filmlite.training.train` runs any registered model's objective the same way: `objective = FILMObjective(model,
train_config)`, then, every step, `loss, parts = objective(x0, x1, target, t, progress)` with `t` the `(b,)` times
of the targets (FILM learns middle frames only: all 1/2, anything else is refused) and `progress` the share of the
run done (0 .. 1), and `loss.backward()`. The objective is a module holding the model, so that
DistributedDataParallel and `torch.compile` wrap the whole computation, intermediates and all.

* **FILM's loss** (`filmlite.training.losses.FILMLoss`): L1, or L1 + VGG, or L1 + VGG + style, with the weight
  schedule's boundary at half of the run as in FILM (1.5M of 3M steps).
* **Two helpers that are not FILM's** (off unless their weights are set; the project's recipes switch them on,
  because FILM learns motion only from the output loss, which from random weights takes far longer than a CPU run
  lasts): `warp_loss`, the L1 between each warped input and the true middle frame at every fusion level, and
  `teacher_loss`, the L1 between the network's flows and OpenCV's DIS flow, for the first half of the run only
  (then the network is on its own). With both weights at 0 and `--model film` this trains exactly as FILM does.
"""
from __future__ import annotations

import torch
from torch import nn

from .pyramid import image_pyramid
from .model import TIME
from .warp import warp

TEACHER_SHARE = 0.5  # the flow teacher guides the first half of a run; the second half is FILM's loss alone


def warp_loss(stages, target: torch.Tensor, all_levels: bool = False) -> torch.Tensor:
    """Mean over the fusion levels (`all_levels`: over every pyramid level) of L1(warped input 0, middle) +
    L1(warped input 1, middle), with the middle frame average-pooled to each level like the image pyramid.

    Not in FILM, which trains the flow only through the decoder's output. It tells every pyramid level
    directly how well its flow lines the inputs up with the true middle frame; at coarse levels, where a
    large motion is only a few pixels, that gradient is informative, which is what lets a short run learn
    motion instead of settling on a blend. Occluded pixels cannot match and add a constant floor.

    The fusion levels stop short of the coarsest ones (5 of lite's 7), whose shared predictor finds the large
    motions; their flows then learn only through the finer levels', where a bilinear warp's gradient reaches
    about a pixel of that level. `all_levels` also warps the images of the levels below the fusion levels by
    their own flows (the features are not needed there), so each coarse level is told directly how well it
    aligned the inputs, a reach of a pixel of *its* size (64 px of the frame at level 6).
    """
    levels = len(stages.image_pyramid0) if all_levels else len(stages.warped0)
    warped0, warped1 = list(stages.warped_images0), list(stages.warped_images1)
    for i in range(len(warped0), levels):
        warped0.append(warp(stages.image_pyramid0[i], TIME * stages.backward_flows[i]))
        warped1.append(warp(stages.image_pyramid1[i], TIME * stages.forward_flows[i]))
    return alignment_error(warped0, warped1, image_pyramid(target, levels))


def alignment_error(warped0: list[torch.Tensor], warped1: list[torch.Tensor],
                    middles: list[torch.Tensor]) -> torch.Tensor:
    """Mean over pyramid levels of L1(warped input 0, middle) + L1(warped input 1, middle): how well the flows
    line both inputs up with the true frame, level by level (FILM-lite's warp loss; RIFE's pyramid warp loss)."""
    terms = [(w0.float() - m).abs().mean() + (w1.float() - m).abs().mean()
             for w0, w1, m in zip(warped0, warped1, middles)]
    return torch.stack(terms).mean()


def teacher_loss(stages, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """L1 between the network's flows and OpenCV's DIS flow, both directions, mean over the fusion levels.

    Not in FILM, whose flow learns only from the output loss, which from random weights takes very long.
    A classical flow as a teacher (as RIFE and IFRNet do with a stronger one) tells the flow predictors from
    the first step where things move; the decoder then learns what the flow gets wrong (occlusions, blur).
    Teacher flows are computed on the fly, on the CPU (about 2 ms a 128x128 pair). DIS flow at level i is
    level i of its image pyramid (2x2 average pooling i times) divided by 2^i, since flows are in pixels of
    their level.
    """
    from ..evaluation.baselines import dis_flow

    with torch.no_grad():
        a, b = x0.detach().float().cpu(), x1.detach().float().cpu()
        forward = dis_flow(a, b).to(x0.device)
        backward = dis_flow(b, a).to(x0.device)
    levels = len(stages.warped0)
    terms = []
    for flows, teacher in ((stages.forward_flows, forward), (stages.backward_flows, backward)):
        for i, pooled in enumerate(image_pyramid(teacher, levels)):
            terms.append((flows[i].float() - pooled / 2**i).abs().mean())
    return torch.stack(terms).mean()


class FILMObjective(nn.Module):
    """FILM's training loss for one batch, with the warp loss and the flow teacher when `train_config` asks."""

    def __init__(self, model: nn.Module, train_config):
        from ..training.losses import FILMLoss, load_vgg19

        super().__init__()
        self.model = model
        self.warp_weight, self.teacher_weight = train_config.warp_loss, train_config.flow_teacher
        self.warp_all_levels = train_config.warp_levels == "all"
        if self.teacher_weight > 0:
            try:
                import cv2  # noqa: F401
            except ImportError:
                raise ImportError("flow_teacher uses OpenCV's DIS flow: pip install opencv-python-headless (or "
                                  "filmlite[flow]), or train without the teacher: --flow-teacher 0") from None
        vgg = None
        if train_config.loss != "l1":
            named = train_config.vgg_weights in ("imagenet", "random")
            vgg = load_vgg19(train_config.vgg_weights if named else "imagenet",
                             path=None if named else train_config.vgg_weights)
        self.criterion = FILMLoss(train_config.loss, vgg=vgg)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, target: torch.Tensor, t: torch.Tensor,
                progress: float) -> tuple[torch.Tensor, dict[str, float]]:
        if not bool((t == 0.5).all()):
            raise ValueError("FILM learns the middle frame only (t = 1/2), and this batch holds targets at other "
                             "times: train FILM with --times middle (its recipes do)")
        teach = self.teacher_weight > 0 and progress < TEACHER_SHARE
        if teach or self.warp_weight > 0:  # the extra losses need the flows and warped images
            stages = self.model.intermediates(x0, x1)
            prediction = stages.output
        else:
            prediction = self.model(x0, x1)
        loss, parts = self.criterion(prediction.float(), target, progress)
        if self.warp_weight > 0:
            warping = warp_loss(stages, target, self.warp_all_levels)
            loss = loss + self.warp_weight * warping
            parts["warp"] = float(warping.detach())
        if teach:
            teaching = teacher_loss(stages, x0, x1)
            loss = loss + self.teacher_weight * teaching
            parts["teacher"] = float(teaching.detach())
        return loss, parts
