"""Time in FILM's recursion of midpoints (`filmlite.interpolate_recursive`), for notebooks 00 and 08 and the
slow-motion widget.

The recursion makes the frame at t = 1/2 first, then 1/4 and 3/4 from it, and so on: frame t = m / 2^k is made
at depth k. `recursion_times` (from `filmlite.inference.recursion`, the one copy) lists the times,
`recursion_depths` the depth of each frame, and `plot_time_strip` shows frames with their times.
"""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import torch
from matplotlib.figure import Figure

from ...inference.recursion import recursion_times
from .panels import show_images

__all__ = ["recursion_times", "recursion_depths", "recursion_depth_for", "time_text", "plot_time_strip"]


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


def plot_time_strip(frames: Sequence[torch.Tensor] | torch.Tensor, times: Sequence | None = None,
                    size: float = 2.0, max_frames: int = 9) -> Figure:
    """Frames in a row with their times (default: the recursion times of 2 inputs); at most `max_frames`,
    evenly picked."""
    frames = list(frames)
    if times is None:
        times = recursion_times(2, recursion_depth_for(len(frames)))
    picks = np.unique(np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).round().astype(int))
    return show_images([frames[k] for k in picks], [f"t = {times[k]}" for k in picks], ncols=len(picks), size=size)
