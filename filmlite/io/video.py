"""Video in: decoding frames with PyAV (files and folders of images alike), and finding scene cuts.

Frames are `uint8` tensors `(n, 3, h, w)` (RGB), the same layout as `filmlite.io.images`; convert with
`frames.float() / 255` for the network. Writers take `uint8` or float `(n, 3, h, w)` / `(3, h, w)` frames
(float values in [0, 1], clipped).

**Scene cuts.** Frame interpolation assumes that the two input frames show the same scene: the middle frame is
the same world, moved half way. At a *scene cut* that assumption breaks, and any interpolator (FILM included)
morphs one shot into the other. Both training (`filmlite.training.data.VideoTriplets`) and slow motion (`slowmo`) therefore
find the cuts first and never use a pair of frames across one.

A cut is a frame whose change from the previous frame is both large in absolute terms and much larger than the
changes around it: the score of frame i is the mean absolute difference between small greyscale thumbnails of
frames i-1 and i, and frame i starts a new shot when its score exceeds `threshold` and is `ratio` times the
median score of its neighbours. The second test keeps fast but continuous motion (a whip pan, where every score
is high) from counting as a cut.

Writing videos, GIFs and frame folders: `filmlite.io.writing`. Slow motion of whole videos: `filmlite.inference.slowmo`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .images import shrink

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


# =========================================================================================== reading
@dataclass(frozen=True)
class VideoInfo:
    fps: float
    frames: int
    width: int
    height: int
    has_audio: bool


def _open(path: str | Path):
    import av

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"video file not found: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a video file")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as error:
        raise ValueError(f"cannot read {path} as a video ({error}); is it a video file (mp4, mov, mkv, avi, ...)?") from None
    if not container.streams.video:
        container.close()
        raise ValueError(f"{path} has no video stream")
    return container


def video_info(path: str | Path) -> VideoInfo:
    """Frame rate, frame count, size and whether there is an audio track. The frame count is counted by
    decoding when the container does not store it."""
    with _open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 25)
        frames = stream.frames or sum(1 for _ in container.decode(video=0))
        return VideoInfo(fps, int(frames), stream.width, stream.height, bool(container.streams.audio))


def check_max_side(max_side) -> None:
    if max_side is not None and (isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1):
        raise ValueError(f"max_side must be a whole number of pixels >= 1 (or None to keep the size), got {max_side!r}")


def iter_frames(path: str | Path, max_side: int | None = None, start: int = 0,
                stop: int | None = None) -> Iterator[torch.Tensor]:
    """Decode frames `start..stop-1` of a video one at a time, each `uint8 (3, h, w)`, RGB, shrunk so its longer
    side is at most `max_side`. Memory stays at one frame, whatever the length of the video."""
    import av

    check_max_side(max_side)
    index = 0
    with _open(path) as container:
        try:
            for index, frame in enumerate(container.decode(video=0)):
                if stop is not None and index >= stop:
                    break
                if index >= start:
                    array = frame.to_ndarray(format="rgb24")  # (h, w, 3)
                    yield shrink(torch.from_numpy(array).permute(2, 0, 1), max_side)
        except av.error.FFmpegError as error:
            raise ValueError(f"cannot decode {path} beyond frame {index} (damaged file?): {error}") from None


def read_frames(path: str | Path, max_side: int | None = None, start: int = 0, stop: int | None = None) -> torch.Tensor:
    """Decode frames `start..stop-1` of a video as `uint8 (n, 3, h, w)`, RGB, each shrunk so its longer side is
    at most `max_side`."""
    check_max_side(max_side)
    frames = list(iter_frames(path, max_side, start, stop))
    if not frames:
        raise ValueError(f"no frames decoded from {path} in the range {start}..{stop}")
    return torch.stack(frames)


def natural_key(path: Path) -> list:
    """Sort key that puts frame2.png before frame10.png (numbers compared as numbers)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def image_files(folder: str | Path) -> list[Path]:
    """The images in `folder` (by suffix, hidden files skipped), in natural order: the frames of a sequence."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=natural_key)


@dataclass
class FrameSource:
    """A video file or a folder of images, read one frame at a time (`iter(source)` starts again from frame 0).

    Frames are `uint8 (3, h, w)`, shrunk to `max_side`. `fps` is the video's frame rate (or the one given to
    `open_frames`); `count` the number of frames (for a video as its container states it).
    """

    path: Path
    fps: float
    count: int
    has_audio: bool
    max_side: int | None = None
    files: list[Path] | None = None  # None for a video

    def __iter__(self) -> Iterator[torch.Tensor]:
        if self.files is None:
            yield from iter_frames(self.path, self.max_side)
            return
        from .images import read_image

        first = None
        for file in self.files:
            frame = (read_image(file)[0] * 255).round().to(torch.uint8)
            if first is None:
                first = (file, frame.shape)
            elif frame.shape != first[1]:
                def size(shape):
                    return f"{shape[2]}x{shape[1]}"

                raise ValueError(f"frames of different sizes: {first[0].name} is {size(first[1])}, {file.name} is "
                                 f"{size(frame.shape)}; all frames of a sequence must have one size (resize them)")
            yield shrink(frame, self.max_side)


def open_frames(path: str | Path, fps: float | None = None, max_side: int | None = None) -> FrameSource:
    """A `FrameSource` for a video file or a folder of images (natural order). `fps` overrides the video's frame
    rate and is needed for a folder (default 25)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no video file or folder of frames at {path}")
    if fps is not None and not fps > 0:
        raise ValueError(f"the frame rate must be positive, got {fps}")
    check_max_side(max_side)
    if path.is_dir():
        files = image_files(path)
        if len(files) < 2:
            raise ValueError(f"{path} holds {len(files)} image(s) ({', '.join(IMAGE_SUFFIXES)}); "
                             "interpolation needs at least 2 frames")
        return FrameSource(path, float(fps or 25.0), len(files), False, max_side, files)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise ValueError(f"{path} is one image; give a video file or a folder of frames (for two images, "
                         "`filmlite interpolate A B` / `filmlite.interpolate`)")
    info = video_info(path)
    if info.frames < 2:
        raise ValueError(f"{path} holds {info.frames} frame(s); interpolation needs at least 2")
    return FrameSource(path, float(fps or info.fps), info.frames, info.has_audio, max_side)


