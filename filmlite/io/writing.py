"""Video out: writing frames to a video (.mp4, .mov, .mkv), an animated GIF, or a folder of PNGs, one at a time.

**Writing** (`FrameWriter`, `write_frames`). The suffix of the output path picks the format:
- `.mp4` (also `.mov`, `.mkv`): H.264 (`libx264`, constant quality `crf` 18, visually lossless for most
  material) if this FFmpeg build has it, else MPEG-4 Part 2 (`mpeg4`) at a generous bit rate; pixel format
  yuv420p, which every player understands. yuv420p stores colour at half resolution, so it needs an even width
  and height: a frame with an odd side is **padded by one pixel**, a copy of its last row or column (nothing of
  the picture is lost; the video is one pixel larger than the frames).
- `.gif`: an animated GIF (Pillow), looping forever. GIF stores the delay between frames in hundredths of a
  second, and browsers slow down delays under 2/100 s, so the delay is `round(100 / fps)` hundredths, at least
  2: 25 fps is exact, 30 fps becomes 33.3 fps, anything above 50 fps plays at 50 fps.
- a path without a suffix: a folder of numbered PNGs `frame_000000.png`, `frame_000001.png`, ... (lossless; no
  frame rate is stored).
Videos and GIFs are written to a temporary file next to the target and renamed when complete, so an interrupted
run never leaves half a file, nor destroys an existing one. Nothing existing is replaced unless
`overwrite=True`.

**Audio.** `FrameWriter(..., audio_from=video)` copies the first audio track of another file into the new video,
packet for packet (no re-encoding, no quality loss). A codec the output container cannot hold (8-bit PCM in an
mp4, for instance) is re-encoded to AAC instead. Whether the audio still fits the pictures is the caller's
decision: see `filmlite.inference.slowmo`.
"""
from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from .atomic import PendingFile, atomic_write
from .video import IMAGE_SUFFIXES, _open

VIDEO_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}  # suffix -> FFmpeg muxer
FRAME_NAME = "frame_{:06d}.png"
_FRAME_NAME_PATTERN = re.compile(r"frame_\d{6}\.png")


def output_kind(path: str | Path) -> str:
    """What a path asks for: "video" (.mp4, .mov, .mkv), "gif", or "folder" (no suffix, or an existing folder)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == "":
        return "folder"
    if suffix in VIDEO_FORMATS:
        return "video"
    if suffix == ".gif":
        return "gif"
    if suffix in IMAGE_SUFFIXES:
        raise ValueError(f"{path} is one image; to write numbered PNG frames give a folder name without a suffix "
                         f"(such as {path.with_suffix('')}), or .mp4 / .gif for a video")
    raise ValueError(f"cannot tell what to write from the suffix {suffix!r} of {path}: use .mp4 (or .mov, .mkv), "
                     ".gif, or a folder name without a suffix for numbered PNGs")


def check_output(path: str | Path, overwrite: bool = False,
                 hint: str = "pass overwrite=True to replace it") -> str:
    """Refuse to replace an existing output unless `overwrite`; returns `output_kind(path)`.

    A folder counts as existing output when it is not empty. With `overwrite`, a folder keeps its other files;
    only frames named like ours (`frame_000000.png`, ...) are removed by `FrameWriter`.
    """
    from .images import check_output_location

    path = Path(path)
    kind = output_kind(path)
    if kind == "folder":
        if path.exists() and not path.is_dir():
            raise FileExistsError(f"{path} is a file; give a folder name for the frames")
        if path.is_dir() and any(path.iterdir()) and not overwrite:
            raise FileExistsError(f"the folder {path} is not empty (nothing was overwritten); {hint}")
        check_output_location(path / FRAME_NAME.format(0))
    elif path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name ending in {Path(path).suffix or '.mp4'}")
    elif path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists (nothing was overwritten); {hint}")
    else:
        check_output_location(path)
    return kind


def check_not_input(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is, contains or is inside one of the `inputs` (files or folders), before anything is
    touched: writing there (with overwrite, removing old frames first) could destroy what is still to be read."""
    out = Path(output).resolve()
    for source in inputs:
        src = Path(source).resolve()
        same = out == src or (out.exists() and src.exists() and os.path.samefile(out, src))
        relation = "is" if same else "is inside" if src in out.parents else "contains" if out in src.parents else None
        if relation:
            raise ValueError(f"the output {output} {relation} the input {source} (nothing was touched); write the "
                             "output somewhere else")


