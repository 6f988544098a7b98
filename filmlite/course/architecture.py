"""FILM's architecture (the paper's Fig. 2) as a figure: `plot_architecture` draws it with a stage highlighted,
`plot_you_are_here` the strip at the top of each stage notebook; `ARCHITECTURE_STAGES` names the stages.
"""
from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure


# The stages of FILM (the paper's Fig. 2) in the order the data flows, each with the name `plot_architecture` and
# `plot_you_are_here` accept, its label in the "you are here" strip, and the notebook that teaches it.
ARCHITECTURE_STAGES = {
    "pyramid": ("image pyramids", "01"),
    "features": ("shared feature\nextractor", "02"),
    "flow": ("bi-directional\nresidual flow", "03, 04"),
    "warp": ("warp to t = 1/2", "03, 05"),
    "fusion": ("fusion U-Net", "05"),
    "output": ("output frame", "08"),
    "loss": ("losses", "06, 07"),
}
_STAGE_COLORS = {"pyramid": "#4e79a7", "features": "#59a14f", "flow": "#e15759", "warp": "#b07aa1",
                 "fusion": "#f28e2b", "output": "#76b7b2", "loss": "#9c755f"}


def _highlighted_stages(highlight) -> set[str]:
    """The stage names in `highlight` (None, one name or several), or a ValueError naming the valid ones."""
    if highlight is None:
        return set()
    names = [highlight] if isinstance(highlight, str) else list(highlight)
    for name in names:
        if name not in ARCHITECTURE_STAGES:
            raise ValueError(f"unknown stage {name!r}: choose from {', '.join(ARCHITECTURE_STAGES)} (or None)")
    return set(names)


def _stage_style(stage: str, highlighted: set[str]) -> dict:
    """Box colours: every stage in its colour when nothing is highlighted; else the highlighted ones strong and
    outlined, the others pale grey."""
    color = _STAGE_COLORS[stage]
    if not highlighted:
        return {"facecolor": color, "alpha": 0.35, "edgecolor": color, "linewidth": 1.2}
    if stage in highlighted:
        return {"facecolor": color, "alpha": 0.85, "edgecolor": "black", "linewidth": 2.5}
    return {"facecolor": "#d9d9d9", "alpha": 0.6, "edgecolor": "#bbbbbb", "linewidth": 1.0}


def _stage_box(ax, stage: str, x: float, y: float, w: float, h: float, text: str, highlighted: set[str],
               fontsize: float = 9) -> None:
    from matplotlib.patches import FancyBboxPatch

    style = _stage_style(stage, highlighted)
    box = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12", **style)
    box.set_gid(stage)
    ax.add_patch(box)
    bold = stage in highlighted
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize,
            fontweight="bold" if bold else "normal", color="black" if bold or not highlighted else "#555555")


def _arrow(ax, start, end, text: str | None = None, color: str = "#444444") -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=1.2,
                                 shrinkA=2, shrinkB=2))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, text, ha="center", va="bottom",
                fontsize=7.5, color="#333333")


def _pyramid_icon(ax, stage: str, x: float, y: float, w: float, levels: int, highlighted: set[str],
                  depth: int = 1) -> None:
    """Levels as bars, finest (widest) at the bottom, each half as wide as the one below; `depth` > 1 draws
    stacked copies (channels) behind each bar, for a feature pyramid."""
    from matplotlib.patches import Rectangle

    style = _stage_style(stage, highlighted)
    bar = 0.22
    for level in range(levels):
        width = w / 2**level
        left = x + (w - width) / 2
        for copy in reversed(range(depth)):
            patch = Rectangle((left + 0.05 * copy, y + level * (bar + 0.05) + 0.05 * copy), width, bar, **style)
            patch.set_gid(stage)
            ax.add_patch(patch)


