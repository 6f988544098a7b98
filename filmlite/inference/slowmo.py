"""Slow motion of a whole video with any interpolator: `slowmo` (a file or folder in, a video, GIF or folder out).

**Slow motion** (`slowmo`, `slowmo_frames`). Every consecutive pair of frames gets `factor - 1` new frames
between it, so n frames become (n - 1) * factor + 1; at the default output frame rate (the input's) the video
plays `factor` times slower. FILM's weights only know t = 1/2: new frames come from the
midpoint recursion, which reaches exactly the times k / 2^d. A power-of-two factor 2^d needs exactly those
times. **Any other factor** needs the times j / factor, which the recursion never reaches: `slowmo` recurses to
the smallest depth d with 2^d >= factor and, for each j / factor, uses the frame at the *nearest* time k / 2^d.
The new frames are then shown evenly spaced although they were made at slightly uneven times; the error is at
most 1 / 2^(d+1) of the input frame interval (factor 3: the frames at 1/4 and 3/4 stand in for 1/3 and 2/3,
1/12 off; factor 6: 1/8, 3/8, 4/8, 5/8, 7/8 for 1/6 ... 5/6). Only the frames that are used, and the midpoints
they are made from, are computed. Across a scene cut nothing is interpolated: the last frame before the cut is
repeated `factor - 1` times, so the timing stays right and no morph appears.

The audio track of a slowed-down video no longer fits it (the pictures last `factor` times longer), so `slowmo`
keeps the audio only when the output lasts as long as the input, to within one input frame: that is when the
output frame rate is the input's times `factor` (`fps=factor * input_fps`, smoother motion at normal speed).
Otherwise it drops the audio and says so.

A model that makes any time (`model.any_time`) gets the times j / factor themselves, one network run each.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import torch

from ..io.progress import Progress
from ..io.images import shrink
from ..io.video import open_frames, scene_cuts
from ..io.writing import FrameWriter, check_not_input, check_output
from .interpolation import check_model
from .recursion import frames_at


def slowmo_times(factor: int, any_time: bool = False) -> list[Fraction]:
    """The times at which `slowmo` makes the `factor - 1` new frames between two inputs: j / factor for a model
    that makes any time, or for a power-of-two factor; for a midpoint-only model and any other factor, the nearest
    k / 2^d with 2^d the smallest power of two >= factor (see the module docstring). No two j share a time, and
    none falls on 0 or 1."""
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"the slow-motion factor must be a whole number >= 1, got {factor!r}")
    if any_time:
        return [Fraction(j, factor) for j in range(1, factor)]
    depth = (factor - 1).bit_length()  # smallest d with 2^d >= factor
    return [Fraction(round(Fraction(j * 2**depth, factor)), 2**depth) for j in range(1, factor)]


def slowmo_frames(model, frames: Iterable[torch.Tensor], factor: int, cuts: Iterable[int] = (),
                  **options) -> Iterator[torch.Tensor]:
    """Yield the slow-motion sequence of `frames` (`(3, h, w)`, uint8 or float), float `(3, h, w)` in [0, 1].

    Between frames i-1 and i: the frames of `frames_at(model, ..., slowmo_times(factor))`, or, when i is in
    `cuts` (a scene cut between them), frame i-1 repeated `factor - 1` times. n frames give (n - 1) * factor + 1.
    """
    times, cuts = slowmo_times(factor, model.any_time), set(cuts)
    previous = None
    for i, frame in enumerate(frames):
        frame = frame.float() / 255 if frame.dtype == torch.uint8 else frame.float()
        if previous is not None:
            if i in cuts:
                yield from [previous] * len(times)
            else:
                yield from frames_at(model, previous, frame, times, **options)
        yield frame
        previous = frame


def describe_times(factor: int, any_time: bool = False) -> str | None:
    """A sentence on what a non-power-of-two `factor` does to a midpoint-only model (None for powers of two, which
    are exact, and for a model that makes any time)."""
    if any_time:
        return None
    times = slowmo_times(factor)
    if factor & (factor - 1) == 0:
        return None
    error = max(abs(t - Fraction(j, factor)) for j, t in enumerate(times, start=1))
    shown = ", ".join(str(t) for t in times)
    return (f"factor {factor} is not a power of two and FILM only makes midpoints: the new frames are at "
            f"t = {shown} of each frame interval (the nearest multiples of 1/{2 ** (factor - 1).bit_length()} to "
            f"1/{factor} ... {factor - 1}/{factor}; at most {float(error):.3f} of an interval off)")


def slowmo(model, source: str | Path, output: str | Path, factor: int = 4, *, fps: float | None = None,
           input_fps: float | None = None, max_side: int | None = None, cut_threshold: float = 0.1,
           keep_audio: bool = True, overwrite: bool = False, progress: bool = True,
           log: Callable[[str], None] = print, **options) -> dict:
    """Slow motion of a video file or a folder of frames, written to `output` (video, GIF or folder).

    Args:
        model: any interpolator of `filmlite.registry` (FILM recurses on midpoints, see the module docstring).
        source: a video file, or a folder of images (natural order) at `input_fps` (default 25).
        output: `.mp4` / `.mov` / `.mkv`, `.gif`, or a folder name (numbered PNGs).
        factor: `factor - 1` new frames between every pair (non-powers of two: see the module docstring).
        fps: the output frame rate; default the input's, so the video plays `factor` times slower.
            `factor * input fps` keeps the duration (smoother motion at normal speed) and keeps the audio.
        input_fps: the input frame rate (overrides a video's own; a folder's default is 25).
        max_side: shrink frames so the longer side is at most this (faster, less memory).
        cut_threshold: `scene_cuts` threshold; above 1 no cut is ever found.
        keep_audio: copy the input's audio when the durations match (see the module docstring).
        overwrite: replace an existing output.
        progress: show a tqdm progress bar (on terminals).
        log: where notes go (scene cuts, the times used, audio kept or dropped).
        options: tile_size, tile_overlap, dtype for `filmlite.interpolate`.

    Returns:
        a summary: input and output frame counts, frame rates and durations, cuts, times, audio.
    """
    check_model(model)
    if not isinstance(factor, int) or factor < 2:
        raise ValueError(f"the slow-motion factor must be a whole number >= 2, got {factor!r}")
    if not (isinstance(cut_threshold, (int, float)) and cut_threshold >= 0):  # also refuses NaN
        raise ValueError(f"cut_threshold must be a number >= 0 (above 1 disables cut detection), got {cut_threshold!r}")
    check_not_input(output, [source])
    kind = check_output(output, overwrite)
    frames = open_frames(source, input_fps, max_side)
    # Pass 1: thumbnails of every frame for the cut detector (a few KB per frame); pass 2 interpolates.
    thumbs = torch.stack([shrink(frame, 64) for frame in frames])
    count = len(thumbs)
    if count < 2:
        raise ValueError(f"{source} has {count} frame; slow motion needs at least 2")
    cuts = scene_cuts(thumbs, threshold=cut_threshold) if count > 2 else []
    out_fps = float(fps or frames.fps)
    out_count = (count - 1) * factor + 1
    summary = {"input_frames": count, "input_fps": frames.fps, "output_frames": out_count, "fps": out_fps,
               "input_seconds": count / frames.fps, "output_seconds": out_count / out_fps, "cuts": cuts,
               "times": [str(t) for t in slowmo_times(factor, model.any_time)], "audio": None, "path": str(output)}

    if note := describe_times(factor, model.any_time):
        log(note)
    if cuts:
        where = ", ".join(f"{i - 1} and {i}" for i in cuts)
        log(f"scene cut{'s' if len(cuts) > 1 else ''} between frames {where} (counting from 0, of {count}): not "
            f"interpolated across; the frame before each cut is repeated {factor - 1} times instead")
    audio_from = None
    if frames.has_audio:
        same_length = abs(summary["output_seconds"] - summary["input_seconds"]) <= 1 / frames.fps + 1e-9
        if not keep_audio:
            log("audio dropped (as asked)")
        elif kind != "video":
            log(f"audio dropped: a {'GIF' if kind == 'gif' else 'folder of PNGs'} has no sound")
        elif not same_length:
            log(f"audio dropped: the output lasts {summary['output_seconds']:.2f} s, the input "
                f"{summary['input_seconds']:.2f} s, so the sound would no longer fit the pictures (an output rate "
                f"of {frames.fps * factor:g} fps, the input's times the factor, keeps it)")
        else:
            audio_from = source

    with FrameWriter(output, out_fps, audio_from=audio_from, overwrite=overwrite) as writer:
        bar = Progress(count - 1, "pair", "slowmo", enabled=progress)
        for k, frame in enumerate(slowmo_frames(model, frames, factor, cuts, **options)):
            writer.write(frame)
            if k and k % factor == 0:
                bar.update(1)
        bar.close()
    summary["audio"] = writer.audio
    if writer.audio:
        log(f"audio {writer.audio} from {source}")
    for note in writer.notes:
        log(note)
    return summary
