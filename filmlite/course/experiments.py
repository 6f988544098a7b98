"""The small experiments of notebooks 01-06: they run a model or optimise, and return numbers `viz` can draw.

* **motion a model finds** (notebook 04): `translation_sweep` shifts a photo by known amounts and reads the flows the
  model finds at level 0; `followed_shifts` says which shifts it follows.
* **what a loss rewards** (notebook 06): `texture_crops` (the same texture at several places: equally plausible
  middle frames), `gaussian_blur`, `expected_losses` (each candidate answer scored against all of them),
  `gram_change` (how far the style statistics moved) and `fit_image` (the one image a loss prefers, by gradient
  descent).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F

from ..training.losses import gram_matrix


def translation_sweep(model, image: torch.Tensor, shifts: Sequence[int], size: int, top: int = 0) -> list[dict]:
    """How well a model finds motions of known length: for every shift s, frames 0 and 1 are `size` x `size`
    crops of `image` (`(3, h, w)`), frame 1 with the content s px further right (`texture_crops` with shifts
    [s, 0]); the model's level-0 flows should then be u = +s forward (frame 0 to 1) and u = -s backward.

    Returns one row per shift: `{"shift", "forward_u", "backward_u"}`, the medians of u over the frame (the
    median ignores the strip at the edge where the content is in one frame only). `size` must suit the model
    (a multiple of `model.config.alignment`).
    """
    device = next(model.parameters()).device
    rows = []
    for shift in shifts:
        pair = texture_crops(image, size, [shift, 0], top=top).to(device)  # (2, 3, size, size)
        with torch.no_grad():
            stages = model.intermediates(pair[:1], pair[1:])
        rows.append({"shift": shift, "forward_u": float(stages.forward_flows[0][0, 0].median()),
                     "backward_u": float(stages.backward_flows[0][0, 0].median())})
    return rows


def followed_shifts(rows: Sequence[dict], tolerance: float = 0.1, slack: float = 1.0) -> list[int]:
    """The shifts of a `translation_sweep` the model finds: forward u and -backward u both within
    max(`tolerance` * shift, `slack`) px of the true shift."""
    return [row["shift"] for row in rows
            if max(abs(row["forward_u"] - row["shift"]), abs(-row["backward_u"] - row["shift"]))
            <= max(tolerance * row["shift"], slack)]


def gaussian_blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of `(b, c, h, w)` (or `(c, h, w)`), mirrored at the edges; sigma 0 is identity."""
    if sigma <= 0:
        return image.clone()
    single = image.dim() == 3
    x = image[None] if single else image
    radius = max(1, math.ceil(3 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = kernel / kernel.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # along rows
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # along columns
    return x[0] if single else x


def texture_crops(image: torch.Tensor, size: int, shifts: Sequence[int], top: int = 0, left: int = 0) -> torch.Tensor:
    """`size` x `size` crops of `(3, h, w)` (or `(1, 3, h, w)`) at (top, left + s) for every s in `shifts`:
    the same texture at several horizontal positions, `(k, 3, size, size)`. In the losses lesson they are the
    equally plausible "true" middle frames when the network cannot know exactly where a texture went."""
    img = image[0] if image.dim() == 4 else image
    h, w = img.shape[-2:]
    if top < 0 or top + size > h or left + min(shifts) < 0 or left + max(shifts) + size > w:
        raise ValueError(f"crops of {size} px at top {top}, left {left} + shifts {min(shifts)}..{max(shifts)} do not "
                         f"fit in an image of {h}x{w}")
    return torch.stack([img[:, top : top + size, left + s : left + s + size] for s in shifts])


def expected_losses(candidates: Mapping[str, torch.Tensor], truths: torch.Tensor,
                    losses: Mapping[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]],
                    feature_losses: Mapping[str, Callable[[list, list], torch.Tensor]] | None = None,
                    features: Callable[[torch.Tensor], list] | None = None) -> dict[str, dict[str, float]]:
    """The loss of each candidate answer, averaged over equally likely truths.

    Args:
        candidates: name -> image `(3, h, w)` or `(1, 3, h, w)`.
        truths: `(k, 3, h, w)`, the possible true frames, equally likely.
        losses: name -> `loss(pred (k, 3, h, w), truth (k, 3, h, w))` on pixels, the mean over the batch.
        feature_losses: name -> `loss(features_pred, features_truth)` on lists of feature maps (e.g.
            `filmlite.training.losses.perceptual_loss`, `style_loss`), the mean over the batch.
        features: the network that makes those lists (e.g. the VGG-19 of `filmlite.training.losses.load_vgg19`). The
            truths go through it once and every candidate once, not once per truth and per loss.

    Returns:
        `{candidate: {loss: value}}`. A loss "prefers" the candidate with the smallest value.
    """
    if feature_losses and features is None:
        raise ValueError("feature_losses need features=, the network that computes the feature maps")
    k = len(truths)
    table = {}
    with torch.no_grad():
        truth_features = features(truths) if feature_losses else None
        for name, image in candidates.items():
            single = image[None] if image.dim() == 3 else image  # (1, 3, h, w)
            pred = single.expand_as(truths)
            table[name] = {loss_name: float(fn(pred, truths)) for loss_name, fn in losses.items()}
            if feature_losses:
                pred_features = [f.expand(k, *f.shape[1:]) for f in features(single)]
                table[name].update({loss_name: float(fn(pred_features, truth_features))
                                    for loss_name, fn in feature_losses.items()})
    return table


def gram_change(features: Sequence[torch.Tensor], reference: Sequence[torch.Tensor]) -> list[float]:
    """Per VGG layer, how much the Gram matrix moved: ||G(features) - G(reference)|| / ||G(reference)||
    (Frobenius norms, first batch item; `filmlite.training.losses.gram_matrix`). 0 means the same texture statistics."""
    changes = []
    for a, b in zip(features, reference):
        ga, gb = gram_matrix(a[:1].float()), gram_matrix(b[:1].float())
        changes.append(float((ga - gb).norm() / gb.norm().clamp_min(1e-30)))
    return changes


def fit_image(truths: torch.Tensor, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], steps: int,
              lr: float = 0.02, init: torch.Tensor | None = None) -> tuple[torch.Tensor, list[float]]:
    """Find the single image that minimises `loss_fn` averaged over all `truths` `(k, 3, h, w)`, by gradient
    descent (Adam) on its pixels, starting from `init` (default: mid grey).

    This is what a network trained with that loss learns to output when the inputs cannot tell the truths apart.
    Returns the image `(1, 3, h, w)` in [0, 1] and the loss after every step.
    """
    start = torch.full_like(truths[:1], 0.5) if init is None else init.detach().clone().reshape_as(truths[:1])
    image = start.to(truths.device).requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    history = []
    for _ in range(steps):
        loss = loss_fn(image.expand_as(truths), truths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(0, 1)
        history.append(float(loss.detach()))
    return image.detach(), history