def as_uint8_frames(frames: torch.Tensor) -> torch.Tensor:
    """`(3, h, w)` or `(n, 3, h, w)`, `uint8` or float in [0, 1] (clipped) -> `uint8 (n, 3, h, w)` on the CPU."""
    if not isinstance(frames, torch.Tensor):
        raise TypeError(f"frames must be a torch.Tensor (n, 3, h, w) or (3, h, w), got {type(frames).__name__}")
    if frames.dim() == 3:
        frames = frames[None]
    if frames.dim() != 4 or frames.shape[1] != 3:
        raise ValueError(f"frames must have shape (n, 3, h, w) or (3, h, w), got {tuple(frames.shape)}")
    frames = frames.detach().cpu()
    if frames.dtype == torch.uint8:
        return frames
    if not frames.is_floating_point():
        raise TypeError(f"frames have dtype {frames.dtype}; use uint8 (0..255) or float in [0, 1]")
    from .images import check_finite

    check_finite(frames)
    if frames.numel() and float(frames.max()) > 1.5:
        raise ValueError("float frames must hold values in [0, 1]; these look like 0..255: divide by 255")
    return frames.float().clamp(0, 1).mul(255).round().to(torch.uint8)


def _h264_available() -> bool:
    import av

    try:
        av.codec.Codec("libx264", "w")
        return True
    except Exception:  # UnknownCodecError in builds without x264
        return False


def _can_copy_audio(stream, container_format: str) -> bool:
    """Whether `container_format` accepts `stream`'s audio packets as they are: try it on a file in memory."""
    import av

    try:
        with av.open(io.BytesIO(), "w", format=container_format) as probe:
            probe.add_stream_from_template(stream)
            probe.start_encoding()
        return True
    except (ValueError, av.error.FFmpegError):
        return False


class FrameWriter:
    """Write frames one at a time to a video (.mp4, .mov, .mkv), an animated .gif, or a folder of PNGs.

        with FrameWriter("out.mp4", fps=25) as writer:
            for frame in frames:            # (3, h, w) or (n, 3, h, w), uint8 or float in [0, 1]
                writer.write(frame)

    Args:
        path: the output; its suffix picks the format (see the module docstring).
        fps: frames per second (videos and GIFs; a folder stores none).
        audio_from: a video file whose first audio track is copied into the output video (videos only; a file
            without audio adds none).
        overwrite: replace an existing file, or write into a non-empty folder (removing its `frame_*.png`).
        crf: H.264 constant-rate factor, 0 (lossless) .. 51; 18 looks lossless, each +6 halves the size.

    After `close()`: `count` frames written, `audio` is "copied", "re-encoded to AAC" or None, `notes` lists
    anything a user should know (such as a GIF frame rate that had to be rounded). Each format has its own writer
    below (`_FolderOut`, `_GifOut`, `_VideoOut`), started at the first frame, when the size is known.
    """

    def __init__(self, path: str | Path, fps: float = 25.0, *, audio_from: str | Path | None = None,
                 overwrite: bool = False, crf: int = 18):
        self.path = Path(path)
        self.kind = check_output(self.path, overwrite)
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        if audio_from is not None and self.kind != "video":
            raise ValueError(f"{self.path.name} cannot hold audio; write a video (.mp4, .mov, .mkv) to keep it")
        self.fps, self.crf, self.audio_from, self.overwrite = float(fps), int(crf), audio_from, overwrite
        self.count, self.size, self.audio, self.notes = 0, None, None, []
        self._out = None
        self._closed = False

    def write(self, frames: torch.Tensor) -> None:
        """Append one frame `(3, h, w)` or several `(n, 3, h, w)`; every frame must have the first one's size."""
        if self._closed:
            raise ValueError(f"the writer for {self.path} is closed")
        for frame in as_uint8_frames(frames):
            size = tuple(frame.shape[-2:])
            if self.size is None:
                self.size = size
                self._out = {"folder": _FolderOut, "gif": _GifOut, "video": _VideoOut}[self.kind](self)
            elif size != self.size:
                raise ValueError(f"frame {self.count} is {size[1]}x{size[0]}, the frames before it "
                                 f"{self.size[1]}x{self.size[0]}; all frames of a video must have one size")
            self._out.write(frame.permute(1, 2, 0).numpy(), self.count)  # (h, w, 3)
            self.count += 1

    def close(self) -> Path:
        """Finish the file (flush the encoder, add the rest of the audio, move it into place); returns the path."""
        if self._closed:
            return self.path
        self._closed = True
        if self.count == 0:
            raise ValueError(f"no frames were written to {self.path}")
        try:
            self._out.finish()
        except BaseException:
            self._out.discard()
            raise
        return self.path

    def gif_delay(self) -> int:
        """The delay between GIF frames in hundredths of a second (GIF's unit; browsers slow down < 2)."""
        return max(2, round(100 / self.fps))

    def __enter__(self) -> "FrameWriter":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self._closed = True
            if self._out is not None:
                self._out.discard()  # an unfinished video or GIF goes; an existing file of that name stays


