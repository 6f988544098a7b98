"""Numbers and pictures for the course's last notebooks: slow motion, training and evaluation.

Like `filmlite.viz`, everything a notebook shows is first computed by a small, pure function and only then
drawn, so the tests can check the numbers:

* **animations** (notebooks 00 and 08): `pingpong` plays a sequence forward and back, `shrink` makes frames
  small enough for a quick demo, `gif_image` writes a GIF (through `filmlite.video.write_frames`) and returns
  it as something a notebook displays.
* **training** (notebook 07): `training_summary` reads the essentials out of a `filmlite.train.read_log` log;
  `plot_training` draws the loss and the validation PSNR against frame averaging.
* **evaluation** (notebook 09): `model_method` turns a FILM into a function of two frames, like the baselines
  `filmlite.baselines.average_frames` and `dis_flow_interpolate`; `score_triplets` scores several such methods
  on the same triplets, `per_clip_table` and `markdown_table` summarise the scores, `worst_case` finds the
  triplet where a method does worst, and `motion_sweep` measures PSNR against motion magnitude on synthetic
  triplets whose motion is known exactly (FILM's claim, Sec. 1 and Sec. 5.2: learned multi-scale flow with
  shared weights keeps working where motion is large). `plot_per_clip` and `plot_motion_sweep` draw them.

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]. Scores follow
`filmlite.metrics` (prediction clipped to [0, 1], PSNR in dB with MAX = 1, SSIM as `tf.image.ssim`).
"""
from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from .losses import LOSS_KINDS

Method = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# =============================================================================================== animations
def pingpong(frames: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The frames forward, then backward without repeating either end: a loop that never jumps.

    `[a, b, c, d]` -> `[a, b, c, d, c, b]`; played in a loop it returns to `a` smoothly.
    """
    frames = list(frames)
    return frames + frames[-2:0:-1]


def shrink(image: torch.Tensor, max_side: int | None) -> torch.Tensor:
    """`image` `(3, h, w)` or `(b, 3, h, w)` in [0, 1] shrunk by area averaging so its longer side is at most
    `max_side` (None, or an image already small enough: returned unchanged)."""
    h, w = image.shape[-2:]
    if max_side is None or max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    batch = image if image.dim() == 4 else image[None]
    small = F.interpolate(batch.float(), size=size, mode="area").clamp(0, 1)
    return small if image.dim() == 4 else small[0]


def gif_image(frames, fps: float = 12.0, path: str | Path | None = None, loop: str = "pingpong"):
    """Write `frames` as an animated GIF and return an `IPython.display.Image` of it (a cell shows it).

    Args:
        frames: a list of `(3, h, w)` / `(1, 3, h, w)` frames or an `(n, 3, h, w)` tensor, float in [0, 1].
        fps: frames per second (GIF stores delays in 1/100 s; see `filmlite.video`).
        path: where to write; default a new file in a temporary folder.
        loop: "pingpong" (forward and back, see `pingpong`) or "forward".
    """
    from IPython.display import Image

    from .video import write_frames

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
    """The essentials of a training log (`filmlite.train.read_log`): steps done, seconds, first and last
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


LOSS_PARTS = (*LOSS_KINDS, "warp", "teacher")  # the parts `filmlite.train` may log beside the total


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
def model_method(model, **options) -> Method:
    """`model` (a FILM) as a method `(frame0, frame1) -> middle`; `options` go to `filmlite.interpolate`."""
    from .inference import interpolate

    def film(frame0: torch.Tensor, frame1: torch.Tensor) -> torch.Tensor:
        return interpolate(model, frame0, frame1, **options)

    return film


def predict_all(methods: Mapping[str, Method], triplet: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every method's middle frame `(1, 3, h, w)` (clipped to [0, 1]) for one triplet `(3, 3, h, w)`."""
    frame0, frame1 = triplet[0:1], triplet[2:3]
    with torch.no_grad():
        return {name: method(frame0, frame1).float().cpu().clamp(0, 1) for name, method in methods.items()}


def score_triplets(methods: Mapping[str, Method], triplets: Sequence[tuple[str, int, torch.Tensor]]) -> list[dict]:
    """PSNR and SSIM of every method on every triplet.

    Args:
        methods: name -> method (see the module docstring).
        triplets: `(clip, index, triplet)` as `filmlite.data.heldout_triplets` returns them.

    Returns:
        one row per triplet: `{"clip", "index", "psnr": {method: dB}, "ssim": {method: value}}`.
    """
    from .metrics import psnr, ssim

    rows = []
    for clip, index, triplet in triplets:
        middle = triplet[1:2]
        predictions = predict_all(methods, triplet)
        rows.append({"clip": clip, "index": index,
                     "psnr": {name: float(psnr(p, middle)[0]) for name, p in predictions.items()},
                     "ssim": {name: float(ssim(p, middle)[0]) for name, p in predictions.items()}})
    return rows


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

    For every magnitude m, `count` triplets of `filmlite.data.SyntheticTriplets(min_motion=m, max_motion=m)`:
    every foreground piece moves exactly m pixels between the inputs (the background up to m / 2). The same
    `seed` at every magnitude gives the same photos, shapes and directions, so only the motion changes along
    the curve.

    Returns:
        `{"magnitude": [m, ...], "psnr": {method: [mean dB per m]}, "ssim": {method: [...]},
        "examples": {m: triplet of the first item}}`.
    """
    from tqdm.auto import tqdm

    from .data import SyntheticTriplets

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
