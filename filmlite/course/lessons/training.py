"""What notebook 07 shows of a training run: its log, its curves and one step of its loop as code.

`training_summary` reads the essentials out of a `filmlite.training.train.read_log` log, `plot_training` draws the
loss (with its logged parts) and the validation PSNR against frame averaging, and `training_step_source` cuts one
step of the training loop out of `filmlite/training/train.py`, so the notebook shows the code that really runs.
"""
from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure

from ...training.losses import LOSS_KINDS

__all__ = ["training_summary", "LOSS_PARTS", "plot_training", "training_step_source"]


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
    from ..viz.losses import smooth_curve

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


def training_step_source(first: str = "for batch in loader:", last: str = "scaler.update()") -> str:
    """The lines of `filmlite/training/train.py` from the first line holding `first` to the next one holding `last`,
    dedented: by default one training step of its loop (the batch, the forward pass, the losses, backward and the
    optimiser step), wherever in the module the loop lives."""
    import inspect
    import textwrap

    from ...training import train

    lines = inspect.getsource(train).splitlines()
    starts = [k for k, line in enumerate(lines) if first in line]
    if not starts:
        raise ValueError(f"filmlite/training/train.py has no line with {first!r}")
    ends = [k for k, line in enumerate(lines) if last in line and k >= starts[0]]
    if not ends:
        raise ValueError(f"filmlite/training/train.py has no line with {last!r} after {first!r}")
    return textwrap.dedent("\n".join(lines[starts[0]:ends[0] + 1]))