class _FolderOut:
    """Numbered PNGs, each written whole or not at all."""

    def __init__(self, writer: FrameWriter):
        self.path = writer.path
        self.path.mkdir(parents=True, exist_ok=True)
        if writer.overwrite:  # a shorter sequence must not leave an older, longer one's tail behind
            for old in self.path.iterdir():
                if _FRAME_NAME_PATTERN.fullmatch(old.name):
                    old.unlink()

    def write(self, array: np.ndarray, index: int) -> None:
        from PIL import Image

        picture = Image.fromarray(array)
        atomic_write(self.path / FRAME_NAME.format(index), lambda f: picture.save(f, format="PNG"), sync=False)

    def finish(self) -> None:
        pass

    def discard(self) -> None:
        pass  # the frames written so far are whole files


class _GifOut:
    """An animated GIF, looping forever, saved from memory at the end."""

    def __init__(self, writer: FrameWriter):
        self.writer, self.pending, self.frames = writer, PendingFile(writer.path), []

    def write(self, array: np.ndarray, index: int) -> None:
        from PIL import Image

        self.frames.append(Image.fromarray(array))

    def finish(self) -> None:
        writer, delay = self.writer, self.writer.gif_delay()
        if abs(100 / delay - writer.fps) > 0.05 * writer.fps:
            writer.notes.append(f"GIF delays are in 1/100 s: {writer.fps:g} fps plays at {100 / delay:.3g} fps")
        first, *rest = self.frames
        first.save(self.pending.tmp, format="GIF", save_all=True, append_images=rest, duration=10 * delay, loop=0)
        self.frames = []
        self.pending.commit()

    def discard(self) -> None:
        self.pending.discard()


