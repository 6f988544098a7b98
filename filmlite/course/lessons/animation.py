"""Animations a notebook plays inline (notebooks 00 and 08).

`pingpong` plays a sequence forward and back so a loop never jumps, `shrink` (`filmlite.io.images.shrink`, the one
copy) makes frames small enough for a quick demo, and `gif_image` writes a GIF through
`filmlite.io.writing.write_frames` and returns it as something a notebook displays.
"""
from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch

from ...io.images import shrink

__all__ = ["shrink", "pingpong", "gif_image"]


def pingpong(frames: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The frames forward, then backward without repeating either end: a loop that never jumps.

    `[a, b, c, d]` -> `[a, b, c, d, c, b]`; played in a loop it returns to `a` smoothly.
    """
    frames = list(frames)
    return frames + frames[-2:0:-1]


def gif_image(frames, fps: float = 12.0, path: str | Path | None = None, loop: str = "pingpong"):
    """Write `frames` as an animated GIF and return an `IPython.display.Image` of it (a cell shows it).

    Args:
        frames: a list of `(3, h, w)` / `(1, 3, h, w)` frames or an `(n, 3, h, w)` tensor, float in [0, 1].
        fps: frames per second (GIF stores delays in 1/100 s; see `filmlite.io.video`).
        path: where to write; default a new file in a temporary folder.
        loop: "pingpong" (forward and back, see `pingpong`) or "forward".
    """
    from IPython.display import Image

    from ...io.writing import write_frames

    if loop not in ("pingpong", "forward"):
        raise ValueError(f"loop must be 'pingpong' or 'forward', got {loop!r}")
    frames = [f[0] if f.dim() == 4 else f for f in frames]
    if loop == "pingpong":
        frames = pingpong(frames)
    path = Path(path) if path is not None else Path(tempfile.mkdtemp(prefix="filmlite-")) / "animation.gif"
    write_frames(path, torch.stack(frames), fps=fps, overwrite=True)
    return Image(filename=str(path))
