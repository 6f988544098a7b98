"""Images as arrays a figure can show (every notebook, and the widgets).

filmlite keeps images as tensors `(b, 3, h, w)` in [0, 1]; matplotlib and image widgets want `(h, w, 3)` arrays.
`to_rgb` turns any of filmlite's image layouts into one, `resize_nearest` enlarges coarse pyramid levels without
smoothing so their pixels stay visible, `side_by_side` joins panels, `colorize` sends a 2-D map through a colour
map, and `center_crop_to_multiple` trims a frame to the sizes `FILM.intermediates` accepts.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib import colormaps

__all__ = ["ImageLike", "to_rgb", "to_uint8", "resize_nearest", "side_by_side", "colorize", "center_crop_to_multiple"]


ImageLike = torch.Tensor | np.ndarray


def to_rgb(image: ImageLike) -> np.ndarray:
    """Any single image as a float32 `(h, w, 3)` array in [0, 1] (clipped).

    Accepts tensors `(3, h, w)`, `(1, 3, h, w)`, `(1, h, w)`, `(h, w)` and arrays `(h, w, 3)`, `(h, w)`;
    one-channel images become grey RGB.
    """
    if isinstance(image, torch.Tensor):
        t = image.detach().to("cpu", torch.float32)
        if t.dim() == 4:
            if t.shape[0] != 1:
                raise ValueError(f"to_rgb shows one image; got a batch of {t.shape[0]} (index it, e.g. x[0])")
            t = t[0]
        if t.dim() == 3:
            if t.shape[0] not in (1, 3):
                raise ValueError(f"to_rgb expects (3, h, w) or (1, h, w), got {tuple(t.shape)}")
            t = t.permute(1, 2, 0)  # (h, w, c)
        a = t.numpy()
    else:
        a = np.asarray(image, dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3):
        raise ValueError(f"to_rgb expects an image (h, w, 3) or (h, w), got shape {a.shape}")
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    return np.clip(a, 0.0, 1.0).astype(np.float32)


def to_uint8(array: np.ndarray) -> np.ndarray:
    """`(h, w, 3)` float in [0, 1] -> uint8, rounded (what an image widget or a PNG shows)."""
    return (np.clip(array, 0, 1) * 255 + 0.5).astype(np.uint8)


def resize_nearest(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of an `(h, w, ...)` array to `size` = (height, width): every source pixel
    becomes a block, so a coarse pyramid level shown at full size shows its real pixels."""
    h, w = array.shape[:2]
    rows = np.arange(size[0]) * h // size[0]
    cols = np.arange(size[1]) * w // size[1]
    return array[rows][:, cols]


def side_by_side(arrays: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """Panels `(h_i, w_i, 3)` left to right on a white background, top-aligned, `gap` pixels apart."""
    height = max(a.shape[0] for a in arrays)
    width = sum(a.shape[1] for a in arrays) + gap * (len(arrays) - 1)
    canvas = np.ones((height, width, 3), dtype=np.float32)
    x = 0
    for a in arrays:
        canvas[: a.shape[0], x : x + a.shape[1]] = a
        x += a.shape[1] + gap
    return canvas


def colorize(values: np.ndarray, cmap: str = "viridis", vmin: float | None = None,
             vmax: float | None = None) -> np.ndarray:
    """A 2-D array through a matplotlib colour map: `(h, w)` -> `(h, w, 3)` in [0, 1]. Default range: the
    array's 1st to 99th percentile, so a few extreme values do not wash the picture out."""
    values = np.asarray(values, dtype=np.float32)
    lo = float(np.percentile(values, 1)) if vmin is None else vmin
    hi = float(np.percentile(values, 99)) if vmax is None else vmax
    scaled = np.clip((values - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(values)
    return colormaps[cmap](scaled)[..., :3].astype(np.float32)


def center_crop_to_multiple(image: torch.Tensor, multiple: int) -> torch.Tensor:
    """Crop `(..., h, w)` symmetrically to the largest multiple of `multiple` in each side.

    `FILM.intermediates` needs sides that are multiples of `config.alignment`; for looking inside the model a
    crop is nicer than the zero padding `filmlite.interpolate` uses, because no black border enters the pictures.
    """
    from ...io.images import center_crop

    h, w = image.shape[-2:]
    new_h, new_w = h - h % multiple, w - w % multiple
    if new_h == 0 or new_w == 0:
        raise ValueError(f"an image of {h}x{w} has no crop that is a multiple of {multiple}; use a larger image")
    return center_crop(image, new_h, new_w)


def _first(image: torch.Tensor) -> torch.Tensor:
    """Batch item 0 of a `(b, c, h, w)` tensor (kept 4-D); anything else unchanged."""
    return image[:1] if isinstance(image, torch.Tensor) and image.dim() == 4 else image


def _display_array(image: ImageLike) -> np.ndarray:
    """An image as it is shown: a 2-D map `(h, w)` (a 2-D array or a one-channel tensor) or RGB `(h, w, 3)`."""
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu()
        image = image[0] if image.dim() == 4 else image
        image = image[0] if image.dim() == 3 and image.shape[0] == 1 else image
        image = image.numpy() if image.dim() == 2 else to_rgb(image)
    return np.asarray(image)
