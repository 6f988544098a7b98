"""Loss curves and the style loss's Gram matrices (Sec. 4), for notebooks 04, 06 and 07.

A training log is a list of records (`filmlite.training.train.read_log`) or a dict of columns; `loss_columns`
turns either into columns, `smooth_curve` takes a running mean, and `plot_loss_curves` draws them.
`plot_gram_matrices` shows the channel correlations the style loss compares.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .panels import _figure

__all__ = ["loss_columns", "smooth_curve", "plot_loss_curves", "plot_gram_matrices"]


def loss_columns(curves) -> dict[str, list[float]]:
    """A training log as columns: accepts a dict of lists (returned as is) or a list of dicts (records, as
    `filmlite.training.train.read_log(run)["train"]` gives), whose keys become columns (missing entries are NaN)."""
    if isinstance(curves, Mapping):
        return {k: list(v) for k, v in curves.items()}
    records = list(curves)
    keys = list(dict.fromkeys(k for record in records for k in record))
    return {k: [record.get(k, float("nan")) for record in records] for k in keys}


def smooth_curve(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over the last `window` values (the first ones over as many as exist)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    n = np.minimum(np.arange(1, len(v) + 1), window)
    return (c[np.arange(1, len(v) + 1)] - c[np.arange(1, len(v) + 1) - n]) / n


def plot_loss_curves(curves, x: str | None = "step", keys: Sequence[str] | None = None, logy: bool = False,
                     smooth: int = 1, title: str | None = None, size: tuple[float, float] = (6.0, 3.5),
                     marker: str | None = None) -> Figure:
    """Curves from a dict of lists (or a list of dicts), one line per key, against column `x` (if present,
    else the index). `smooth` > 1 draws a running mean over that many points over the faint raw curve;
    `marker` (e.g. "o") marks every point, for short curves."""
    columns = loss_columns(curves)
    xs = columns.get(x) if x else None
    keys = [k for k in (keys or columns) if k != x]
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    for key in keys:
        ys = np.asarray(columns[key], dtype=np.float64)
        xv = np.asarray(xs if xs is not None else range(len(ys)), dtype=np.float64)
        if smooth > 1:
            line = ax.plot(xv, ys, alpha=0.25)[0]
            ax.plot(xv, smooth_curve(ys, smooth), color=line.get_color(), label=key, marker=marker)
        else:
            ax.plot(xv, ys, label=key, marker=marker)
    ax.set_xlabel(x if xs is not None else "index")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_gram_matrices(grams: Mapping[str, torch.Tensor], size: float = 2.8, shared_scale: bool = True,
                       cmap: str = "magma") -> Figure:
    """Gram matrices `(c, c)` (or `(1, c, c)`) side by side, on one colour scale when `shared_scale`."""
    mats = {k: (g.detach().float().cpu()[0] if g.dim() == 3 else g.detach().float().cpu()).numpy()
            for k, g in grams.items()}
    vmax = max(float(np.abs(m).max()) for m in mats.values()) if shared_scale else None
    fig, axes = _figure(1, len(mats), (size, size))
    for ax, (name, m) in zip(axes[0], mats.items()):
        shown = ax.imshow(m, cmap=cmap, vmin=0 if shared_scale and m.min() >= 0 else None, vmax=vmax)
        ax.set_title(f"{name}\n{m.shape[0]}x{m.shape[1]}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(shown, ax=list(axes[0]), shrink=0.8)
    return fig
