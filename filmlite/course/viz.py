"""Pictures for the course, and the numbers behind them.

The notebooks look inside FILM stage by stage. Everything they show is computed here by small, pure functions
(an image, a flow, a table in; an array, a number, a string out), and only then drawn, so the tests can check
each number and every picture says exactly what the code computed:

* **images**: `to_rgb` turns any of filmlite's image layouts into an `(h, w, 3)` array; `resize_nearest`
  enlarges coarse pyramid levels without smoothing, so their pixels stay visible.
* **the image pyramid** (Sec. 3.1): `pyramid_level_view`, `pyramid_level_text`, `pyramid_mosaic`,
  `motion_per_level`.
* **the shared encoder and the feature pyramid** (Sec. 3.1, Fig. 3): `cascade_table`,
  `feature_channel_source`, `encoder_parameter_counts`, `feature_channel_view`.
* **flow and warping** (Sec. 3.2): the flow colour wheel (`flow_to_color`, `color_wheel`),
  `flow_statistics`, `similarity_flow`, `warp_with_padding`, `forward_splat`, `flow_parameter_counts`,
  `flow_predictor_table` (the experiments that run models and optimise: `filmlite.course.experiments`).
* **fusion and occlusions** (Sec. 3.3): `disagreement`, `forward_backward_error`.
* **time** (FILM's recursive midpoints, `filmlite.interpolate_recursive`): `recursion_times`, `recursion_depths`.
* **losses** (Sec. 4): `plot_gram_matrices`, `plot_loss_curves` below.
* **figures**: `show_images`, `plot_pyramid`, `plot_cascade`, `plot_feature_maps`, `plot_color_wheel`,
  `plot_flow`, `plot_flow_pyramid`, `plot_loss_curves`, `plot_gram_matrices`, `plot_time_strip`.
* **the figure standard** (CONTRIBUTING.md): `show_images(..., scale="shared" | "signed", zoom=...)`, `zoom_inset`,
  `rim_text` ("rim = N px" for flow pictures).
* **the architecture** (the paper's Fig. 2): `filmlite.course.architecture`.

Conventions: images are RGB in [0, 1], pyramids are lists finest level first, a flow has channel 0 = u
(horizontal, positive to the right) and channel 1 = v (positive down), in pixels of its own level.

Figures are `matplotlib.figure.Figure` objects made without pyplot: they never pile up in pyplot's list of
open figures, work on a machine without a display, and a notebook shows one when it is a cell's last value.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps
from matplotlib.colors import hsv_to_rgb
from matplotlib.figure import Figure

from ..film.config import FILMConfig
from ..film.warp import sampling_grid, warp
from ..inference.recursion import recursion_times

ImageLike = torch.Tensor | np.ndarray


# =============================================================================================== images
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
    from ..io.images import center_crop

    h, w = image.shape[-2:]
    new_h, new_w = h - h % multiple, w - w % multiple
    if new_h == 0 or new_w == 0:
        raise ValueError(f"an image of {h}x{w} has no crop that is a multiple of {multiple}; use a larger image")
    return center_crop(image, new_h, new_w)


# =============================================================================================== Sec. 3.1: pyramid
def level_size(pyramid: Sequence[torch.Tensor], level: int) -> tuple[int, int]:
    """(height, width) of a pyramid level."""
    return tuple(int(n) for n in pyramid[level].shape[-2:])


def pyramid_level_view(pyramid: Sequence[torch.Tensor], level: int, full_size: bool = True) -> np.ndarray:
    """Level `level` as an `(h, w, 3)` array; `full_size` enlarges it (nearest) to the size of level 0."""
    _check_level(pyramid, level)
    view = to_rgb(_first(pyramid[level]))
    return resize_nearest(view, level_size(pyramid, 0)) if full_size else view


def motion_per_level(motion: float, levels: int) -> list[float]:
    """How many pixels a motion of `motion` pixels at full resolution is at each level: motion / 2^level."""
    return [motion / 2**level for level in range(levels)]


def pyramid_level_text(pyramid: Sequence[torch.Tensor], level: int, motion: float | None = None) -> str:
    """One line about a level: its size, its scale and (optionally) what a full-resolution motion becomes."""
    _check_level(pyramid, level)
    h, w = level_size(pyramid, level)
    text = f"level {level}: {w} x {h} pixels, 1/{2**level} of the input in each direction"
    if motion is not None:
        text += f"; a {motion:g} px motion at level 0 is {motion / 2**level:g} px here"
    return text


def pyramid_mosaic(pyramid: Sequence[torch.Tensor], gap: int = 2) -> np.ndarray:
    """The classic picture of a pyramid: level 0 on the left, the coarser levels stacked top to bottom in a
    column to its right, each at its true size, on white. Returns `(h0, w0 + gap + w1, 3)`."""
    h0, w0 = level_size(pyramid, 0)
    w1 = level_size(pyramid, 1)[1] if len(pyramid) > 1 else 0
    height = max(h0, sum(level_size(pyramid, k)[0] + gap for k in range(1, len(pyramid))) - gap)
    canvas = np.ones((height, w0 + (gap + w1 if w1 else 0), 3), dtype=np.float32)
    canvas[:h0, :w0] = to_rgb(_first(pyramid[0]))
    y = 0
    for level in range(1, len(pyramid)):
        h, w = level_size(pyramid, level)
        canvas[y : y + h, w0 + gap : w0 + gap + w] = to_rgb(_first(pyramid[level]))
        y += h + gap
    return canvas


def _first(image: torch.Tensor) -> torch.Tensor:
    """Batch item 0 of a `(b, c, h, w)` tensor (kept 4-D); anything else unchanged."""
    return image[:1] if isinstance(image, torch.Tensor) and image.dim() == 4 else image


def _check_level(pyramid: Sequence, level: int) -> None:
    if not 0 <= level < len(pyramid):
        raise ValueError(f"level must be in 0..{len(pyramid) - 1} for a pyramid of {len(pyramid)} levels, got {level}")


# =============================================================================================== Sec. 3.1: encoder
def cascade_table(config: FILMConfig) -> list[list[tuple[int, int, int]]]:
    """Where every level of the feature pyramid comes from (Sec. 3.1, Fig. 3), finest level first.

    Level i lists `(image_level, block, channels)` in concatenation order: the output of encoder block j when
    the shared encoder starts at image level i - j, for j = 0 .. min(i, sub_levels - 1).
    """
    return [
        [(i - j, j, config.encoder_channels(j)) for j in range(min(i, config.sub_levels - 1) + 1)]
        for i in range(config.pyramid_levels)
    ]


def feature_channel_source(config: FILMConfig, level: int, channel: int) -> tuple[int, int, int]:
    """Which encoder output a channel of the feature pyramid is: `(image_level, block, channel_in_block)`."""
    if not 0 <= level < config.pyramid_levels:
        raise ValueError(f"level must be in 0..{config.pyramid_levels - 1}, got {level}")
    if not 0 <= channel < config.feature_channels(level):
        raise ValueError(f"level {level} has {config.feature_channels(level)} channels, got channel {channel}")
    for image_level, block, channels in cascade_table(config)[level]:
        if channel < channels:
            return image_level, block, channel
        channel -= channels
    raise AssertionError("unreachable: the table covers every channel")


def _conv_parameters(in_channels: int, out_channels: int, kernel: int) -> int:
    return in_channels * out_channels * kernel * kernel + out_channels


def encoder_block_parameters(config: FILMConfig, block: int) -> int:
    """Weights of encoder block j: two 3x3 convolutions to filters * 2^j channels."""
    width = config.encoder_channels(block)
    in_channels = 3 if block == 0 else config.encoder_channels(block - 1)
    return _conv_parameters(in_channels, width, 3) + _conv_parameters(width, width, 3)


def encoder_parameter_counts(config: FILMConfig) -> dict[str, int | float]:
    """What sharing one encoder across the pyramid saves (Sec. 3.1).

    Returns:
        `shared`: the weights FILM has (one encoder, `sub_levels` blocks);
        `per_level`: one encoder per image level, each as deep as it is run there (min(levels - i, sub_levels));
        `naive`: `pyramid_levels` full encoders, the "N times the weights" of the plain argument;
        `saving`: per_level / shared.
    """
    blocks = [encoder_block_parameters(config, j) for j in range(config.sub_levels)]
    shared = sum(blocks)
    levels = config.pyramid_levels
    per_level = sum(sum(blocks[: min(levels - i, config.sub_levels)]) for i in range(levels))
    return {"shared": shared, "per_level": per_level, "naive": config.pyramid_levels * shared,
            "saving": per_level / shared}


def feature_channel_view(features: torch.Tensor, channel: int, size: tuple[int, int] | None = None,
                         cmap: str = "viridis") -> np.ndarray:
    """One channel of a feature map `(1, c, h, w)` or `(c, h, w)` as a coloured `(h, w, 3)` array (1st-99th
    percentile stretched over the colour map), enlarged (nearest) to `size` if given."""
    f = features.detach().float().cpu()
    f = f[0] if f.dim() == 4 else f
    if not 0 <= channel < f.shape[0]:
        raise ValueError(f"channel must be in 0..{f.shape[0] - 1}, got {channel}")
    view = colorize(f[channel].numpy(), cmap)
    return resize_nearest(view, size) if size is not None else view


# =============================================================================================== flow and warping
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
    """Level `level` of a flow pyramid (batch item 0), coloured in full-resolution units (flow * 2^level) so all levels share
    one colour scale, enlarged (nearest) to the size of level 0 unless `size` is given."""
    _check_level(flows, level)
    colours = flow_to_color(_flow_array(_first(flows[level])) * 2**level, max_magnitude)
    return resize_nearest(colours, size or tuple(flows[0].shape[-2:]))


def similarity_flow(height: int, width: int, u: float = 0.0, v: float = 0.0, angle: float = 0.0,
                    scale: float = 1.0) -> torch.Tensor:
    """The flow of a similarity transform about the image centre, `(1, 2, h, w)`.

    With backward warping the output pixel p reads the input at s(p) = c + scale * R(angle) (p - c) + (u, v),
    so the flow is s(p) - p. Because the output *reads* at s(p), the picture moves the opposite way: u = +10
    shifts the content 10 px to the left, `scale` = 2 shrinks it to half, a positive `angle` (degrees) turns it
    counter-clockwise on screen.
    """
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                            indexing="ij")
    cx, cy = (width - 1) / 2, (height - 1) / 2
    a = math.radians(angle)
    dx, dy = xs - cx, ys - cy
    sx = cx + scale * (math.cos(a) * dx - math.sin(a) * dy) + u
    sy = cy + scale * (math.sin(a) * dx + math.cos(a) * dy) + v
    return torch.stack([sx - xs, sy - ys])[None]


def warp_with_padding(image: torch.Tensor, flow: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Backward warp with a choice of what is read outside the frame: "border" (FILM's choice, the nearest edge
    pixel, and exactly `filmlite.warp`), "zeros" (black) or "reflection" (mirrored). Same sampling grid as
    `filmlite.warp`, so only the padding differs."""
    if padding == "border":
        return warp(image, flow)
    if padding not in ("zeros", "reflection"):
        raise ValueError(f"padding must be 'border', 'zeros' or 'reflection', got {padding!r}")
    grid = sampling_grid(flow).to(image.dtype)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def outside_fraction(flow: torch.Tensor) -> float:
    """Share of output pixels whose sampling position x + u, y + v lies outside the frame (padding decides them)."""
    grid = sampling_grid(flow.detach().float())
    return float((grid.abs() > 1).any(dim=-1).float().mean())