# =========================================================================================== scene cuts
def cut_scores(frames: torch.Tensor, thumb: int = 64) -> torch.Tensor:
    """Score `(n,)` of every frame: mean absolute difference in [0, 1] between greyscale thumbnails (longer side
    `thumb`) of it and the frame before. Frame 0 scores 0."""
    frames = frames.float() / 255 if frames.dtype == torch.uint8 else frames.float()
    grey = frames.mean(dim=1, keepdim=True)  # (n, 1, h, w)
    grey = shrink(grey, thumb)
    scores = (grey[1:] - grey[:-1]).abs().mean(dim=(1, 2, 3))
    return torch.cat([scores.new_zeros(1), scores])


def scene_cuts(frames: torch.Tensor, threshold: float = 0.1, ratio: float = 3.0, window: int = 5) -> list[int]:
    """Indices i where a new shot starts (a cut between frames i-1 and i). See the module docstring."""
    scores = cut_scores(frames).numpy()
    cuts = []
    for i in range(1, len(scores)):
        neighbours = np.concatenate([scores[max(1, i - window):i], scores[i + 1:i + 1 + window]])
        typical = float(np.median(neighbours)) if len(neighbours) else 0.0
        if scores[i] > threshold and scores[i] > ratio * typical:
            cuts.append(i)
    return cuts


def shots(num_frames: int, cuts: list[int]) -> list[range]:
    """Split frame indices `0..num_frames-1` into the shots between cuts."""
    edges = [0, *cuts, num_frames]
    return [range(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
