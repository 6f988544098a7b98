"""Grids of panels: `show_images`, the figure every notebook (00-09) draws most, and its zoom insets.

Figures are `matplotlib.figure.Figure` objects made without pyplot: they never pile up in pyplot's list of open
figures, work on a machine without a display, and a notebook shows one when it is a cell's last value. The
figure standard (CONTRIBUTING.md) lives here: maps that are compared share one scale and one colour bar
(`scale="shared"`), signed maps use a symmetric diverging scale (`scale="signed"`), and small regions get a zoom
inset (`zoom_inset`, placed with `peak_box`). `_figure` and `_image_axis` are the two helpers every other figure
of `viz` is built from.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from .images import ImageLike, _display_array

__all__ = ["SCALES", "show_images", "ZOOM_CORNERS", "zoom_inset", "peak_box"]


def _figure(nrows: int, ncols: int, panel: tuple[float, float], **kwargs) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False, **kwargs))
    return fig, axes


def _image_axis(ax, image, title: str | None = None, cmap: str = "viridis", colorbar: bool = False,
                vmin: float | None = None, vmax: float | None = None) -> None:
    image = _display_array(image)
    if image.ndim == 2:
        shown = ax.imshow(image, cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
        if colorbar:
            ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    else:
        ax.imshow(np.clip(image, 0, 1), interpolation="nearest")
    if title:
        ax.set_title(title, fontsize=9)
    ax.set_axis_off()


SCALES = ("own", "shared", "signed")


def show_images(images: Sequence[ImageLike] | Mapping[str, ImageLike], titles: Sequence[str] | None = None,
                ncols: int | None = None, size: float = 3.0, cmap: str | None = None, colorbar: bool = False,
                suptitle: str | None = None, vmin: float | None = None, vmax: float | None = None,
                scale: str = "own", label: str | None = None,
                zoom: tuple[int, int, int, int] | None = None) -> Figure:
    """A grid of images: RGB ones as they are, 2-D arrays (or `(1, h, w)` tensors) through a colour map.

    `scale` says how the 2-D maps are coloured (see CONTRIBUTING.md, the figure standard):
      * "own" (default): each map on its own range (with `colorbar`, one bar per map); `vmin` / `vmax` fix one
        range for all.
      * "shared": one range over all the maps (smallest to largest value) and ONE colour bar: for maps that are
        compared with each other.
      * "signed": one range symmetric about zero, -m .. m with m the largest |value|, through a diverging colour
        map (default "RdBu_r": negative blue, zero white, positive red) and one colour bar: for signed maps, where
        zero must look neutral.
    `label` names the shared colour bar. `zoom=(x, y, w, h)` (pixels) enlarges the same region of every panel in
    an inset (`zoom_inset`), for ghosts, occlusions and seams. `images` may be a list (with optional `titles`) or
    a dict from title to image. Panels are `size` inches wide, with the aspect ratio of the first image.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    if isinstance(images, Mapping):
        titles, images = list(images), list(images.values())
    arrays = [_display_array(image) for image in images]
    maps = [a for a in arrays if a.ndim == 2]
    if scale == "signed" and maps:
        m = max(max(float(np.nanmax(np.abs(a))) for a in maps), 1e-12)
        vmin, vmax = -m if vmin is None else vmin, m if vmax is None else vmax
    elif scale == "shared" and maps:
        vmin = min(float(np.nanmin(a)) for a in maps) if vmin is None else vmin
        vmax = max(float(np.nanmax(a)) for a in maps) if vmax is None else vmax
    cmap = cmap or ("RdBu_r" if scale == "signed" else "viridis")
    ncols = ncols or min(len(arrays), 4)
    nrows = math.ceil(len(arrays) / ncols)
    h, w = arrays[0].shape[:2]
    fig, axes = _figure(nrows, ncols, (size, size * h / w + 0.3))
    for k, ax in enumerate(axes.flat):
        if k < len(arrays):
            _image_axis(ax, arrays[k], titles[k] if titles else None, cmap, colorbar and scale == "own", vmin, vmax)
            if zoom is not None:
                zoom_inset(ax, zoom)
        else:
            ax.set_axis_off()
    if scale != "own" and maps:
        shown = next(ax.images[0] for ax, a in zip(axes.flat, arrays) if a.ndim == 2)
        fig.colorbar(shown, ax=list(axes.flat), shrink=0.8, label=label)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


ZOOM_CORNERS = ("lower right", "lower left", "upper right", "upper left")


def zoom_inset(ax, box: tuple[int, int, int, int], corner: str = "lower right", size: float = 0.42,
               color: str = "yellow"):
    """Enlarge the region `box = (x, y, w, h)` (pixels of the image shown in `ax`) in an inset in a `corner` of
    `ax`, `size` (a fraction of the panel) wide, with the region outlined in `color` on the image and lines to the
    inset: for small things (ghosts, occlusions, seams). Returns the inset's axes."""
    if not ax.images:
        raise ValueError("zoom_inset needs an axes that shows an image (draw it first, e.g. with show_images)")
    if corner not in ZOOM_CORNERS:
        raise ValueError(f"corner must be one of {', '.join(ZOOM_CORNERS)}, got {corner!r}")
    image = ax.images[0]
    array = image.get_array()
    height, width = array.shape[:2]
    x, y, w, h = box
    if w < 1 or h < 1 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(f"zoom box (x, y, w, h) = {tuple(box)} is not inside the {width}x{height} image")
    left = 1 - size - 0.02 if "right" in corner else 0.02
    bottom = 0.02 if "lower" in corner else 1 - size - 0.02
    inset = ax.inset_axes((left, bottom, size, size))
    inset.imshow(array, cmap=image.get_cmap(), norm=image.norm, interpolation="nearest")
    inset.set_xlim(x - 0.5, x + w - 0.5)
    inset.set_ylim(y + h - 0.5, y - 0.5)
    inset.set_xticks([])
    inset.set_yticks([])
    for side in inset.spines.values():
        side.set_edgecolor(color)
        side.set_linewidth(2)
    ax.indicate_inset_zoom(inset, edgecolor=color, alpha=1.0)
    return inset


def peak_box(values: torch.Tensor, size: int, smooth: int = 15) -> tuple[int, int, int, int]:
    """A `size` x `size` box `(x, y, w, h)` inside the map `values` `(h, w)`, centred (as far as the borders allow) on
    the largest value of `values` averaged over `smooth` x `smooth` pixels: where to zoom in (`zoom_inset`)."""
    h, w = values.shape[-2:]
    size = min(size, h, w)
    pooled = F.avg_pool2d(values.detach().float().reshape(1, 1, h, w), smooth, stride=1, padding=smooth // 2,
                          count_include_pad=False)[0, 0, :h, :w]
    y, x = divmod(int(pooled.argmax()), w)
    return (min(max(x - size // 2, 0), w - size), min(max(y - size // 2, 0), h - size), size, size)