def forward_splat(image: torch.Tensor, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward warping, the way FILM does *not* do it: every source pixel p is pushed to round(p + flow(p)).

    Args:
        image: `(1, c, h, w)`; flow: `(1, 2, h, w)`, where each source pixel goes.

    Returns:
        `(splatted, hits)`: the pushed image `(1, c, h, w)` (0 where nothing landed; where several pixels land,
        one of them wins) and `hits` `(1, 1, h, w)`, how many source pixels landed on each target pixel. Targets
        with 0 hits are the holes that make forward warping awkward, and why FILM warps backward.
    """
    _, c, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, device=flow.device), torch.arange(w, device=flow.device), indexing="ij")
    tx = (xs + flow[0, 0]).round().long()
    ty = (ys + flow[0, 1]).round().long()
    inside = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
    target = (ty * w + tx)[inside]  # flat target index of every source pixel that lands inside
    splatted = torch.zeros(c, h * w, dtype=image.dtype, device=image.device)
    splatted[:, target] = image[0].reshape(c, h * w)[:, inside.reshape(-1)]
    hits = torch.zeros(h * w, dtype=torch.float32, device=image.device)
    hits.index_add_(0, target, torch.ones_like(target, dtype=torch.float32))
    return splatted.view(1, c, h, w), hits.view(1, 1, h, w)


def flow_predictor_parameters(config: FILMConfig, level: int) -> int:
    """Weights of the flow predictor used at `level` (Sec. 3.2): n conv3x3(F), conv1x1(F/2), conv1x1(2)."""
    num_convs, filters = config.flow_predictor_size(level)
    in_channels = 2 * config.feature_channels(level)
    total = 0
    for _ in range(num_convs):
        total += _conv_parameters(in_channels, filters, 3)
        in_channels = filters
    return total + _conv_parameters(filters, filters // 2, 1) + _conv_parameters(filters // 2, 2, 1)


def flow_parameter_counts(config: FILMConfig) -> dict[str, int | float]:
    """What sharing one flow predictor across the coarse levels saves (Sec. 3.2).

    Returns:
        `shared`: FILM's flow estimator (its own predictor for each specialised level, one for all others);
        `unshared`: the same, but every coarse level with a predictor of its own; `saving`: unshared / shared.
    """
    own = sum(flow_predictor_parameters(config, level) for level in range(config.specialized_levels))
    coarse = config.pyramid_levels - config.specialized_levels
    one = flow_predictor_parameters(config, config.specialized_levels) if coarse > 0 else 0
    shared, unshared = own + one, own + coarse * one
    return {"shared": shared, "unshared": unshared, "saving": unshared / shared}


def flow_predictor_table(model) -> list[dict]:
    """One row per pyramid level: which predictor object estimates its residual flow, and its size.

    Rows: `{"level", "predictor" ("own" or "shared"), "convs", "filters", "parameters", "same_object_as"}`,
    where `same_object_as` is the finest level that uses the very same module (weight sharing made visible).
    """
    estimator, config = model.predict_flow, model.config
    rows, first_use = [], {}
    for level in range(config.pyramid_levels):
        predictor = estimator.predictor_for_level(level)
        first_use.setdefault(id(predictor), level)
        convs, filters = config.flow_predictor_size(level)
        rows.append({"level": level, "predictor": "own" if level < config.specialized_levels else "shared",
                     "convs": convs, "filters": filters,
                     "parameters": sum(p.numel() for p in predictor.parameters()),
                     "same_object_as": first_use[id(predictor)]})
    return rows


# =============================================================================================== fusion, occlusions
def disagreement(warped0: torch.Tensor, warped1: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference over channels of the two inputs warped to t = 0.5, `(b, h, w)`.

    Where both warps found the same surface they agree; where a surface is visible in one input only
    (an occlusion), at least one warp reads the wrong thing and they disagree. FILM has no occlusion mask:
    the fusion decoder sees both warped inputs and learns which to trust (Sec. 3.3).
    """
    return (warped0 - warped1).abs().mean(dim=1)


def forward_backward_error(flow_ab: torch.Tensor, flow_ba: torch.Tensor) -> torch.Tensor:
    """The classic occlusion test: |flow_ab(p) + flow_ba(p + flow_ab(p))|, `(b, h, w)` in pixels.

    Go from p in A to its match in B and come back with B's flow: for a point visible in both frames you
    return to p (error near 0). A point hidden in B has no true match, and the round trip misses.
    """
    back = warp(flow_ba, flow_ab)  # flow_ba read at p + flow_ab(p)
    return (flow_ab + back).norm(dim=1)


def followed_input(output: torch.Tensor, warped0: torch.Tensor, warped1: torch.Tensor) -> torch.Tensor:
    """Which warped input an output is closer to, per pixel: |output - warped0| - |output - warped1|, the mean
    over channels, `(b, h, w)`. Positive: closer to warped input 1; negative: to warped input 0; 0: equally close
    (where the two warps agree, there is nothing to choose). Signed: draw it on a symmetric diverging scale."""
    return (output - warped0).abs().mean(dim=1) - (output - warped1).abs().mean(dim=1)


def decoder_choice(output: torch.Tensor, warped0: torch.Tensor, warped1: torch.Tensor, truth: torch.Tensor,
                   quantile: float = 0.9) -> dict[str, float]:
    """Does the output follow the warped input that is right, where the two disagree most? (first batch item)

    Over the pixels whose `disagreement` is above its `quantile` (default: the top 10%):
      * `lean`: mean |followed_input| / disagreement, how far the output moves from the average of the two warped
        inputs towards one of them: 0 = exactly the average, 1 = exactly one input (the triangle inequality
        keeps it in [0, 1]);
      * `right_side`: the share of those pixels, among the ones where the output leans at all, where it leans
        towards the warped input that is closer to the truth (0.5 = a coin toss; NaN if it never leans);
      * `pixels`: how many pixels that is.
    """
    follows = followed_input(output, warped0, warped1)[0]
    better = followed_input(truth, warped0, warped1)[0]  # positive: the truth is closer to warped input 1
    differ = disagreement(warped0, warped1)[0]
    region = differ > differ.quantile(quantile)
    leaning = region & (follows != 0)
    return {"pixels": int(region.sum()),
            "lean": float((follows.abs() / differ.clamp_min(1e-12))[region].mean()),
            "right_side": float(((follows > 0) == (better > 0))[leaning].float().mean())}


def peak_box(values: torch.Tensor, size: int, smooth: int = 15) -> tuple[int, int, int, int]:
    """A `size` x `size` box `(x, y, w, h)` inside the map `values` `(h, w)`, centred (as far as the borders allow) on
    the largest value of `values` averaged over `smooth` x `smooth` pixels: where to zoom in (`zoom_inset`)."""
    h, w = values.shape[-2:]
    size = min(size, h, w)
    pooled = F.avg_pool2d(values.detach().float().reshape(1, 1, h, w), smooth, stride=1, padding=smooth // 2,
                          count_include_pad=False)[0, 0, :h, :w]
    y, x = divmod(int(pooled.argmax()), w)
    return (min(max(x - size // 2, 0), w - size), min(max(y - size // 2, 0), h - size), size, size)


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


# =============================================================================================== time
def recursion_depths(num_inputs: int, times_to_interpolate: int) -> list[int]:
    """At which recursion level each frame is made: 0 for the inputs, 1 for the first midpoints, ... The
    frame at t = m / 2^k (in lowest terms) is made at depth k: its parents are the frames at depth < k either
    side of it."""
    return [t.denominator.bit_length() - 1 for t in recursion_times(num_inputs, times_to_interpolate)]


def recursion_depth_for(num_frames: int, num_inputs: int = 2) -> int:
    """The k with (num_inputs - 1) * 2^k + 1 == num_frames; an error if there is none."""
    segments = num_inputs - 1
    steps, rest = divmod(num_frames - 1, segments) if segments > 0 else (0, 1)
    k = steps.bit_length() - 1
    if rest or steps < 1 or 2**k != steps:
        raise ValueError(f"{num_frames} frames from {num_inputs} inputs is not (n - 1) * 2^k + 1 for any k; "
                         "pass the frames interpolate_recursive returned, or give times= explicitly")
    return k


def time_text(index: int, times: Sequence[Fraction | float], depths: Sequence[int] | None = None) -> str:
    """'frame 3 (of 0..8): t = 3/8, made at recursion depth 3' (or 'an input frame')."""
    t = times[index]
    text = f"frame {index} (of 0..{len(times) - 1}): t = {t}"
    if depths is not None:
        text += ", an input frame" if depths[index] == 0 else f", made at recursion depth {depths[index]}"
    return text


# =============================================================================================== losses
# =============================================================================================== figures
def _figure(nrows: int, ncols: int, panel: tuple[float, float], **kwargs) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False, **kwargs))
    return fig, axes


def _display_array(image: ImageLike) -> np.ndarray:
    """An image as it is shown: a 2-D map `(h, w)` (a 2-D array or a one-channel tensor) or RGB `(h, w, 3)`."""
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu()
        image = image[0] if image.dim() == 4 else image
        image = image[0] if image.dim() == 3 and image.shape[0] == 1 else image
        image = image.numpy() if image.dim() == 2 else to_rgb(image)
    return np.asarray(image)


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


def plot_pyramid(pyramid: Sequence[torch.Tensor], title: str | None = None, size: float = 1.8) -> Figure:
    """Two views of a pyramid. Top: every level at its true size, side by side (how little the coarse levels
    hold). Bottom: every level enlarged to one size with its real pixels (what a 3x3 filter sees there)."""
    levels = len(pyramid)
    h0, w0 = level_size(pyramid, 0)
    strip = side_by_side([to_rgb(level[:1]) for level in pyramid], gap=max(2, w0 // 64))
    fig = Figure(figsize=(size * levels, size * h0 / w0 + size * levels * strip.shape[0] / strip.shape[1] + 1.0),
                 layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[strip.shape[0] / strip.shape[1] * levels, h0 / w0 + 0.25])
    ax = top.subplots()
    _image_axis(ax, strip, "levels 0 .. %d at their true sizes" % (levels - 1))
    for k, ax in enumerate(bottom.subplots(1, levels, squeeze=False)[0]):
        h, w = level_size(pyramid, k)
        _image_axis(ax, resize_nearest(to_rgb(pyramid[k][:1]), (h0, w0)), f"level {k}: {w}x{h}")
    if title:
        fig.suptitle(title)
    return fig


def plot_cascade(config: FILMConfig) -> Figure:
    """Fig. 3 of the paper as a table: row i is the shared encoder run on image level i, column j its block j.
    Cell (i, j) has the size of level i + j, and every feature-pyramid level (one colour) concatenates one
    anti-diagonal of cells."""
    levels, depth = config.pyramid_levels, config.sub_levels
    fig = Figure(figsize=(1.6 * depth + 3.2, 0.6 * levels + 1.2), layout="constrained")
    ax = fig.subplots()
    palette = colormaps["tab10"]
    for i in range(levels):
        for j in range(min(levels - i, depth)):
            level = i + j
            ax.add_patch(_rectangle((j, i), palette(level % 10), alpha=0.55))
            ax.text(j + 0.5, i + 0.5, f"S[{i}][{j}]\n{config.encoder_channels(j)} ch", ha="center", va="center",
                    fontsize=8)
    for level in range(levels):
        ax.text(depth + 0.15, level + 0.5, f"feature level {level}: {config.feature_channels(level)} ch",
                color=palette(level % 10), va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(0, depth + 2.6)
    ax.set_ylim(levels, 0)
    ax.set_xticks([j + 0.5 for j in range(depth)], [f"block {j}" for j in range(depth)])
    ax.set_yticks([i + 0.5 for i in range(levels)], [f"image level {i}" for i in range(levels)])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("the shared encoder on every image level; one colour = one feature-pyramid level", fontsize=10)
    return fig


def _rectangle(xy, color, alpha):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, 1, 1, facecolor=color, edgecolor="white", linewidth=2, alpha=alpha)


def plot_feature_maps(features: torch.Tensor, channels: Sequence[int] | None = None, ncols: int = 6,
                      size: float = 1.7, title: str | None = None, cmap: str = "viridis",
                      shared_scale: bool = True) -> Figure:
    """Several channels of one feature map `(1, c, h, w)`, `ncols` (at most 8) panels of `size` inches in a row.

    `shared_scale=True`: one colour range for all the channels shown (their 1st-99th percentile together) and one
    colour bar, so strong and weak channels can be compared. `shared_scale=False`: each channel stretched over
    its own range (what each one responds to), each with its own colour bar.
    """
    if not 1 <= ncols <= 8:
        raise ValueError(f"ncols must be 1..8 (panels narrower than ~150 px are unreadable), got {ncols}")
    f = features.detach().float().cpu()
    f = f[0] if f.dim() == 4 else f
    channels = list(range(min(f.shape[0], 2 * ncols))) if channels is None else list(channels)
    nrows = math.ceil(len(channels) / ncols)
    h, w = f.shape[-2:]
    fig, axes = _figure(nrows, min(ncols, len(channels)), (size, size * h / w + 0.25))
    shown = f[channels].numpy()
    low, high = (float(np.percentile(shown, 1)), float(np.percentile(shown, 99))) if shared_scale else (None, None)
    for k, ax in enumerate(axes.flat):
        if k < len(channels):
            values = shown[k]
            if not shared_scale:
                low, high = float(np.percentile(values, 1)), float(np.percentile(values, 99))
            _image_axis(ax, values, f"ch {channels[k]}", cmap, colorbar=not shared_scale, vmin=low,
                        vmax=high if high > low else low + 1e-6)
        else:
            ax.set_axis_off()
    if shared_scale:
        fig.colorbar(axes.flat[0].images[0], ax=list(axes.flat), shrink=0.8, label="activation (one scale)")
    if title:
        fig.suptitle(title)
    return fig


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


def rim_text(magnitude: float) -> str:
    """The flow colour scale as figures state it: the length at the colour wheel's rim, "12 px" or "0.4 px"."""
    return f"{magnitude:.0f} px" if magnitude >= 9.5 else f"{magnitude:.1g} px" if magnitude < 0.95 else \
        f"{magnitude:.1f} px"


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


def loss_columns(curves) -> dict[str, list[float]]:
    """A training log as columns: accepts a dict of lists (returned as is) or a list of dicts (records, as
    `filmlite.training.train.read_log(run)["train"]` gives), whose keys become columns (missing entries are NaN)."""
    if isinstance(curves, Mapping):
        return {k: list(v) for k, v in curves.items()}
    records = list(curves)
    keys = list(dict.fromkeys(k for record in records for k in record))
    return {k: [record.get(k, float("nan")) for record in records] for k in keys}


def smooth_curve(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over the last `window` values (the first ones over as many as exist)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    n = np.minimum(np.arange(1, len(v) + 1), window)
    return (c[np.arange(1, len(v) + 1)] - c[np.arange(1, len(v) + 1) - n]) / n


def plot_loss_curves(curves, x: str | None = "step", keys: Sequence[str] | None = None, logy: bool = False,
                     smooth: int = 1, title: str | None = None, size: tuple[float, float] = (6.0, 3.5),
                     marker: str | None = None) -> Figure:
    """Curves from a dict of lists (or a list of dicts), one line per key, against column `x` (if present,
    else the index). `smooth` > 1 draws a running mean over that many points over the faint raw curve;
    `marker` (e.g. "o") marks every point, for short curves."""
    columns = loss_columns(curves)
    xs = columns.get(x) if x else None
    keys = [k for k in (keys or columns) if k != x]
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    for key in keys:
        ys = np.asarray(columns[key], dtype=np.float64)
        xv = np.asarray(xs if xs is not None else range(len(ys)), dtype=np.float64)
        if smooth > 1:
            line = ax.plot(xv, ys, alpha=0.25)[0]
            ax.plot(xv, smooth_curve(ys, smooth), color=line.get_color(), label=key, marker=marker)
        else:
            ax.plot(xv, ys, label=key, marker=marker)
    ax.set_xlabel(x if xs is not None else "index")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_gram_matrices(grams: Mapping[str, torch.Tensor], size: float = 2.8, shared_scale: bool = True,
                       cmap: str = "magma") -> Figure:
    """Gram matrices `(c, c)` (or `(1, c, c)`) side by side, on one colour scale when `shared_scale`."""
    mats = {k: (g.detach().float().cpu()[0] if g.dim() == 3 else g.detach().float().cpu()).numpy()
            for k, g in grams.items()}
    vmax = max(float(np.abs(m).max()) for m in mats.values()) if shared_scale else None
    fig, axes = _figure(1, len(mats), (size, size))
    for ax, (name, m) in zip(axes[0], mats.items()):
        shown = ax.imshow(m, cmap=cmap, vmin=0 if shared_scale and m.min() >= 0 else None, vmax=vmax)
        ax.set_title(f"{name}\n{m.shape[0]}x{m.shape[1]}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(shown, ax=list(axes[0]), shrink=0.8)
    return fig


def plot_time_strip(frames: Sequence[torch.Tensor] | torch.Tensor, times: Sequence | None = None,
                    size: float = 2.0, max_frames: int = 9) -> Figure:
    """Frames in a row with their times (default: the recursion times of 2 inputs); at most `max_frames`,
    evenly picked."""
    frames = list(frames)
    if times is None:
        times = recursion_times(2, recursion_depth_for(len(frames)))
    picks = np.unique(np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).round().astype(int))
    return show_images([frames[k] for k in picks], [f"t = {times[k]}" for k in picks], ncols=len(picks), size=size)


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
