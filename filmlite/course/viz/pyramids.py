"""The image pyramid (Sec. 3.1) as pictures and numbers, for notebook 01 and its widget.

A pyramid is a list of `(b, c, h, w)` tensors, finest level first, each level half the size of the one before.
`pyramid_level_view` shows one level (enlarged with its real pixels), `pyramid_mosaic` and `plot_pyramid` the
whole pyramid, and `pyramid_level_text` / `motion_per_level` what a motion of the full-size image becomes at a
coarse level: the reason FILM looks for large motions there.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .images import _first, resize_nearest, side_by_side, to_rgb
from .panels import _image_axis

__all__ = ["level_size", "pyramid_level_view", "motion_per_level", "pyramid_level_text", "pyramid_mosaic",
           "plot_pyramid"]


def level_size(pyramid: Sequence[torch.Tensor], level: int) -> tuple[int, int]:
    """(height, width) of a pyramid level."""
    return tuple(int(n) for n in pyramid[level].shape[-2:])


def pyramid_level_view(pyramid: Sequence[torch.Tensor], level: int, full_size: bool = True) -> np.ndarray:
    """Level `level` as an `(h, w, 3)` array; `full_size` enlarges it (nearest) to the size of level 0."""
    _check_level(pyramid, level)
    view = to_rgb(_first(pyramid[level]))
    return resize_nearest(view, level_size(pyramid, 0)) if full_size else view


def motion_per_level(motion: float, levels: int) -> list[float]:
    """How many pixels a motion of `motion` pixels at full resolution is at each level: motion / 2^level."""
    return [motion / 2**level for level in range(levels)]


def pyramid_level_text(pyramid: Sequence[torch.Tensor], level: int, motion: float | None = None) -> str:
    """One line about a level: its size, its scale and (optionally) what a full-resolution motion becomes."""
    _check_level(pyramid, level)
    h, w = level_size(pyramid, level)
    text = f"level {level}: {w} x {h} pixels, 1/{2**level} of the input in each direction"
    if motion is not None:
        text += f"; a {motion:g} px motion at level 0 is {motion / 2**level:g} px here"
    return text


def pyramid_mosaic(pyramid: Sequence[torch.Tensor], gap: int = 2) -> np.ndarray:
    """The classic picture of a pyramid: level 0 on the left, the coarser levels stacked top to bottom in a
    column to its right, each at its true size, on white. Returns `(h0, w0 + gap + w1, 3)`."""
    h0, w0 = level_size(pyramid, 0)
    w1 = level_size(pyramid, 1)[1] if len(pyramid) > 1 else 0
    height = max(h0, sum(level_size(pyramid, k)[0] + gap for k in range(1, len(pyramid))) - gap)
    canvas = np.ones((height, w0 + (gap + w1 if w1 else 0), 3), dtype=np.float32)
    canvas[:h0, :w0] = to_rgb(_first(pyramid[0]))
    y = 0
    for level in range(1, len(pyramid)):
        h, w = level_size(pyramid, level)
        canvas[y : y + h, w0 + gap : w0 + gap + w] = to_rgb(_first(pyramid[level]))
        y += h + gap
    return canvas


def _check_level(pyramid: Sequence, level: int) -> None:
    if not 0 <= level < len(pyramid):
        raise ValueError(f"level must be in 0..{len(pyramid) - 1} for a pyramid of {len(pyramid)} levels, got {level}")


def plot_pyramid(pyramid: Sequence[torch.Tensor], title: str | None = None, size: float = 1.8) -> Figure:
    """Two views of a pyramid. Top: every level at its true size, side by side (how little the coarse levels
    hold). Bottom: every level enlarged to one size with its real pixels (what a 3x3 filter sees there)."""
    levels = len(pyramid)
    h0, w0 = level_size(pyramid, 0)
    strip = side_by_side([to_rgb(level[:1]) for level in pyramid], gap=max(2, w0 // 64))
    fig = Figure(figsize=(size * levels, size * h0 / w0 + size * levels * strip.shape[0] / strip.shape[1] + 1.0),
                 layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[strip.shape[0] / strip.shape[1] * levels, h0 / w0 + 0.25])
    ax = top.subplots()
    _image_axis(ax, strip, "levels 0 .. %d at their true sizes" % (levels - 1))
    for k, ax in enumerate(bottom.subplots(1, levels, squeeze=False)[0]):
        h, w = level_size(pyramid, k)
        _image_axis(ax, resize_nearest(to_rgb(pyramid[k][:1]), (h0, w0)), f"level {k}: {w}x{h}")
    if title:
        fig.suptitle(title)
    return fig
