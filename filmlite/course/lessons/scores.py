"""Scores of several methods on the same triplets, per clip and against motion (notebooks 00, 07 and 09).

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]. `model_method` turns
a model into one, `score_triplets` and `predict_all` run methods on triplets; these three are
`filmlite.evaluation.scoring`'s, which every score goes through. Here: `per_clip_table` and `markdown_table`
summarise the scores, `worst_case` finds the triplet where a method does worst, `motion_sweep` measures PSNR
against motion magnitude on synthetic triplets whose motion is known exactly (FILM's claim, Sec. 1 and Sec. 5.2:
learned multi-scale flow with shared weights keeps working where motion is large), and `plot_per_clip` /
`plot_motion_sweep` draw them.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ...evaluation.scoring import Method, model_method, predict_all, score_triplets

__all__ = ["Method", "model_method", "predict_all", "score_triplets", "clip_groups", "per_clip_table",
           "markdown_table", "worst_case", "plot_per_clip", "motion_sweep", "plot_motion_sweep"]


def clip_groups(rows: Sequence[dict]) -> dict[str, list[dict]]:
    """The scored triplets of each clip, the clips in the order they first appear, then every triplet as "all"."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["clip"], []).append(row)
    groups["all"] = list(rows)
    return groups


def per_clip_table(rows: Sequence[dict]) -> list[dict]:
    """Mean scores per clip and over all triplets: `[{"clip", "count", "psnr": {m: dB}, "ssim": {m: v}}, ...]`,
    the clips in the order they first appear, then "all". Means are over triplets (as FILM's tables)."""
    if not rows:
        raise ValueError("no scored triplets: score_triplets returned nothing")
    methods = list(rows[0]["psnr"])
    return [{"clip": clip, "count": len(group),
             "psnr": {m: float(np.mean([r["psnr"][m] for r in group])) for m in methods},
             "ssim": {m: float(np.mean([r["ssim"][m] for r in group])) for m in methods}}
            for clip, group in clip_groups(rows).items()]


def markdown_table(table: Sequence[dict]) -> str:
    """`per_clip_table`'s result as a Markdown table: one row per clip, PSNR and SSIM per method."""
    methods = list(table[0]["psnr"])
    head = ["clip", "triplets"] + [f"PSNR {m}" for m in methods] + [f"SSIM {m}" for m in methods]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table:
        cells = [row["clip"], str(row["count"])]
        cells += [f"{row['psnr'][m]:.2f}" for m in methods] + [f"{row['ssim'][m]:.4f}" for m in methods]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worst_case(rows: Sequence[dict], method: str, against: str | None = None) -> int:
    """The position in `rows` of the triplet where `method` does worst: its lowest PSNR, or, with `against`
    (another method), where it falls furthest below (or least above) that method."""
    if not rows:
        raise ValueError("no scored triplets")
    if method not in rows[0]["psnr"] or (against is not None and against not in rows[0]["psnr"]):
        raise ValueError(f"unknown method; the rows have {list(rows[0]['psnr'])}")
    key = (lambda r: r["psnr"][method]) if against is None else (lambda r: r["psnr"][method] - r["psnr"][against])
    return min(range(len(rows)), key=lambda k: key(rows[k]))


def plot_per_clip(table: Sequence[dict], metric: str = "psnr", size: tuple[float, float] = (7.0, 3.5)) -> Figure:
    """Grouped bars: the mean `metric` of every method on every clip (from `per_clip_table`)."""
    methods = list(table[0][metric])
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(methods)
    x = np.arange(len(table))
    values = np.array([[row[metric][m] for m in methods] for row in table])
    for k, name in enumerate(methods):
        ax.bar(x + (k - (len(methods) - 1) / 2) * width, values[:, k], width, label=name)
    ax.set_xticks(x, [f"{row['clip']}\n({row['count']})" for row in table])
    finite = values[np.isfinite(values)]
    if metric == "psnr" and finite.size:
        ax.set_ylim(max(0.0, math.floor(finite.min()) - 2), math.ceil(finite.max()) + 1)
    ax.set_ylabel("PSNR (dB)" if metric == "psnr" else metric.upper())
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the bars, never over them
    return fig


def motion_sweep(methods: Mapping[str, Method], magnitudes: Sequence[float], count: int = 8, size: int = 256,
                 seed: int = 1234, progress: bool = False) -> dict:
    """PSNR (and SSIM) of each method against motion magnitude, on synthetic triplets of known motion.

    For every magnitude m, `count` triplets of `filmlite.training.data.SyntheticTriplets(min_motion=m, max_motion=m)`:
    every foreground piece moves exactly m pixels between the inputs (the background up to m / 2). The same
    `seed` at every magnitude gives the same photos, shapes and directions, so only the motion changes along
    the curve.

    Returns:
        `{"magnitude": [m, ...], "psnr": {method: [mean dB per m]}, "ssim": {method: [...]},
        "examples": {m: triplet of the first item}}`.
    """
    from tqdm.auto import tqdm

    from ...training.data import SyntheticTriplets

    magnitudes = [float(m) for m in magnitudes]
    if count < 1 or not magnitudes:
        raise ValueError(f"need count >= 1 and at least one magnitude, got {count} and {magnitudes}")
    out = {"magnitude": magnitudes, "psnr": {m: [] for m in methods}, "ssim": {m: [] for m in methods},
           "examples": {}}
    for m in tqdm(magnitudes, desc="motion sweep", unit="magnitude", disable=not progress):
        data = SyntheticTriplets(length=count, size=size, min_motion=m, max_motion=m, seed=seed)
        items = [(f"{m:g}px", k, data[k]) for k in range(count)]
        out["examples"][m] = items[0][2]
        rows = score_triplets(methods, items)
        for name in methods:
            out["psnr"][name].append(float(np.mean([r["psnr"][name] for r in rows])))
            out["ssim"][name].append(float(np.mean([r["ssim"][name] for r in rows])))
    return out


def plot_motion_sweep(sweep: Mapping, size: tuple[float, float] = (11.0, 3.5)) -> Figure:
    """PSNR and SSIM against motion magnitude, one line per method (from `motion_sweep`)."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, 2)
    markers = "os^vD"
    for ax, metric, unit in zip(axes, ("psnr", "ssim"), ("PSNR (dB)", "SSIM")):
        for k, (name, values) in enumerate(sweep[metric].items()):
            ax.plot(sweep["magnitude"], values, marker=markers[k % len(markers)], label=name)
        ax.set(xlabel="motion between the inputs (px)", ylabel=unit)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("quality against motion magnitude")
    return fig
