"""How sure a mean score is: Student-t intervals and paired differences (notebooks 08 and 09).

`t_interval` gives a mean with its confidence interval, `interval_table` per-clip means with intervals and the
paired differences to a reference method, and `markdown_interval_table` prints that table.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .scores import clip_groups

__all__ = ["t_interval", "interval_table", "markdown_interval_table"]


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """`(mean, low, high)`: the mean of `values` and its Student-t confidence interval, mean +- t s / sqrt(n)
    (s the sample standard deviation, t the (1 + level) / 2 quantile of Student's t with n - 1 degrees of
    freedom). For independent draws from a normal population, intervals made this way hold the population
    mean in `level` of repeated experiments; neighbouring triplets of one clip are not independent, so read
    it as the spread of the mean, not as a guarantee. Fewer than two values: the interval is NaN."""
    from scipy.stats import t as student_t

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("t_interval needs at least one value")
    mean = float(x.mean())
    if x.size < 2 or not np.isfinite(x).all():
        return mean, float("nan"), float("nan")
    half = float(student_t.ppf((1 + level) / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def interval_table(rows: Sequence[dict], against: str, metric: str = "psnr", level: float = 0.95) -> list[dict]:
    """Like `per_clip_table`, with the spread: per clip and over all triplets, every method's mean `metric`
    with its t-interval, and the mean *paired* difference to the method `against` (per triplet, method minus
    `against`) with its t-interval. A paired difference removes what all methods share (how hard a triplet
    is), so its interval is much narrower than the intervals of the two means.

    Returns `[{"clip", "count", "mean": {m: (mean, low, high)}, "difference": {m: (mean, low, high)}}, ...]`.
    """
    if not rows:
        raise ValueError("no scored triplets: score_triplets returned nothing")
    methods = list(rows[0][metric])
    if against not in methods:
        raise ValueError(f"against must be one of the methods {methods}, got {against!r}")
    table = []
    for clip, group in clip_groups(rows).items():
        values = {m: [r[metric][m] for r in group] for m in methods}
        table.append({"clip": clip, "count": len(group),
                      "mean": {m: t_interval(values[m], level) for m in methods},
                      "difference": {m: t_interval(np.subtract(values[m], values[against]), level)
                                     for m in methods if m != against}})
    return table


def markdown_interval_table(table: Sequence[dict], against: str, unit: str = "dB") -> str:
    """`interval_table`'s result as a Markdown table: "mean [low, high]" per method, then the differences."""
    methods, others = list(table[0]["mean"]), list(table[0]["difference"])
    def show(mean, low, high, sign=""):
        return f"{mean:{sign}.2f} [{low:{sign}.2f}, {high:{sign}.2f}]"

    head = ["clip", "triplets"] + [f"{m} ({unit})" for m in methods] + [f"{m} - {against}" for m in others]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table:
        cells = [row["clip"], str(row["count"])]
        cells += [show(*row["mean"][m]) for m in methods] + [show(*row["difference"][m], "+") for m in others]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
