"""Flow pictures: the colour wheel, flow statistics, flow pyramids (Sec. 3.2; notebooks 00, 03, 04, the widgets).

A flow has channel 0 = u (horizontal, positive to the right) and channel 1 = v (positive down), in pixels of its
own pyramid level; one pixel of level k is 2^k pixels of the input. `flow_to_color` colours a flow (hue is the
direction, saturation the length), `color_wheel` is its legend, and every flow figure states its colour scale as
"rim = N px" (`rim_text`). Levels of a flow pyramid are coloured in full-resolution pixels, so they share one
scale (`flow_level_view`, `plot_flow_pyramid`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.colors import hsv_to_rgb
from matplotlib.figure import Figure

from .images import ImageLike, _first, resize_nearest
from .panels import _figure, _image_axis
from .pyramids import _check_level

__all__ = ["flow_to_color", "color_wheel", "direction_name", "flow_statistics", "flow_level_text", "flow_pyramid_max",
           "flow_level_view", "rim_text", "plot_color_wheel", "plot_flow", "plot_flow_pyramid"]


def _flow_array(flow: torch.Tensor | np.ndarray) -> np.ndarray:
    """`(2, h, w)` float array from a flow `(1, 2, h, w)` or `(2, h, w)`."""
    if isinstance(flow, torch.Tensor):
        flow = flow.detach().to("cpu", torch.float32).numpy()
    flow = np.asarray(flow, dtype=np.float32)
    if flow.ndim == 4:
        if flow.shape[0] != 1:
            raise ValueError(f"expected one flow, got a batch of {flow.shape[0]} (index it, e.g. flow[0])")
        flow = flow[0]
    if flow.ndim != 3 or flow.shape[0] != 2:
        raise ValueError(f"a flow is (2, h, w) or (1, 2, h, w) with channel 0 = u, got shape {flow.shape}")
    return flow


def flow_to_color(flow: torch.Tensor | np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """The flow colour wheel: hue is the direction, saturation the length, zero flow is white.

    Directions (image coordinates, y down): right = red, down = yellow-green, left = cyan, up = violet. A flow
    of length `max_magnitude` (default: the largest in `flow`) or more is fully saturated.

    Returns:
        `(h, w, 3)` float32 RGB in [0, 1].
    """
    u, v = _flow_array(flow)
    magnitude = np.hypot(u, v)
    if max_magnitude is None:
        max_magnitude = float(magnitude.max())
    max_magnitude = max(float(max_magnitude), 1e-9)
    hue = (np.arctan2(v, u) / (2 * np.pi)) % 1.0
    saturation = np.clip(magnitude / max_magnitude, 0.0, 1.0)
    return hsv_to_rgb(np.stack([hue, saturation, np.ones_like(hue)], axis=-1)).astype(np.float32)


def color_wheel(size: int = 128) -> np.ndarray:
    """The legend of `flow_to_color`: the pixel at offset (dx, dy) from the centre shows the colour of the flow
    (dx, dy), scaled so the rim is the largest flow. Outside the disc is white. `(size, size, 3)`."""
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]
    v, u = np.meshgrid(coords, coords, indexing="ij")
    wheel = flow_to_color(np.stack([u, v]), max_magnitude=1.0)
    wheel[np.hypot(u, v) > 1] = 1.0
    return wheel


def direction_name(u: float, v: float) -> str:
    """'right', 'down-left', ... for a displacement in image coordinates (y down); 'none' for zero."""
    if math.hypot(u, v) < 1e-9:
        return "none"
    names = ["right", "down-right", "down", "down-left", "left", "up-left", "up", "up-right"]
    return names[round(math.atan2(v, u) / (math.pi / 4)) % 8]


def flow_statistics(flow: torch.Tensor | np.ndarray, level: int = 0) -> dict[str, float]:
    """Mean (u, v), mean and largest length of a flow of pyramid level `level`, in pixels of that level and
    (the `*_full` entries) in pixels of level 0, where one pixel of level k is 2^k pixels."""
    u, v = _flow_array(flow)
    magnitude = np.hypot(u, v)
    scale = 2**level
    stats = {"mean_u": float(u.mean()), "mean_v": float(v.mean()), "mean_magnitude": float(magnitude.mean()),
             "max_magnitude": float(magnitude.max())}
    stats.update({f"{k}_full": value * scale for k, value in list(stats.items())})
    return stats


def flow_level_text(flow: torch.Tensor, level: int, name: str = "flow") -> str:
    """One line about a flow level (batch item 0): size, mean and largest length here and at full resolution."""
    s = flow_statistics(_first(flow), level)
    h, w = flow.shape[-2:]
    return (f"{name}, level {level} ({w} x {h} px, 1/{2**level} scale): mean length {s['mean_magnitude']:.2f} px "
            f"here = {s['mean_magnitude_full']:.1f} px at full resolution; largest {s['max_magnitude']:.2f} px "
            f"({s['max_magnitude_full']:.1f} px); mean direction {direction_name(s['mean_u'], s['mean_v'])}")


def flow_pyramid_max(flows: Sequence[torch.Tensor]) -> float:
    """The largest flow length in a flow pyramid (first batch item), in full-resolution pixels: level k's
    flow counts 2^k times."""
    return max(float(np.hypot(*_flow_array(_first(flow))).max()) * 2**k for k, flow in enumerate(flows))


def flow_level_view(flows: Sequence[torch.Tensor], level: int, max_magnitude: float | None = None,
                    size: tuple[int, int] | None = None) -> np.ndarray:
    """Level `level` of a flow pyramid (batch item 0), coloured in full-resolution units (flow * 2^level) so all
    levels share one colour scale, enlarged (nearest) to the size of level 0 unless `size` is given."""
    _check_level(flows, level)
    colours = flow_to_color(_flow_array(_first(flows[level])) * 2**level, max_magnitude)
    return resize_nearest(colours, size or tuple(flows[0].shape[-2:]))


def rim_text(magnitude: float) -> str:
    """The flow colour scale as figures state it: the length at the colour wheel's rim, "12 px" or "0.4 px"."""
    return f"{magnitude:.0f} px" if magnitude >= 9.5 else f"{magnitude:.1g} px" if magnitude < 0.95 else \
        f"{magnitude:.1f} px"


