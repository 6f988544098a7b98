"""Using a trained interpolator on real frames: any image size, single pairs or batches, any time it makes.

A network (`FILM.forward`, or any model of `filmlite.registry`) takes inputs whose sides are multiples of
`model.config.alignment` and returns raw (unclipped) output. `interpolate` wraps it the way FILM's official
`eval/interpolator.py` does: pad both frames with zeros, centred, up to the next multiple of the alignment (64 for
FILM), run, crop back, and clip to [0, 1]. More than one frame: `filmlite.inference.recursion`.

**Layout.** On the CPU, `interpolate` hands the network its inputs in `channels_last` memory layout: every
later tensor follows, and oneDNN's convolutions over large, thin feature maps run up to twice as fast that way
(`benchmarks/speed.py` measures both layouts). The numbers are the same to float rounding; the model itself is
not modified.

**Large frames.** `interpolate(..., tile_size=512)` cuts both frames into overlapping tiles, runs the network
on one pair of tiles at a time and blends the outputs with smooth weights (`filmlite/inference/tiling.py` explains why
FILM's official non-overlapping tiles show seams and these do not, and what tiling costs for large motion).
Memory is then bounded by the tile, not the frame.

**Reduced precision.** `interpolate(..., dtype="bf16")` (or "fp16", or the torch dtypes) runs the network under
`torch.autocast`: convolutions compute in the lower precision, while operations autocast keeps in float32 (such
as the bilinear sampling of the warp) stay there. The returned frame is float32 either way. Whether it is faster
depends on the hardware: GPUs with tensor cores gain most, while a CPU without AMX (AVX-512 BF16 only) can be
slower in bfloat16 than in float32; `benchmarks/large_frames.py` measures it (numbers in benchmarks/README.md).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..device import precision
from .tiling import blend_tiles, check_tiling



def as_frame_batch(x: torch.Tensor, name: str = "frame") -> tuple[torch.Tensor, bool]:
    """Check one input and return it as float32 `(b, 3, h, w)` in [0, 1], plus whether it came without a
    batch dimension.

    Accepted: `(3, h, w)` or `(b, 3, h, w)` tensors; floating point in [0, 1] (excursions of up to 1e-3, as
    resampling leaves them, are clipped); `uint8` in 0..255, which is divided by 255. Anything else raises an
    error that says how to fix it.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor (b, 3, h, w) or (3, h, w), got {type(x).__name__}; "
            "use filmlite.read_image(path) or filmlite.io.images.from_array(array) to make one"
        )
    single = x.dim() == 3
    if x.dim() not in (3, 4):
        raise ValueError(f"{name} must have shape (3, h, w) or (b, 3, h, w), got {tuple(x.shape)}")
    if single:
        x = x.unsqueeze(0)
    if x.shape[1] != 3:
        hint = " (it looks channels-last: use x.permute(2, 0, 1) or x.permute(0, 3, 1, 2))" if x.shape[-1] == 3 else ""
        raise ValueError(f"{name} must have 3 colour channels in dimension 1, got shape {tuple(x.shape)}{hint}")
    if x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"{name} is empty ({x.shape[-1]}x{x.shape[-2]} pixels, shape {tuple(x.shape)}); "
                         "give an image with at least one pixel")
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    elif not x.is_floating_point():
        raise TypeError(f"{name} has dtype {x.dtype}; use float values in [0, 1] (or uint8 in 0..255)")
    else:
        x = x.float()
    if x.numel():
        lo, hi = torch.aminmax(x.detach())
        lo, hi = float(lo), float(hi)
        if lo < -1e-3 or hi > 1 + 1e-3 or lo != lo or hi != hi:
            hint = " It looks like 0..255: divide by 255." if hi > 1.5 else ""
            raise ValueError(f"{name} must hold values in [0, 1], found min {lo:.4g} and max {hi:.4g}.{hint}")
        if lo < 0 or hi > 1:
            x = x.clamp(0, 1)
    return x, single


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
    """Zero-pad `x` `(b, c, h, w)` centred so h and w become multiples of `multiple`.

    Returns the padded tensor and the crop box `(top, left, h, w)` that recovers the original.
    """
    h, w = x.shape[-2:]
    pad_h, pad_w = -h % multiple, -w % multiple
    top, left = pad_h // 2, pad_w // 2
    padded = F.pad(x, (left, pad_w - left, top, pad_h - top))
    return padded, (top, left, h, w)


