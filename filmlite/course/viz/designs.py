"""Three ways to interpolate (notebook 10): which flows Super SloMo, FILM and RIFE estimate, drawn and measured.

The three designs differ first in *which* motion the network estimates:

- **Super SloMo** (CVPR 2018): a U-Net estimates the flows between the inputs, F01 and F10; the flows from the
  unknown frame at t are derived from them, linearly in t (Eq. 4); a second U-Net corrects them and predicts
  visibility maps for the blend.
- **FILM** (ECCV 2022): flows between the inputs too, but between their feature pyramids, coarse to fine, with
  one predictor shared by the coarse levels; the inputs' features are warped halfway along them and a learned
  fusion decoder makes the frame.
- **RIFE** (ECCV 2022): no flow between the inputs at all; IFNet estimates the intermediate flows Ft0 and Ft1
  directly, coarse to fine, with a fusion mask, taught by a privileged teacher that sees the true frame.

`DESIGNS` states this as data (which arrows each design estimates, which it derives), `plot_three_designs` draws
it, and `design_maps` / `plot_design_maps` show the same flows, as each trained model computes them on a real pair.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from matplotlib.figure import Figure

from .flow import _flow_array, color_wheel, flow_to_color, rim_text
from .panels import _figure, _image_axis

__all__ = ["DESIGNS", "plot_three_designs", "design_maps", "maps_rim", "plot_design_maps"]

# For each design: the flows it estimates with a network ("estimated") and those it computes from others
# ("derived"), as (from, to, label); a flow "from A to B" tells, for each pixel of A, where it is in B.
# Then the steps after the flows, in the paper's words, and the sections they implement.
DESIGNS = {
    "Super SloMo": {
        "estimated": [("I0", "I1", "F01"), ("I1", "I0", "F10")],
        "derived": [("It", "I0", "Ft0 (Eq. 4)"), ("It", "I1", "Ft1 (Eq. 4)")],
        "then": "Ft0, Ft1 linear in t (Eq. 4), then a U-Net corrects\nthem and gives visibility Vt0 for the blend (Sec. 3)",
        "any_time": True,
    },
    "FILM": {
        "estimated": [("I0", "I1", "F01, per pyramid level"), ("I1", "I0", "F10, per pyramid level")],
        "derived": [("It", "I0", "½ F10"), ("It", "I1", "½ F01")],
        "then": "F01, F10 coarse to fine on feature pyramids (coarse\nlevels share weights); a U-Net fuses (Sec. 3.1-3.3)",
        "any_time": False,
    },
    "RIFE": {
        "estimated": [("It", "I0", "Ft0"), ("It", "I1", "Ft1")],
        "derived": [],
        "then": "Ft0, Ft1 and a fusion mask M, coarse to fine\n(3 IFBlocks); a teacher sees It in training (Sec. 3)",
        "any_time": True,
    },
}
_X = {"I0": 0.0, "It": 0.5, "I1": 1.0}
_ESTIMATED, _DERIVED = "#e15759", "#4e79a7"


def _arrow(ax, start: str, end: str, label: str, color: str, dashed: bool) -> None:
    """An arrow between two frames of the time line: between the inputs an arc (F01 above, F10 below), from the
    unknown frame It a straight arrow along the line, each with its label."""
    x0, x1 = _X[start], _X[end]
    style = "--" if dashed else "-"
    if "It" in (start, end):
        ax.annotate("", xy=(x1 + (0.09 if x1 < x0 else -0.09), 0), xytext=(x0 + (-0.08 if x1 < x0 else 0.08), 0),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=2.0, linestyle=style))
        ax.text((x0 + x1) / 2, 0.13, label, ha="center", va="bottom", fontsize=7.5, color=color)
        return
    peak = 0.5 if x1 > x0 else -0.5  # F01 above, F10 below
    xs = np.linspace(x0 + (0.04 if x1 > x0 else -0.04), x1 + (-0.04 if x1 > x0 else 0.04), 60)
    ys = 0.12 * np.sign(peak) + (peak - 0.12 * np.sign(peak)) * np.sin(np.pi * (xs - xs[0]) / (xs[-1] - xs[0]))
    ax.plot(xs[:-2], ys[:-2], color=color, lw=2.0, linestyle=style)
    ax.annotate("", xy=(xs[-1], ys[-1]), xytext=(xs[-3], ys[-3]), arrowprops=dict(arrowstyle="-|>", color=color, lw=2))
    ax.text(0.5, peak + 0.1 * np.sign(peak), label, ha="center", va="center", fontsize=7.5, color=color)


def plot_three_designs(size: tuple[float, float] = (4.2, 3.6)) -> Figure:
    """The three designs side by side: the frames I0, It, I1 on a time line; red solid arrows are the flows a
    network estimates, blue dashed ones the flows derived from them; below, what happens next."""
    fig, axes = _figure(1, len(DESIGNS), size)
    for ax, (name, design) in zip(axes.flat, DESIGNS.items()):
        for frame, x in _X.items():
            unknown = frame == "It"
            ax.text(x, 0, frame, ha="center", va="center", fontsize=11, fontweight="bold",
                    bbox=dict(boxstyle="round,pad=0.35", facecolor="white" if unknown else "#dddddd",
                              edgecolor="black", linestyle="--" if unknown else "-"))
        for start, end, label in design["estimated"]:
            _arrow(ax, start, end, label, _ESTIMATED, False)
        for start, end, label in design["derived"]:
            _arrow(ax, start, end, label, _DERIVED, True)
        ax.text(0.5, -0.95, design["then"], ha="center", va="center", fontsize=7.5)
        ax.text(0.5, -1.3, "any t" if design["any_time"] else "t = 1/2 only (more by recursion)", ha="center",
                va="center", fontsize=8, fontstyle="italic")
        ax.set_xlim(-0.2, 1.2)
        ax.set_ylim(-1.45, 0.75)
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    fig.suptitle("red, solid: estimated by a network;  blue, dashed: derived from those;  It: the unknown frame",
                 fontsize=9)
    return fig


def design_maps(model, x0: torch.Tensor, x1: torch.Tensor, t: float = 0.5) -> dict[str, torch.Tensor]:
    """What one trained model computes on its way to the frame at `t`, by name: flows `(2, h, w)` in full-size
    pixels and soft maps `(h, w)` in [0, 1]. `x0` and `x1` are `(1, 3, h, w)` with h and w multiples of the
    model's alignment (`filmlite.interpolate` pads; here nothing is padded, so the maps match the frames). The
    model runs where its weights are; the maps come back on the CPU."""
    device = next(model.parameters()).device
    x0, x1 = x0.to(device), x1.to(device)
    maps = _design_maps(model, x0, x1, t)
    return {name: value.float().cpu() for name, value in maps.items()}


def _design_maps(model, x0: torch.Tensor, x1: torch.Tensor, t: float) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        if model.name == "superslomo":
            s = model.intermediates(x0, x1, t)
            return {"F01 (estimated)": s.flow01[0], "Ft0, linear in t (Eq. 4)": s.flow_t0_linear[0],
                    "Ft0 after refinement": s.flow_t0[0], "visibility Vt0": s.visibility_t0[0, 0]}
        if model.name == "film":
            s = model.intermediates(x0, x1)
            return {"F01 (estimated, finest level)": s.forward_flows[0][0],
                    "F10 (estimated, finest level)": s.backward_flows[0][0]}
        if model.name == "rife":
            s = model.intermediates(x0, x1, t)
            maps = {f"Ft0 after block {k + 1}": flow[0, :2] for k, flow in enumerate(s.flows)}
            return {**maps, "fusion mask M": s.masks[-1][0, 0]}
    raise TypeError(f"design_maps knows FILM, RIFE and Super SloMo, not {model.name!r}")


def maps_rim(rows: Mapping[str, Mapping[str, torch.Tensor]]) -> float:
    """One colour scale for every flow of every design: the 99th percentile of their lengths (a few wild pixels
    would otherwise wash out the rest), in pixels."""
    lengths = [np.hypot(*_flow_array(m)).ravel() for maps in rows.values() for m in maps.values() if m.dim() == 3]
    return float(np.percentile(np.concatenate(lengths), 99)) if lengths else 1.0


def plot_design_maps(rows: Mapping[str, Mapping[str, torch.Tensor]], rim: float | None = None,
                     size: float = 2.6) -> Figure:
    """One row per design of `design_maps` outputs: every flow on ONE colour scale (`rim`, default `maps_rim`;
    the wheel closing each row is the legend), every soft map in grey from 0 (black) to 1 (white), with its bar."""
    rim = maps_rim(rows) if rim is None else rim
    ncols = max(len(maps) for maps in rows.values()) + 1
    first = next(iter(next(iter(rows.values())).values()))
    h, w = first.shape[-2:]
    fig, axes = _figure(len(rows), ncols, (size, size * h / w + 0.45))
    for r, (name, maps) in enumerate(rows.items()):
        for c, (title, value) in enumerate(maps.items()):
            ax = axes[r, c]
            if value.dim() == 3:
                _image_axis(ax, flow_to_color(value, rim), f"{name}: {title}")
            else:
                _image_axis(ax, value.float().cpu().numpy(), f"{name}: {title}", cmap="gray", colorbar=True, vmin=0,
                            vmax=1)
        for ax in axes[r, len(maps):-1]:
            ax.set_axis_off()
        _image_axis(axes[r, -1], color_wheel(96), f"flow colours: rim = {rim_text(rim)}")
    fig.suptitle(f"one colour scale for every flow: rim = {rim_text(rim)} (hue = direction)", fontsize=10)
    return fig
