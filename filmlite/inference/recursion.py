"""More frames than one: FILM's midpoint recursion, and frames at chosen times for any interpolator.

FILM makes only the frame at t = 1/2. To get 2^k - 1 frames between two inputs it recurses depth first: the
middle frame, then the middle of each half, and so on (official `eval/util.py: interpolate_recursively`). The
frame at t = k / 2^d (k odd) is the midpoint of the frames at (k - 1) / 2^d and (k + 1) / 2^d, which are coarser
midpoints or the inputs; each new frame costs one network run, and the frames fed back in are clipped to [0, 1],
like images written to disk. n input frames and k levels give (n - 1) * 2^k + 1 frames.

`frames_at` is the one place this recursion lives: it makes the frames at any dyadic times, computing only the
midpoints they need, each once, and keeps only the frames still needed. A model that takes any time
(`model.any_time`) skips the recursion: `frames_at` asks it for each time directly.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction

import torch

from .interpolation import check_model, check_options, interpolate

# interpolate_recursive holds all its frames in memory: past this many new frames it asks for allow_large=True
MAX_NEW_FRAMES = 10_000


def check_depth(times_to_interpolate) -> int:
    """The recursion depth as an int >= 0, or an error naming the fix."""
    if isinstance(times_to_interpolate, bool) or not isinstance(times_to_interpolate, int):
        raise TypeError(f"times_to_interpolate must be a whole number (an int: 1, 2, 3, ...), got "
                        f"{times_to_interpolate!r}; it is the recursion depth, giving 2^k - 1 new frames per pair")
    if times_to_interpolate < 0:
        raise ValueError(f"times_to_interpolate must be >= 0, got {times_to_interpolate}")
    return times_to_interpolate


def recursion_times(num_inputs: int, times_to_interpolate: int) -> list[Fraction]:
    """The time of every frame `interpolate_recursive` returns, as exact fractions of the input spacing: input k
    is at time k, and k recursion levels put 2^k - 1 frames between neighbours."""
    if num_inputs < 2 or times_to_interpolate < 0:
        raise ValueError(f"need at least 2 inputs and a depth >= 0, got {num_inputs} and {times_to_interpolate}")
    steps = 2**times_to_interpolate
    return [Fraction(i, steps) for i in range((num_inputs - 1) * steps + 1)]


def _parents(t: Fraction) -> tuple[Fraction, Fraction]:
    """The two coarser frames whose midpoint is the frame at dyadic time t."""
    step = Fraction(1, t.denominator)
    return t - step, t + step


def frames_at(model, x0: torch.Tensor, x1: torch.Tensor, times: Iterable[Fraction | float],
              **options) -> Iterator[torch.Tensor]:
    """Yield the frames at `times` (increasing, strictly between 0 and 1) between `x0` (t = 0) and `x1` (t = 1).

    A midpoint-only model (FILM) makes the frame at t = k / 2^d from its two parents (see the module docstring),
    so `times` must be such fractions; only the frames asked for and the midpoints they need are computed, each
    once, and a frame is dropped as soon as no later time needs it (memory stays at a few frames). For the times
    j / 2^d, j = 1 .. 2^d - 1, these are the frames of `interpolate_recursive(model, [x0, x1], d)`. A model
    with `any_time` makes each frame directly. `options` (tile_size, tile_overlap, dtype) go to `interpolate`.
    """
    check_model(model)
    times = [Fraction(t) for t in times]
    if any(not 0 < t < 1 for t in times) or any(a >= b for a, b in zip(times, times[1:])):
        raise ValueError(f"times must increase strictly between 0 and 1, got {[str(t) for t in times]}")
    if model.any_time:
        for t in times:
            yield interpolate(model, x0, x1, t=float(t), **options)
        return
    wrong = [str(t) for t in times if t.denominator & (t.denominator - 1)]
    if wrong:
        raise ValueError(f"{type(model).__name__} makes midpoints only, so its recursion reaches the times k / 2^d "
                         f"alone, not {', '.join(wrong)}; ask for such times (inference.slowmo.slowmo_times picks "
                         "the nearest ones)")
    known = {Fraction(0): x0, Fraction(1): x1}

    def at(t: Fraction) -> torch.Tensor:
        if t not in known:
            left, right = _parents(t)
            frame_left = at(left)  # depth first, left half first, like the official recursion
            known[t] = interpolate(model, frame_left, at(right), **options)
        return known[t]

    for t in times:
        frame = at(t)
        # a later (larger) time never needs a frame before t: t's computation made every coarser frame up to the
        # next later time's left parent
        for s in [s for s in known if s < t]:
            del known[s]
        yield frame


def network_runs(times: Iterable[Fraction], any_time: bool = False) -> int:
    """How many network runs `frames_at` makes for `times`: the frames asked for and, for a midpoint-only model,
    the midpoints they need."""
    times = [Fraction(t) for t in times]
    if any_time:
        return len(times)
    needed: set[Fraction] = set()

    def visit(t: Fraction) -> None:
        if 0 < t < 1 and t not in needed:
            needed.add(t)
            for parent in _parents(t):
                visit(parent)

    for t in times:
        visit(t)
    return len(needed)


def check_frames(frames: Sequence[torch.Tensor]) -> None:
    if len(frames) < 2:
        raise ValueError(f"need at least 2 frames to interpolate between, got {len(frames)}")
    shape = tuple(frames[0].shape)
    for i, frame in enumerate(frames):
        if tuple(frame.shape) != shape:
            raise ValueError(f"all frames must have the same shape: frame 0 is {shape}, frame {i} is {tuple(frame.shape)}")


def iter_recursive(model, frames: Sequence[torch.Tensor], times_to_interpolate: int, **options) -> Iterator[torch.Tensor]:
    """Yield the frames of `interpolate_recursive` one at a time, in order (memory stays at a few frames).

    `options` (tile_size, tile_overlap, dtype) are those of `interpolate`, checked before the first frame.
    """
    depth = check_depth(times_to_interpolate)
    check_model(model)
    check_frames(frames)
    check_options(model, **options)
    between = recursion_times(2, depth)[1:-1]
    for start, end in zip(frames[:-1], frames[1:]):
        yield start
        yield from frames_at(model, start, end, between, **options)
    yield frames[-1]


def interpolate_recursive(model, frames, times_to_interpolate: int = 1, *, allow_large: bool = False, **options):
    """Insert 2^k - 1 frames between every pair of consecutive `frames` (k = `times_to_interpolate`).

    Args:
        model: any interpolator (`filmlite.registry`); FILM makes each new frame as a midpoint.
        frames: a list of `(3, h, w)` / `(1, 3, h, w)` tensors, or one `(n, 3, h, w)` tensor.
        times_to_interpolate: recursion depth k (an int); 0 returns the inputs.
        allow_large: every frame is kept in memory and costs one network run, so more than `MAX_NEW_FRAMES`
            (10,000) new frames are refused unless this is True; `iter_recursive` streams them instead.
        options: tile_size, tile_overlap, dtype, as for `interpolate`, used for every new frame.

    Returns:
        (n - 1) * 2^k + 1 frames: a list if `frames` was a list, an `(m, 3, h, w)` tensor if it was a tensor.
        Input frames are passed through unchanged.
    """
    check_depth(times_to_interpolate)
    count = len(frames)
    new = max(count - 1, 0) * (2**times_to_interpolate - 1)
    if new > MAX_NEW_FRAMES and not allow_large:
        pixels = frames[0].shape[-2] * frames[0].shape[-1] if count else 0
        memory = (new + count) * 3 * pixels * 4  # float32 frames
        raise ValueError(f"times_to_interpolate={times_to_interpolate} asks for {new:,} new frames ({count - 1} "
                         f"pair(s) x (2^{times_to_interpolate} - 1)), one network run each, about "
                         f"{memory / 2**30:.3g} GiB held in memory; use a smaller depth, iterate with "
                         "filmlite.iter_recursive (one frame at a time), or pass allow_large=True to insist")
    if isinstance(frames, torch.Tensor):
        if frames.dim() != 4:
            raise ValueError(f"a tensor of frames must be (n, 3, h, w), got {tuple(frames.shape)}")
        return torch.stack(list(iter_recursive(model, list(frames), times_to_interpolate, **options)))
    return list(iter_recursive(model, list(frames), times_to_interpolate, **options))