def crop(x: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
    top, left, h, w = box
    return x[..., top : top + h, left : left + w]


def is_interpolator(model) -> bool:
    """Whether `model` offers what every interpolator offers (see `filmlite.registry`)."""
    return isinstance(model, torch.nn.Module) and hasattr(getattr(model, "config", None), "alignment") \
        and hasattr(model, "any_time")


def check_model(model) -> None:
    """Refuse anything that is not an interpolator (see `filmlite.registry`), saying how to get one."""
    if not is_interpolator(model):
        what = f"the string {model!r}" if isinstance(model, str) else type(model).__name__
        raise TypeError(f"model must be an interpolator such as filmlite.FILM (an nn.Module with `config.alignment` "
                        f"and `any_time`), got {what}; load one with filmlite.load_pretrained() or "
                        "filmlite.load_official(path)")


def check_time(model, t) -> float:
    """`t` as a float strictly between 0 and 1 that `model` can make, or an error naming the fix."""
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < 1:
        raise ValueError(f"t must be a number strictly between 0 (x0) and 1 (x1), got {t!r}")
    if not model.any_time and t != 0.5:
        raise ValueError(f"{type(model).__name__} makes the middle frame only (t = 0.5), not t = {t:g}. For other "
                         "times recurse on midpoints: filmlite.interpolate_recursive(model, [x0, x1], k) gives "
                         "t = j / 2^k, filmlite.inference.recursion.frames_at(model, x0, x1, times) any such times")
    return float(t)


def model_device(model: torch.nn.Module) -> torch.device:
    check_model(model)
    return next(model.parameters()).device


def autocast_dtype(dtype, device: torch.device) -> torch.dtype | None:
    """Check the `dtype` argument of `interpolate`: None for float32, else the dtype to autocast to.

    Accepts None, `torch.float32`, `torch.bfloat16`, `torch.float16` or their names (`filmlite.device.PRECISIONS`:
    "fp32", "bf16", "fp16").
    """
    dtype = precision(dtype)
    if dtype == torch.float32:
        return None
    if not torch.amp.is_autocast_available(device.type):
        raise ValueError(f"torch.autocast does not support the {device.type} device; use dtype=None (float32)")
    if device.type == "cuda" and dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        raise ValueError("this GPU does not support bfloat16; use dtype=torch.float16 or None")
    return dtype


def run_network(model, x0: torch.Tensor, x1: torch.Tensor, dtype: torch.dtype | None = None,
                t: float = 0.5) -> torch.Tensor:
    """Run the network once on two float `(b, 3, h, w)` frames of any size for time `t`: pad, predict, crop back.

    Raw (unclipped) float32 output on `x0`'s device. The network runs on the model's device, in channels_last
    on a CPU, and under `torch.autocast(dtype)` if `dtype` is given. Call it inside `torch.no_grad()`.
    """
    device = model_device(model)
    layout = torch.channels_last if device.type == "cpu" else torch.contiguous_format
    a, box = pad_to_multiple(x0.to(device), model.config.alignment)
    b, _ = pad_to_multiple(x1.to(device), model.config.alignment)
    with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        y = model(a.contiguous(memory_format=layout), b.contiguous(memory_format=layout), t)
    return crop(y, box).to(x0.device, torch.float32)


def check_options(model, *, tile_size: int | None = None, tile_overlap: int = 64,
                  dtype: torch.dtype | str | None = None) -> torch.dtype | None:
    """Check the options of `interpolate` against `model` before any work; returns the autocast dtype."""
    precision = autocast_dtype(dtype, model_device(model))
    if tile_size is not None:
        check_tiling(tile_size, tile_overlap, model.config.alignment)
    return precision


def predict(
    model,
    x0: torch.Tensor,
    x1: torch.Tensor,
    *,
    t: float = 0.5,
    tile_size: int | None = None,
    tile_overlap: int = 64,
    dtype: torch.dtype | str | None = None,
) -> torch.Tensor:
    """`interpolate` without its input checks and without the final clipping: the raw network output.

    `x0`, `x1` are float `(b, 3, h, w)`; the keywords are those of `interpolate`. Call it inside
    `torch.no_grad()`. For benchmarks and lessons that compare raw outputs (clipping can hide differences).
    """
    precision = check_options(model, tile_size=tile_size, tile_overlap=tile_overlap, dtype=dtype)
    if tile_size is None:
        return run_network(model, x0, x1, precision, t)
    alignment = model.config.alignment
    tile = check_tiling(tile_size, tile_overlap, alignment)
    # Tile the frame as the whole-frame network sees it: padded to the alignment (see filmlite.inference.tiling).
    a, box = pad_to_multiple(x0, alignment)
    b, _ = pad_to_multiple(x1, alignment)
    run = lambda t0, t1: run_network(model, t0, t1, precision, t)  # noqa: E731
    return crop(blend_tiles(run, a, b, tile, tile_overlap, grid=alignment), box)


def interpolate(
    model,
    x0: torch.Tensor,
    x1: torch.Tensor,
    *,
    t: float = 0.5,
    tile_size: int | None = None,
    tile_overlap: int = 64,
    dtype: torch.dtype | str | None = None,
) -> torch.Tensor:
    """The frame at time `t` between `x0` (t = 0) and `x1` (t = 1), any size, clipped to [0, 1].

    Args:
        model: any interpolator of `filmlite.registry`: a `FILM` (any configuration), `SuperSloMo`, `RIFE`.
        x0, x1: `(3, h, w)` or `(b, 3, h, w)` RGB in [0, 1] (or uint8), same shape.
        t: the time, strictly between 0 and 1. A midpoint-only model (`model.any_time` False, as FILM) takes
            0.5 alone; `interpolate_recursive` reaches other times by recursing on midpoints.
        tile_size: None runs the whole frame at once. A number of pixels cuts the frames into tiles of that
            side (rounded up to a multiple of `model.config.alignment`) that overlap by at least
            `tile_overlap` pixels, and blends the tile outputs with smooth weights (`filmlite.inference.tiling`): memory
            is bounded by the tile. A tile at least as large as the frame gives exactly the untiled result.
        tile_overlap: the least overlap of neighbouring tiles in pixels, from 0 to the tile side minus
            `model.config.alignment` (tiles move in steps of the alignment).
        dtype: None or `torch.float32` for full precision; `torch.bfloat16` or `torch.float16` to run the
            network under `torch.autocast` (the output is float32 either way).

    Returns:
        float32 tensor of the inputs' shape, on `x0`'s device. Runs without gradients on the model's device.
    """
    check_model(model)
    t = check_time(model, t)
    a, single = as_frame_batch(x0, "x0")
    b, _ = as_frame_batch(x1, "x1")
    if a.shape != b.shape:
        raise ValueError(
            f"x0 and x1 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}; "
            "resize or crop one of them first"
        )
    with torch.no_grad():
        y = predict(model, a, b, t=t, tile_size=tile_size, tile_overlap=tile_overlap, dtype=dtype)
    y = y.clamp(0, 1).to(x0.device).contiguous()
    return y[0] if single else y
