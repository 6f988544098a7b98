"""Using a trained FILM: any image size, single pairs or batches, and many frames by recursion.

`FILM.forward` is the network as the paper defines it: inputs whose sides are multiples of 2^(levels-1),
raw (unclipped) output. `interpolate` wraps it the way the official `eval/interpolator.py` does: pad both
frames with zeros, centred, up to the next multiple of `config.alignment` (64 for FILM), run, crop back, and
clip to [0, 1].

**More than one frame.** FILM's weights only know t = 0.5. To get 2^k - 1 frames between two inputs, FILM
recurses depth first: the middle frame, then the middle of each half, and so on (official
`eval/util.py: interpolate_recursively`). n input frames and k levels of recursion give (n - 1) * 2^k + 1
frames, and each new frame costs one network call. The intermediate frames it feeds back in are clipped to
[0, 1], like images written to disk.

**Layout.** On the CPU, `interpolate` hands the network its inputs in `channels_last` memory layout: every
later tensor follows, and oneDNN's convolutions over large, thin feature maps run up to twice as fast that way
(`benchmarks/speed.py` measures both layouts). The numbers are the same to float rounding; the model itself is
not modified.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F

from .model import FILM


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
            "use filmlite.read_image(path) or filmlite.images.from_array(array) to make one"
        )
    single = x.dim() == 3
    if x.dim() not in (3, 4):
        raise ValueError(f"{name} must have shape (3, h, w) or (b, 3, h, w), got {tuple(x.shape)}")
    if single:
        x = x.unsqueeze(0)
    if x.shape[1] != 3:
        hint = " (it looks channels-last: use x.permute(2, 0, 1) or x.permute(0, 3, 1, 2))" if x.shape[-1] == 3 else ""
        raise ValueError(f"{name} must have 3 colour channels in dimension 1, got shape {tuple(x.shape)}{hint}")
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


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def interpolate(model: FILM, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """The frame halfway between `x0` and `x1`, any size, clipped to [0, 1].

    Args:
        model: a `FILM` (any configuration).
        x0, x1: `(3, h, w)` or `(b, 3, h, w)` RGB in [0, 1] (or uint8), same shape.

    Returns:
        float32 tensor of the inputs' shape, on `x0`'s device. Runs without gradients on the model's device.
    """
    a, single = as_frame_batch(x0, "x0")
    b, _ = as_frame_batch(x1, "x1")
    if a.shape != b.shape:
        raise ValueError(
            f"x0 and x1 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}; "
            "resize or crop one of them first"
        )
    out_device = x0.device
    device = model_device(model)
    layout = torch.channels_last if device.type == "cpu" else torch.contiguous_format
    with torch.no_grad():
        a, box = pad_to_multiple(a.to(device), model.config.alignment)
        b, _ = pad_to_multiple(b.to(device), model.config.alignment)
        y = model(a.contiguous(memory_format=layout), b.contiguous(memory_format=layout))
        y = crop(y, box).clamp(0, 1)
    y = y.to(out_device).contiguous()
    return y[0] if single else y


def iter_recursive(model: FILM, frames: Sequence[torch.Tensor], times_to_interpolate: int) -> Iterator[torch.Tensor]:
    """Yield the frames of `interpolate_recursive` one at a time, in order (memory stays at a few frames)."""
    if times_to_interpolate < 0:
        raise ValueError(f"times_to_interpolate must be >= 0, got {times_to_interpolate}")
    if len(frames) < 2:
        raise ValueError(f"need at least 2 frames to interpolate between, got {len(frames)}")
    shape = tuple(frames[0].shape)
    for i, frame in enumerate(frames):
        if tuple(frame.shape) != shape:
            raise ValueError(f"all frames must have the same shape: frame 0 is {shape}, frame {i} is {tuple(frame.shape)}")

    def between(start: torch.Tensor, end: torch.Tensor, depth: int) -> Iterator[torch.Tensor]:
        # Depth first: everything from start up to (not including) end.
        if depth == 0:
            yield start
            return
        middle = interpolate(model, start, end)
        yield from between(start, middle, depth - 1)
        yield from between(middle, end, depth - 1)

    for start, end in zip(frames[:-1], frames[1:]):
        yield from between(start, end, times_to_interpolate)
    yield frames[-1]


def interpolate_recursive(model: FILM, frames, times_to_interpolate: int = 1):
    """Insert 2^k - 1 frames between every pair of consecutive `frames` (k = `times_to_interpolate`).

    Args:
        model: a `FILM`.
        frames: a list of `(3, h, w)` / `(1, 3, h, w)` tensors, or one `(n, 3, h, w)` tensor.
        times_to_interpolate: recursion depth k; 0 returns the inputs.

    Returns:
        (n - 1) * 2^k + 1 frames: a list if `frames` was a list, an `(m, 3, h, w)` tensor if it was a tensor.
        Input frames are passed through unchanged.
    """
    if isinstance(frames, torch.Tensor):
        if frames.dim() != 4:
            raise ValueError(f"a tensor of frames must be (n, 3, h, w), got {tuple(frames.shape)}")
        return torch.stack(list(iter_recursive(model, list(frames), times_to_interpolate)))
    return list(iter_recursive(model, list(frames), times_to_interpolate))
