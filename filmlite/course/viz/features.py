"""The shared encoder and the feature pyramid it builds (Sec. 3.1, Fig. 3), for notebook 02 and its widget.

FILM runs one small encoder on every level of the image pyramid and concatenates, for each feature level, the
outputs that have the same size (the cascade). `cascade_table` says which outputs make each level,
`feature_channel_source` where one channel comes from, `plot_cascade` draws Fig. 3 as a table, and
`feature_channel_view` / `plot_feature_maps` show what the channels respond to.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure

from ...film.config import FILMConfig
from .images import colorize, resize_nearest
from .panels import _figure, _image_axis

__all__ = ["cascade_table", "feature_channel_source", "feature_channel_view", "plot_cascade", "plot_feature_maps"]


def cascade_table(config: FILMConfig) -> list[list[tuple[int, int, int]]]:
    """Where every level of the feature pyramid comes from (Sec. 3.1, Fig. 3), finest level first.

    Level i lists `(image_level, block, channels)` in concatenation order: the output of encoder block j when
    the shared encoder starts at image level i - j, for j = 0 .. min(i, sub_levels - 1).
    """
    return [
        [(i - j, j, config.encoder_channels(j)) for j in range(min(i, config.sub_levels - 1) + 1)]
        for i in range(config.pyramid_levels)
    ]


def feature_channel_source(config: FILMConfig, level: int, channel: int) -> tuple[int, int, int]:
    """Which encoder output a channel of the feature pyramid is: `(image_level, block, channel_in_block)`."""
    if not 0 <= level < config.pyramid_levels:
        raise ValueError(f"level must be in 0..{config.pyramid_levels - 1}, got {level}")
    if not 0 <= channel < config.feature_channels(level):
        raise ValueError(f"level {level} has {config.feature_channels(level)} channels, got channel {channel}")
    for image_level, block, channels in cascade_table(config)[level]:
        if channel < channels:
            return image_level, block, channel
        channel -= channels
    raise AssertionError("unreachable: the table covers every channel")


def feature_channel_view(features: torch.Tensor, channel: int, size: tuple[int, int] | None = None,
                         cmap: str = "viridis") -> np.ndarray:
    """One channel of a feature map `(1, c, h, w)` or `(c, h, w)` as a coloured `(h, w, 3)` array (1st-99th
    percentile stretched over the colour map), enlarged (nearest) to `size` if given."""
    f = features.detach().float().cpu()
    f = f[0] if f.dim() == 4 else f
    if not 0 <= channel < f.shape[0]:
        raise ValueError(f"channel must be in 0..{f.shape[0] - 1}, got {channel}")
    view = colorize(f[channel].numpy(), cmap)
    return resize_nearest(view, size) if size is not None else view


def plot_cascade(config: FILMConfig) -> Figure:
    """Fig. 3 of the paper as a table: row i is the shared encoder run on image level i, column j its block j.
    Cell (i, j) has the size of level i + j, and every feature-pyramid level (one colour) concatenates one
    anti-diagonal of cells."""
    levels, depth = config.pyramid_levels, config.sub_levels
    fig = Figure(figsize=(1.6 * depth + 3.2, 0.6 * levels + 1.2), layout="constrained")
    ax = fig.subplots()
    palette = colormaps["tab10"]
    for i in range(levels):
        for j in range(min(levels - i, depth)):
            level = i + j
            ax.add_patch(_rectangle((j, i), palette(level % 10), alpha=0.55))
            ax.text(j + 0.5, i + 0.5, f"S[{i}][{j}]\n{config.encoder_channels(j)} ch", ha="center", va="center",
                    fontsize=8)
    for level in range(levels):
        ax.text(depth + 0.15, level + 0.5, f"feature level {level}: {config.feature_channels(level)} ch",
                color=palette(level % 10), va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(0, depth + 2.6)
    ax.set_ylim(levels, 0)
    ax.set_xticks([j + 0.5 for j in range(depth)], [f"block {j}" for j in range(depth)])
    ax.set_yticks([i + 0.5 for i in range(levels)], [f"image level {i}" for i in range(levels)])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("the shared encoder on every image level; one colour = one feature-pyramid level", fontsize=10)
    return fig


def _rectangle(xy, color, alpha):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, 1, 1, facecolor=color, edgecolor="white", linewidth=2, alpha=alpha)


def plot_feature_maps(features: torch.Tensor, channels: Sequence[int] | None = None, ncols: int = 6,
                      size: float = 1.7, title: str | None = None, cmap: str = "viridis",
                      shared_scale: bool = True) -> Figure:
    """Several channels of one feature map `(1, c, h, w)`, `ncols` (at most 8) panels of `size` inches in a row.

    `shared_scale=True`: one colour range for all the channels shown (their 1st-99th percentile together) and one
    colour bar, so strong and weak channels can be compared. `shared_scale=False`: each channel stretched over
    its own range (what each one responds to), each with its own colour bar.
    """
    if not 1 <= ncols <= 8:
        raise ValueError(f"ncols must be 1..8 (panels narrower than ~150 px are unreadable), got {ncols}")
    f = features.detach().float().cpu()
    f = f[0] if f.dim() == 4 else f
    channels = list(range(min(f.shape[0], 2 * ncols))) if channels is None else list(channels)
    nrows = math.ceil(len(channels) / ncols)
    h, w = f.shape[-2:]
    fig, axes = _figure(nrows, min(ncols, len(channels)), (size, size * h / w + 0.25))
    shown = f[channels].numpy()
    low, high = (float(np.percentile(shown, 1)), float(np.percentile(shown, 99))) if shared_scale else (None, None)
    for k, ax in enumerate(axes.flat):
        if k < len(channels):
            values = shown[k]
            if not shared_scale:
                low, high = float(np.percentile(values, 1)), float(np.percentile(values, 99))
            _image_axis(ax, values, f"ch {channels[k]}", cmap, colorbar=not shared_scale, vmin=low,
                        vmax=high if high > low else low + 1e-6)
        else:
            ax.set_axis_off()
    if shared_scale:
        fig.colorbar(axes.flat[0].images[0], ax=list(axes.flat), shrink=0.8, label="activation (one scale)")
    if title:
        fig.suptitle(title)
    return fig