class _VideoOut:
    """A video through PyAV: H.264 (or MPEG-4 Part 2) in yuv420p, with another file's audio if asked."""

    def __init__(self, writer: FrameWriter):
        import av

        self.writer, self.pending = writer, PendingFile(writer.path)
        h, w = writer.size
        container_format = VIDEO_FORMATS[writer.path.suffix.lower()]
        options = {"movflags": "+faststart"} if container_format in ("mp4", "mov") else {}
        self.container = av.open(str(self.pending.tmp), "w", format=container_format, options=options)
        rate = Fraction(writer.fps).limit_denominator(1001)  # 29.97 -> 30000/1001 exactly
        if _h264_available():
            stream = self.container.add_stream("libx264", rate=rate)
            stream.options = {"crf": str(writer.crf), "preset": "medium"}
        else:
            stream = self.container.add_stream("mpeg4", rate=rate)
            stream.bit_rate = int(max(2e6, 0.5 * w * h * writer.fps))  # about 0.5 bit per pixel: few artefacts
            writer.notes.append("this FFmpeg has no libx264: wrote MPEG-4 Part 2 video instead of H.264")
        stream.width, stream.height = w + w % 2, h + h % 2  # yuv420p needs even sides: pad odd ones by a pixel
        stream.pix_fmt = "yuv420p"
        self.stream, self.time_base = stream, 1 / rate
        self.audio = _AudioCopy(writer, self.container, container_format) if writer.audio_from is not None else None

    def write(self, array: np.ndarray, index: int) -> None:
        import av

        h, w = array.shape[:2]
        if h % 2 or w % 2:
            array = np.pad(array, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
        frame.pts, frame.time_base = index, self.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        if self.audio is not None:  # interleave the audio with the pictures, so players need not seek back and forth
            self.audio.feed(until=(index + 1) * float(self.time_base))

    def finish(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        if self.audio is not None:
            self.audio.feed(until=None)
        self.container.close()
        if self.audio is not None:
            self.audio.close()
        self.pending.commit()

    def discard(self) -> None:
        try:
            self.container.close()
        except Exception:  # the file is deleted anyway
            pass
        if self.audio is not None:
            self.audio.close()
        self.pending.discard()


class _AudioCopy:
    """The first audio track of another file, copied packet for packet into a container being written (re-encoded
    to AAC when the container cannot hold its codec). Sets the writer's `audio` to what it did."""

    def __init__(self, writer: FrameWriter, container, container_format: str):
        self.container, self.source, self.packets, self.next = container, _open(writer.audio_from), None, None
        if not self.source.streams.audio:
            self.close()
            return
        track = self.source.streams.audio[0]
        if _can_copy_audio(track, container_format):
            self.out, self.copy = container.add_stream_from_template(track), True
            writer.audio = "copied"
        else:
            channels = len(track.layout.channels)
            layout = {1: "mono", 2: "stereo"}.get(channels, track.layout.name)
            self.out, self.copy = container.add_stream("aac", rate=track.rate, layout=layout), False
            writer.audio = "re-encoded to AAC"
            writer.notes.append(f"the audio codec {track.codec_context.name} does not fit in {writer.path.suffix}: "
                                "re-encoded it to AAC")
        self.packets = self.source.demux(track)

    def feed(self, until: float | None) -> None:
        """Mux the audio packets that start before `until` seconds (all that are left when None)."""
        while self.packets is not None:
            if self.next is None:
                self.next = next(self.packets, None)
                if self.next is None:  # the input's audio is exhausted
                    self.packets = None
                    if not self.copy:
                        for packet in self.out.encode(None):
                            self.container.mux(packet)
                    break
            packet = self.next
            if until is not None and packet.pts is not None and float(packet.pts * packet.time_base) >= until:
                break
            self.next = None
            if self.copy:
                if packet.dts is not None:  # the demuxer's final empty packet only flushes decoders
                    packet.stream = self.out
                    self.container.mux(packet)
            else:
                for frame in packet.decode():
                    frame.pts = None  # the encoder counts samples from 0
                    for out in self.out.encode(frame):
                        self.container.mux(out)

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None
        self.packets = None


def write_frames(path: str | Path, frames: torch.Tensor | Iterable[torch.Tensor], fps: float = 25.0, *,
                 audio_from: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write frames to a video, GIF or PNG folder in one call (see `FrameWriter`); returns the path.

    `frames`: a tensor `(n, 3, h, w)`, or an iterable of `(3, h, w)` frames (written as they come).
    """
    with FrameWriter(path, fps, audio_from=audio_from, overwrite=overwrite) as writer:
        for frame in ([frames] if isinstance(frames, torch.Tensor) else frames):
            writer.write(frame)
    return writer.path