def plot_architecture(highlight: str | Sequence[str] | None = None, size: tuple[float, float] = (12.0, 4.6)) -> Figure:
    """FILM's architecture (the paper's Fig. 2), drawn with boxes and arrows: two image pyramids -> one shared
    feature extractor -> scale-agnostic feature pyramids -> bi-directional residual flow (weights shared at the
    coarse levels) -> warp both inputs to t = 1/2 -> aligned pyramid -> fusion U-Net -> the output frame, trained
    with the losses against the true middle frame.

    `highlight` names stages to draw strong (the others turn grey): one of `ARCHITECTURE_STAGES` or several.
    """
    highlighted = _highlighted_stages(highlight)
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(0, 14.2)
    ax.set_ylim(-0.55, 4.9)
    ax.set_axis_off()
    lanes = {"0": 3.05, "1": 0.45}  # bottom of each input's lane
    for frame, y in lanes.items():
        ax.text(0.45, y + 0.55, f"input\n$I_{frame}$", ha="center", va="center", fontsize=10,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#888888"})
        _arrow(ax, (0.95, y + 0.55), (1.3, y + 0.55))
        _pyramid_icon(ax, "pyramid", 1.35, y, 1.5, 4, highlighted)
        _arrow(ax, (2.9, y + 0.55), (3.45, 2.3 if frame == "1" else 2.8))
        _pyramid_icon(ax, "features", 5.25, y, 1.5, 4, highlighted, depth=3)
        _arrow(ax, (4.75, 2.8 if frame == "0" else 2.3), (5.2, y + 0.55))
        _arrow(ax, (6.95, y + 0.55), (7.35, 2.8 if frame == "0" else 2.3))
    ax.text(2.1, 4.35, "image pyramids\n(2x2 average pool)", ha="center", fontsize=8.5)
    ax.text(6.05, 4.35, "scale-agnostic\nfeature pyramids", ha="center", fontsize=8.5)
    _stage_box(ax, "features", 3.5, 1.35, 1.2, 2.4, "shared\nfeature\nextractor\n\nsame weights:\nboth frames,\nevery level",
               highlighted, fontsize=8.5)
    _stage_box(ax, "flow", 7.4, 0.8, 1.6, 3.5, "bi-directional\nresidual flow\n\ncoarse to fine;\ncoarse levels\nshare weights;\n"
               "finest 3 levels\nhave their own", highlighted, fontsize=8.5)
    _arrow(ax, (9.05, 2.55), (9.4, 2.55), None)
    _stage_box(ax, "warp", 9.45, 1.5, 1.3, 2.1, "warp\nimages and\nfeatures\nto t = 1/2", highlighted, fontsize=8.5)
    _arrow(ax, (10.8, 2.55), (11.35, 2.55), "aligned\npyramid")
    _stage_box(ax, "fusion", 11.4, 1.7, 1.25, 1.7, "fusion\nU-Net", highlighted, fontsize=9.5)
    _arrow(ax, (12.7, 2.55), (13.0, 2.55))
    _stage_box(ax, "output", 13.05, 2.05, 1.05, 1.0, "output\n$\\hat I_{1/2}$", highlighted, fontsize=9.5)
    _arrow(ax, (13.57, 2.0), (13.57, 1.25))
    _stage_box(ax, "loss", 12.7, 0.1, 1.45, 1.1, "losses vs\ntrue $I_{1/2}$\n(L1, VGG, style)", highlighted,
               fontsize=8)
    title = "FILM (the paper's Fig. 2)"
    if highlighted:
        title += ": " + ", ".join(ARCHITECTURE_STAGES[s][0].replace("\n", " ") for s in ARCHITECTURE_STAGES
                                  if s in highlighted)
    ax.set_title(title, fontsize=11)
    return fig


def plot_you_are_here(stage: str | Sequence[str], size: tuple[float, float] = (12.0, 1.0)) -> Figure:
    """A one-line strip of FILM's stages with `stage` (one of `ARCHITECTURE_STAGES`, or several) highlighted: the
    top of every stage notebook. `plot_architecture(stage)` draws the whole diagram with the same highlight."""
    highlighted = _highlighted_stages(stage)
    if not highlighted:
        raise ValueError(f"plot_you_are_here needs a stage: one of {', '.join(ARCHITECTURE_STAGES)}")
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    count = len(ARCHITECTURE_STAGES)
    ax.set_xlim(-0.1, count * 1.4)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    for k, (name, (label, notebooks)) in enumerate(ARCHITECTURE_STAGES.items()):
        text = label.replace("\n", " ") if len(label) < 16 else label
        _stage_box(ax, name, k * 1.4, 0.12, 1.15, 0.76, text, highlighted, fontsize=8)
        if k + 1 < count:
            _arrow(ax, (k * 1.4 + 1.17, 0.5), (k * 1.4 + 1.38, 0.5))
    return fig
