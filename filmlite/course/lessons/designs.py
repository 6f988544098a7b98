"""Three designs compared (notebook 10): what each costs, how each does at times other than 1/2, where each fails.

Everything here takes models by label (`{"FILM lite": film, "RIFE lite": rife, ...}`) and returns plain rows, so
the tests can check the numbers; the quality scores themselves are `score_triplets` and `interval_table` of
`scores.py` and `spread.py`, the same as notebook 09's.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from ...evaluation.costs import model_costs
from ...evaluation.scoring import score_windows, slowmo_method
from ...io.checkpoint import training_totals
from .spread import t_interval

__all__ = ["cost_table", "markdown_cost_table", "time_scores", "time_table", "plot_time_table", "worst_against_best"]


def cost_table(models: Mapping[str, torch.nn.Module], size: int = 256, repeats: int = 3) -> list[dict]:
    """Per model: parameters (at inference, and in training where they differ), GMAC per `size` x `size` pair
    (counted), CPU seconds per frame at that size (median of `repeats`, this machine, now), and the training
    behind its checkpoint (steps and hours, from its metadata; 0 for an untrained model)."""
    rows = []
    for label, model in models.items():
        device = next(model.parameters()).device
        row = model_costs(model.cpu(), size=size, repeats=repeats)
        model.to(device)
        steps, seconds = training_totals(getattr(model, "metadata", None) or {})
        rows.append({"model": label, **row, "training steps": steps, "training hours": seconds / 3600})
    return rows


def markdown_cost_table(rows: Sequence[dict], size: int = 256) -> str:
    lines = [f"| model | parameters (inference) | GMAC per {size}x{size} pair | CPU s / frame | training steps | "
             "training hours | note |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['inference params']:,} | {r['gmac']:.2f} | {r['seconds']:.3f} | "
                     f"{r['training steps']:,} | {r['training hours']:.1f} | {r['note']} |")
    return "\n".join(lines)


def time_scores(methods: Mapping[str, object], windows: Sequence[tuple[str, int, torch.Tensor]]) -> list[dict]:
    """PSNR at every time inside each window of true frames (`heldout_windows(span=3)`: t = 1/3 and 2/3), each
    method making the frames as `filmlite slowmo --factor` would (`slowmo_method`): a model that takes any t asks
    for the times themselves, FILM answers with the nearest midpoints of its recursion, a function
    `(x0, x1, t=...)` (DIS flow, cross-fade) is called at each time."""
    return score_windows({name: slowmo_method(m) for name, m in methods.items()}, windows)


def time_table(rows: Sequence[dict], reference: str, level: float = 0.95) -> list[dict]:
    """Per time (and "both"): every method's mean PSNR with its t-interval, and its paired margin over
    `reference` (per window and time: method minus reference) with its t-interval."""
    methods = list(rows[0]["psnr"])
    if reference not in methods:
        raise ValueError(f"reference must be one of the methods {methods}, got {reference!r}")
    groups = {t: [r for r in rows if r["t"] == t] for t in dict.fromkeys(r["t"] for r in rows)}
    groups["both"] = list(rows)
    table = []
    for t, group in groups.items():
        values = {m: np.array([r["psnr"][m] for r in group]) for m in methods}
        table.append({"t": t, "count": len(group), "mean": {m: t_interval(values[m], level) for m in methods},
                      "margin": {m: t_interval(values[m] - values[reference], level) for m in methods
                                 if m != reference}})
    return table


def plot_time_table(table: Sequence[dict], reference: str, size: tuple[float, float] = (11.0, 3.6)) -> Figure:
    """Left: mean PSNR per method at each time, with 95% intervals. Right: each method's paired margin over
    `reference`, with 95% intervals; above zero, it beats the reference."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, 2)
    methods = list(table[0]["mean"])
    others = [m for m in methods if m != reference]
    x = np.arange(len(table))
    for ax, shown, key in ((axes[0], methods, "mean"), (axes[1], others, "margin")):
        width = 0.8 / max(len(shown), 1)
        for k, m in enumerate(shown):
            values = np.array([row[key][m] for row in table])  # (times, 3): mean, low, high
            errors = np.abs(values[:, 1:].T - values[:, 0])
            ax.bar(x + (k - (len(shown) - 1) / 2) * width, values[:, 0], width, yerr=np.nan_to_num(errors),
                   capsize=3, label=m, color=f"C{methods.index(m)}")
        ax.set_xticks(x, [f"t = {row['t']}" if row["t"] != "both" else "both times" for row in table])
        ax.grid(alpha=0.3, axis="y")
    # one legend for both panels (a method has one colour in both), beside them: inside, it hid the error bars
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    axes[1].axhline(0, color="black", lw=0.8)
    axes[0].set_title("PSNR (dB): mean and 95% interval", fontsize=10)
    axes[1].set_title(f"margin over {reference} (dB), paired per frame", fontsize=10)
    # the bars start near the lowest interval, not at 0 dB, so that differences of tenths show; every interval
    # end stays inside the panel
    finite = [v for row in table for m in methods for v in row["mean"][m] if math.isfinite(v)]
    if finite:
        axes[0].set_ylim(max(0.0, math.floor(min(finite)) - 1), math.ceil(max(finite)) + 1)
    return fig


def worst_against_best(rows: Sequence[dict], method: str) -> tuple[int, str]:
    """Where `method` fails worst: the position in `rows` where it falls furthest below the best of the other
    methods on that triplet, and which method that was."""
    if not rows:
        raise ValueError("no scored triplets")
    others = [m for m in rows[0]["psnr"] if m != method]
    if method not in rows[0]["psnr"] or not others:
        raise ValueError(f"method must be one of {list(rows[0]['psnr'])}, with at least one other")

    def gap(row):
        return row["psnr"][method] - max(row["psnr"][m] for m in others)

    worst = min(range(len(rows)), key=lambda k: gap(rows[k]))
    best = max(others, key=lambda m: rows[worst]["psnr"][m])
    return worst, best
