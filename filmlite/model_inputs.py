"""What every interpolator checks of its inputs, in one place: the pair of frames and the time t.

Each model (`filmlite.film`, `filmlite.superslomo`, `filmlite.rife`) calls `check_frame_pair` first thing and
reads t through `time_map`, so the three refuse bad input with the same words. Only cheap checks live here:
`filmlite.interpolate` validates value ranges, converts dtypes and pads any size for you.
"""
from __future__ import annotations

import torch
from torch import nn


def check_frame_pair(model: str, x0: torch.Tensor, x1: torch.Tensor, alignment: int, why: str = "") -> None:
    """Refuse anything but two `(b, 3, h, w)` tensors of one shape with h and w multiples of `alignment`.

    `model` names the network in the message ("FILM"); `why` says where its alignment comes from.
    """
    if x0.dim() != 4 or x0.shape[1] != 3 or x0.shape != x1.shape:
        raise ValueError(f"{model} expects two (b, 3, h, w) tensors of the same shape, got {tuple(x0.shape)} and "
                         f"{tuple(x1.shape)}; use filmlite.interpolate for single images or other sizes")
    h, w = x0.shape[-2:]
    if h % alignment or w % alignment:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{model} needs height and width that are multiples of {alignment}{reason}, got {h}x{w}; "
                         "filmlite.interpolate pads any size and crops the result back")


def time_map(t: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """t as a `(b, 1, 1, 1)` tensor on `like`'s device and dtype; t is a float or a `(b,)` tensor in [0, 1]."""
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.dim() == 0:
        t = t.expand(like.shape[0])
    if t.shape != (like.shape[0],) or not bool(((t >= 0) & (t <= 1)).all()):
        raise ValueError(f"t must be a float or a ({like.shape[0]},) tensor with values in [0, 1], got {t}")
    return t.view(-1, 1, 1, 1)


def count_parameters(module: nn.Module) -> int:
    """How many numbers the module learns (every parameter, trainable or not)."""
    return sum(p.numel() for p in module.parameters())