def plot_color_wheel(size: int = 256) -> Figure:
    """The flow colour wheel with its four directions named."""
    fig = Figure(figsize=(3.2, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.imshow(color_wheel(size), extent=(-1, 1, 1, -1))
    labels = {"right (+u)": (1.02, 0), "left (-u)": (-1.02, 0), "down (+v)": (0, 1.1), "up (-v)": (0, -1.1)}
    for text, (x, y) in labels.items():
        ax.text(x, y, text, ha="left" if x > 0 else "right" if x < 0 else "center", va="center", fontsize=8)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(1.25, -1.25)
    ax.set_axis_off()
    ax.set_title("flow colour: hue = direction, saturation = length", fontsize=9)
    return fig


def plot_flow(flow: torch.Tensor, image: ImageLike | None = None, max_magnitude: float | None = None,
              arrows: int = 16, title: str | None = None, size: float = 4.0) -> Figure:
    """A flow in colour with arrows every `arrows` pixels (drawn to scale: an arrow is the displacement), next
    to `image` if given. Arrows point where each pixel reads from (backward warping). The title states the colour
    scale, "rim = N px" (`max_magnitude`, default the longest flow), and a small colour wheel in the corner is its
    legend."""
    u, v = _flow_array(flow)
    h, w = u.shape
    rim = float(np.hypot(u, v).max()) if max_magnitude is None else float(max_magnitude)
    panels = 2 if image is not None else 1
    fig, axes = _figure(1, panels, (size, size * h / w + 0.4))
    if image is not None:
        _image_axis(axes[0, 0], image, "image")
    ax = axes[0, -1]
    title = f"{title or 'flow'}, rim = {rim_text(rim)}"
    _image_axis(ax, flow_to_color(np.stack([u, v]), rim), title)
    legend = ax.inset_axes((0.84, 0.84, 0.15, 0.15))
    legend.imshow(color_wheel(64))
    legend.set_axis_off()
    if arrows:
        ys, xs = np.mgrid[arrows // 2 : h : arrows, arrows // 2 : w : arrows]
        longest = float(np.hypot(u, v).max())
        # to scale where that is visible; short flows are drawn longer, and the title says by how much
        gain = 1.0 if longest >= arrows / 2 else (arrows / 2) / max(longest, 1e-6)
        ax.quiver(xs, ys, gain * u[ys, xs], gain * v[ys, xs], angles="xy", scale_units="xy", scale=1, width=0.004,
                  color="black")
        if gain > 1:
            ax.set_title(f"{title} (arrows {gain:.1f}x longer)", fontsize=9)
    return fig


def plot_flow_pyramid(flows: Mapping[str, Sequence[torch.Tensor]], max_magnitude: float | None = None,
                      size: float = 2.2, ncols: int = 4) -> Figure:
    """A flow pyramid per block of rows (e.g. {"forward": ..., "backward": ...}), every level coloured in
    full-resolution pixels (level k's flow times 2^k) on one common scale, so the levels can be compared. Each
    title gives the level's size and its mean flow length at full resolution; the colour wheel closing each
    pyramid, and the figure's title, state the scale ("rim = N px"). At most `ncols` panels in a row (readable
    at notebook width)."""
    names = list(flows)
    levels = len(flows[names[0]])
    if max_magnitude is None:
        max_magnitude = max(flow_pyramid_max(pyramid) for pyramid in flows.values())
    h, w = flows[names[0]][0].shape[-2:]
    rows_per_flow = math.ceil((levels + 1) / ncols)
    fig, axes = _figure(len(names) * rows_per_flow, min(ncols, levels + 1), (size, size * h / w + 0.45))
    for block, name in enumerate(names):
        panels = list(axes[block * rows_per_flow:(block + 1) * rows_per_flow].flat)
        for level in range(levels):
            flow = flows[name][level][:1]
            fh, fw = flow.shape[-2:]
            stats = flow_statistics(flow, level)
            _image_axis(panels[level], flow_level_view(flows[name], level, max_magnitude),
                        f"{name} L{level} ({fw}x{fh})\nmean {stats['mean_magnitude_full']:.1f} px")
        _image_axis(panels[levels], color_wheel(96), f"rim = {rim_text(max_magnitude)}")
        for ax in panels[levels + 1:]:
            ax.set_axis_off()
    fig.suptitle(f"one colour scale for every level, in full-resolution pixels: rim = {rim_text(max_magnitude)}",
                 fontsize=10)
    return fig
