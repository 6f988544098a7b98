"""FILM's half-flow step (Sec. 3.3) as a 1-D sketch, for notebook 05.

In one dimension the flow FILM uses to warp an input to t = 1/2 (half the flow between the inputs) and the flow
it would need (from the middle frame, which does not exist yet) can be drawn as two curves over the same pixels:
they differ only in strips at the motion boundaries. `half_flow_sketch` computes the signals and the strips,
`plot_half_flow_sketch` draws them.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

__all__ = ["half_flow_sketch", "plot_half_flow_sketch"]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in a 1-D boolean array as half-open intervals [start, stop)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def half_flow_sketch(length: int = 160, start: int = 40, width: int = 48, motion: int = 32) -> dict:
    """FILM's half-flow step (Sec. 3.3) in one dimension, where everything can be seen at once.

    A textured object, pixels [start, start + width) in frame 0, moves `motion` px to the right over a still
    textured background; frame 1 has it at start + motion, the true middle frame at start + motion / 2. To
    backward-warp input 1 to t = 1/2, one needs the flow *from the middle frame* to frame 1: motion / 2 where
    the object is at t = 1/2, else 0 (`true_flow`). The middle frame does not exist yet, so FILM takes half the
    forward flow (frame 0 -> 1) at the same pixel instead: motion / 2 where the object is *in frame 0*
    (`half_flow`). The two agree inside the object and on the background away from it, and differ in two strips
    `motion / 2` px wide at the object's edges, the motion boundaries (`wrong`). A third strip, background that
    the object covers in frame 1 (`occluded`), cannot be read from input 1 with any flow.

    Flows are whole pixels here (`motion` is even), so warping is plain indexing with border clamping.
    Returns numpy arrays `x`, `frame0`, `frame1`, `middle`, `true_flow`, `half_flow`, `warped_true`,
    `warped_half` (input 1 warped with either flow), boolean `wrong` and `occluded`, and `wrong_runs`,
    `occluded_runs`: the same as lists of [start, stop) intervals.
    """
    if motion <= 0 or motion % 2:
        raise ValueError(f"motion must be a positive even number of pixels (whole-pixel half flows), got {motion}")
    if width <= motion // 2:
        raise ValueError(f"width ({width}) must exceed motion / 2 ({motion // 2}) so the two edge strips stay apart")
    if start < 0 or start + width + motion > length:
        raise ValueError(f"the object ({start} + {width} px, moving {motion} px) must stay inside {length} px")
    x = np.arange(length)
    background = 0.35 + 0.08 * np.sin(2 * np.pi * x / 23) + 0.05 * np.sin(2 * np.pi * x / 7)

    def frame(position: int) -> np.ndarray:
        inside = (x >= position) & (x < position + width)
        texture = 0.75 + 0.12 * np.sin(2 * np.pi * (x - position) / 11)  # moves with the object
        return np.where(inside, texture, background), inside

    frame0, in0 = frame(start)
    frame1, in1 = frame(start + motion)
    middle, in_middle = frame(start + motion // 2)
    true_flow = np.where(in_middle, motion // 2, 0)
    half_flow = np.where(in0, motion // 2, 0)  # 0.5 * forward flow, anchored on frame 0's pixels

    def warp_1d(signal: np.ndarray, flow: np.ndarray) -> np.ndarray:
        return signal[np.clip(x + flow, 0, length - 1)]

    wrong = true_flow != half_flow
    occluded = ~in_middle & in1  # background at t = 1/2 that the object hides in frame 1
    return {"x": x, "frame0": frame0, "frame1": frame1, "middle": middle, "true_flow": true_flow,
            "half_flow": half_flow, "warped_true": warp_1d(frame1, true_flow),
            "warped_half": warp_1d(frame1, half_flow), "wrong": wrong, "occluded": occluded,
            "wrong_runs": _runs(wrong), "occluded_runs": _runs(occluded), "motion": motion}


def plot_half_flow_sketch(sketch: Mapping, size: tuple[float, float] = (10.0, 6.5)) -> Figure:
    """The 1-D sketch of `half_flow_sketch` in three rows that share the x axis: the signals (frame 0, frame 1,
    the true middle frame); the flow that warps input 1 to t = 1/2 (true) against FILM's half forward flow, with
    the strips where they differ shaded; input 1 warped with each flow against the true middle frame."""
    x = sketch["x"]
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)

    def shade(ax, occlusions: bool) -> None:
        for k, (a, b) in enumerate(sketch["wrong_runs"]):
            ax.axvspan(a - 0.5, b - 0.5, color="tab:red", alpha=0.18, lw=0,
                       label="half flow is off (motion boundary)" if k == 0 else None)
        for k, (a, b) in enumerate(sketch["occluded_runs"] if occlusions else []):
            ax.axvspan(a - 0.5, b - 0.5, color="grey", alpha=0.25, lw=0, hatch="//",
                       label="hidden in frame 1 (occlusion)" if k == 0 else None)

    ax = axes[0]
    ax.plot(x, sketch["frame0"], color="tab:blue", lw=1.2, label="frame 0 (t = 0)")
    ax.plot(x, sketch["frame1"], color="black", lw=1.2, label="frame 1 (t = 1)")
    ax.plot(x, sketch["middle"], color="tab:green", lw=2.2, alpha=0.7, label="true middle frame (t = 1/2)")
    ax.set_ylabel("brightness")
    ax.set_title(f"a textured object moves {sketch['motion']} px to the right over a still background", fontsize=10)

    ax = axes[1]
    shade(ax, occlusions=False)
    ax.step(x, sketch["true_flow"], where="mid", color="tab:green", lw=2.2, alpha=0.7,
            label="true flow from t = 1/2 to frame 1")
    ax.step(x, sketch["half_flow"], where="mid", color="tab:orange", lw=1.6, ls="--",
            label="FILM: 0.5 x forward flow, read on frame 0's pixels")
    ax.set_ylabel("flow u (px)")
    ax.set_title("the flow that warps input 1 to the middle", fontsize=10)

    ax = axes[2]
    shade(ax, occlusions=True)
    ax.plot(x, sketch["middle"], color="tab:green", lw=2.2, alpha=0.7, label="true middle frame")
    ax.plot(x, sketch["warped_true"], color="tab:purple", lw=1.4, ls=":", label="input 1 warped with the true flow")
    ax.plot(x, sketch["warped_half"], color="tab:orange", lw=1.4, ls="--", label="input 1 warped with the half flow")
    ax.set_ylabel("brightness")
    ax.set_xlabel("pixel x")
    ax.set_title("input 1 warped to t = 1/2", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    axes[1].set_ylim(-0.5, sketch["motion"] / 2 * 1.9)
    return fig
