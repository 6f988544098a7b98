"""Super SloMo's training loss: reconstruction, perceptual, warping and smoothness (Sec. 3.3, Eq. 7).

    l = w_r l_r + w_p l_p + w_w l_w + w_s l_s

- **Reconstruction** l_r = mean |It - target|: the frame itself.
- **Perceptual** l_p = mean (phi(It) - phi(target))^2 with phi the conv4_3 features of an ImageNet VGG16: keeps
  edges and texture sharp where L1 would hedge. Optional here: pass any `features` function; nothing is downloaded.
- **Warping** l_w: each flow must explain the frames on its own. The *linear* intermediate flows must warp each
  input onto the target, and each flow between the inputs must warp one input onto the other:
      l_w = |g(I0, Ft0) - It| + |g(I1, Ft1) - It| + |g(I0, F10) - I1| + |g(I1, F01) - I0|   (each a mean)
  It gives the flow U-Net a signal of its own to compute real flow, not only whatever helps the refinement.
- **Smoothness** l_s = total variation of F01 and F10 (mean |horizontal difference| + mean |vertical difference|
  of each): neighbouring pixels should move alike.

**Weights.** The paper's 0.8, 0.005, 0.4, 1 were for pixels in [0, 255]; the reference code keeps pixels in [0, 1]
and multiplies the two pixel terms by 255: 204 and 102, with 0.005 and 1 unchanged (`SUPERSLOMO_LOSS_WEIGHTS`).
The 0.005 belongs to VGG16 conv4_3 on [0, 1] inputs. `filmlite.training.losses.pretrained_features()` returns other features
(VGG-19 on a 0-255 scale, or EfficientNet-Lite0): scale the weight to the features you pass.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from ..film.warp import warp
from .model import SuperSloMoIntermediates

SUPERSLOMO_LOSS_WEIGHTS = {"reconstruction": 204.0, "warping": 102.0, "perceptual": 0.005, "smoothness": 1.0}


def total_variation(flow: torch.Tensor) -> torch.Tensor:
    """Mean |horizontal difference| + mean |vertical difference| of a `(b, c, h, w)` map."""
    return (flow[..., :, 1:] - flow[..., :, :-1]).abs().mean() + (flow[..., 1:, :] - flow[..., :-1, :]).abs().mean()


def warping_loss(out: SuperSloMoIntermediates, x0: torch.Tensor, x1: torch.Tensor,
                 target: torch.Tensor) -> torch.Tensor:
    """l_w: the linear intermediate flows warp the inputs onto the target, F10 warps I0 onto I1, F01 I1 onto I0."""
    return ((out.warped0_linear - target).abs().mean() + (out.warped1_linear - target).abs().mean()
            + (warp(x0, out.flow10) - x1).abs().mean() + (warp(x1, out.flow01) - x0).abs().mean())


def superslomo_loss(
    out: SuperSloMoIntermediates,
    x0: torch.Tensor,
    x1: torch.Tensor,
    target: torch.Tensor,
    features: Callable[[torch.Tensor], torch.Tensor | list[torch.Tensor]] | None = None,
    weights: Mapping[str, float] = SUPERSLOMO_LOSS_WEIGHTS,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Eq. 7 for one batch: `(total, parts)`, parts the unweighted terms as floats.

    Args:
        out: `SuperSloMo.intermediates(x0, x1, t)`.
        x0, x1, target: `(b, 3, h, w)` inputs and true frame at t, RGB in [0, 1].
        features: image -> feature map (or list of maps) for the perceptual term, e.g. a frozen VGG; None skips it.
        weights: one weight per term name of `SUPERSLOMO_LOSS_WEIGHTS`; a term missing here counts 0.
    """
    unknown = sorted(set(weights) - set(SUPERSLOMO_LOSS_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown Super SloMo loss terms {unknown}; known: {sorted(SUPERSLOMO_LOSS_WEIGHTS)}")
    if out.output.shape != target.shape:
        raise ValueError(f"prediction {tuple(out.output.shape)} and target {tuple(target.shape)} differ in shape")
    terms = {
        "reconstruction": (out.output - target).abs().mean(),
        "warping": warping_loss(out, x0, x1, target),
        "smoothness": total_variation(out.flow01) + total_variation(out.flow10),
    }
    if features is not None:
        pred_features, target_features = features(out.output), features(target)
        if isinstance(pred_features, torch.Tensor):
            pred_features, target_features = [pred_features], [target_features]
        terms["perceptual"] = sum(((a - b) ** 2).mean() for a, b in zip(pred_features, target_features)) / len(
            pred_features)
    total = sum(weights.get(name, 0.0) * value for name, value in terms.items())
    return total, {name: float(value.detach()) for name, value in terms.items()}
