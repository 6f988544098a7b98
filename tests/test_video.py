"""filmlite.io.video: writing videos, GIFs and frame folders, audio, and slow motion."""
import math
from fractions import Fraction

import av
import numpy as np
import pytest
import torch
from PIL import Image, ImageSequence

import filmlite
import filmlite.inference.interpolation
from filmlite import FILM
from filmlite.io import video, writing
from filmlite.inference import slowmo, recursion
from conftest import TINY


# ------------------------------------------------------------------------------------------------ helpers
def smooth_frames(n: int, h: int, w: int, step: int = 2, seed: int = 0) -> torch.Tensor:
    """uint8 (n, 3, h, w): a colour gradient with a bright square moving `step` px per frame (codec friendly)."""
    g = torch.Generator().manual_seed(seed)
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    colour = torch.rand(3, generator=g)
    frames = []
    for i in range(n):
        f = torch.stack([0.2 + 0.5 * x * colour[0], 0.3 + 0.4 * y * colour[1], 0.25 + 0.3 * (x + y) / 2 * colour[2]])
        left = 2 + i * step
        f[:, h // 4 : h // 4 + h // 3, left : left + w // 5] = 0.9
        frames.append(f)
    return (torch.stack(frames) * 255).round().to(torch.uint8)


def make_video(path, frames: torch.Tensor, fps: int = 10, audio: str | None = "aac", rate: int = 16000):
    """A test video written with PyAV directly (not with filmlite): mpeg4 pictures and a 440 Hz sine tone
    lasting as long as the pictures, encoded with `audio` ("aac" or "pcm_u8"), or no audio."""
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=fps)
        v.height, v.width = frames.shape[-2:]
        v.pix_fmt, v.bit_rate = "yuv420p", 4_000_000
        a = out.add_stream(audio, rate=rate, layout="mono") if audio else None
        for i, frame in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(frame.permute(1, 2, 0).numpy(), format="rgb24")
            vf.pts = i
            for p in v.encode(vf):
                out.mux(p)
        if a is not None:
            total, chunk = int(rate * len(frames) / fps), 1024
            for start in range(0, total, chunk):
                t = np.arange(start, min(start + chunk, total)) / rate
                tone = 0.3 * np.sin(2 * np.pi * 440 * t)
                if audio == "pcm_u8":
                    samples = (128 + 100 * tone).astype(np.uint8)[None]
                    af = av.AudioFrame.from_ndarray(samples, format="u8", layout="mono")
                else:
                    af = av.AudioFrame.from_ndarray(tone.astype(np.float32)[None], format="flt", layout="mono")
                af.sample_rate, af.pts = rate, start
                for p in a.encode(af):
                    out.mux(p)
        for stream in (v, a):
            if stream is not None:
                for p in stream.encode():
                    out.mux(p)
    return path


def audio_payloads(path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]


def no_temporaries(folder) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------------------------------ writing
@pytest.mark.parametrize("fps", [25, 29.97])
def test_mp4_round_trip(tmp_path, fps):
    frames = smooth_frames(7, 48, 64)
    path = writing.write_frames(tmp_path / "a.mp4", frames, fps=fps)
    info = video.video_info(path)
    assert (info.frames, info.width, info.height, info.has_audio) == (7, 64, 48, False)
    assert info.fps == pytest.approx(fps, abs=1e-3)
    back = video.read_frames(path)
    assert back.shape == frames.shape
    assert (back.float() - frames.float()).abs().mean() < 4  # lossy, but close (out of 255)
    assert no_temporaries(tmp_path)


def test_mp4_odd_size_is_padded_by_one_pixel(tmp_path):
    frames = smooth_frames(3, 33, 47)
    path = writing.write_frames(tmp_path / "odd.mp4", frames.float() / 255, fps=10)  # float input as well
    back = video.read_frames(path)
    assert back.shape == (3, 3, 34, 48)
    assert (back[..., :33, :47].float() - frames.float()).abs().mean() < 4
    # the extra row and column repeat the last ones
    assert (back[..., 33, :47].float() - back[..., 32, :47].float()).abs().mean() < 4
    assert (back[..., :33, 47].float() - back[..., :33, 46].float()).abs().mean() < 4


def test_gif(tmp_path):
    frames = smooth_frames(5, 30, 40)
    writer = writing.FrameWriter(tmp_path / "a.gif", fps=25)
    with writer:
        for f in frames:
            writer.write(f)
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.size == (40, 30) and gif.n_frames == 5
        assert gif.info["loop"] == 0  # forever
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
        decoded = [np.asarray(frame.convert("RGB"), dtype=np.float32) for frame in ImageSequence.Iterator(gif)]
    assert durations == [40] * 5  # 1000 / 25 ms
    for got, want in zip(decoded, frames):  # a 256-colour palette per frame: close, not exact
        assert np.abs(got - want.permute(1, 2, 0).numpy()).mean() < 4
    assert writer.notes == []


def test_gif_frame_rate_rounding_is_reported(tmp_path):
    writer = writing.FrameWriter(tmp_path / "fast.gif", fps=200)
    assert writer.gif_delay() == 2  # never below 2/100 s
    assert writing.FrameWriter(tmp_path / "b.gif", fps=30).gif_delay() == 3
    with writer:
        writer.write(smooth_frames(2, 16, 16))
    assert writer.notes and "50 fps" in writer.notes[0]


def test_png_folder_is_lossless(tmp_path):
    frames = torch.rand(4, 3, 9, 11)
    writing.write_frames(tmp_path / "frames", frames)
    files = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in files] == [f"frame_{i:06d}.png" for i in range(4)]
    expected = (frames * 255).round().to(torch.uint8)
    for f, e in zip(files, expected):
        assert np.array_equal(np.asarray(Image.open(f)), e.permute(1, 2, 0).numpy())


def test_nothing_is_overwritten_without_permission(tmp_path):
    target = tmp_path / "a.mp4"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="already exists"):
        writing.write_frames(target, smooth_frames(2, 16, 16))
    assert target.read_bytes() == b"precious"
    writing.write_frames(target, smooth_frames(2, 16, 16), overwrite=True)
    assert video.video_info(target).frames == 2

    folder = tmp_path / "frames"
    writing.write_frames(folder, smooth_frames(5, 8, 8))
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        writing.write_frames(folder, smooth_frames(2, 8, 8))
    writing.write_frames(folder, smooth_frames(2, 8, 8), overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["frame_000000.png", "frame_000001.png", "notes.txt"]


def test_a_failed_write_leaves_no_half_file(tmp_path):
    target = tmp_path / "a.mp4"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with writing.FrameWriter(target, 10, overwrite=True) as writer:
            writer.write(smooth_frames(3, 16, 16))
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert no_temporaries(tmp_path)


def test_writer_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="one size"):
        with writing.FrameWriter(tmp_path / "a.mp4") as writer:
            writer.write(smooth_frames(1, 16, 16))
            writer.write(smooth_frames(1, 16, 18))
    with pytest.raises(ValueError, match="0..255"):
        writing.write_frames(tmp_path / "b.gif", torch.full((1, 3, 8, 8), 200.0))
    with pytest.raises(ValueError, match="folder name"):
        writing.write_frames(tmp_path / "c.png", smooth_frames(1, 8, 8))
    with pytest.raises(ValueError, match="suffix"):
        writing.write_frames(tmp_path / "d.xyz", smooth_frames(1, 8, 8))
    with pytest.raises(ValueError, match="no frames"):
        writing.write_frames(tmp_path / "e.mp4", [])
    assert no_temporaries(tmp_path)


# ------------------------------------------------------------------------------------------------ audio
def test_audio_is_copied_packet_for_packet(tmp_path):
    source = make_video(tmp_path / "in.mp4", smooth_frames(10, 32, 32), fps=10)
    assert video.video_info(source).has_audio
    out = writing.write_frames(tmp_path / "out.mp4", smooth_frames(10, 32, 32), fps=10, audio_from=source)
    assert video.video_info(out).has_audio
    payloads = audio_payloads(source)
    assert len(payloads) > 5 and audio_payloads(out) == payloads  # copied, not re-encoded


def test_audio_the_container_cannot_hold_is_re_encoded(tmp_path):
    source = make_video(tmp_path / "in.mkv", smooth_frames(10, 32, 32), fps=10, audio="pcm_u8")
    writer = writing.FrameWriter(tmp_path / "out.mp4", 10, audio_from=source)
    with writer:
        writer.write(smooth_frames(10, 32, 32))
    assert writer.audio == "re-encoded to AAC"
    with av.open(str(tmp_path / "out.mp4")) as c:
        stream = c.streams.audio[0]
        assert stream.codec_context.name == "aac"
        samples = sum(f.samples for f in c.decode(stream))
    assert abs(samples - 16000) < 3 * 1024  # one second of sound, give or take the encoder's padding


# ------------------------------------------------------------------------------------------------ reading
def test_iter_frames_matches_read_frames(tmp_path):
    path = make_video(tmp_path / "in.mp4", smooth_frames(6, 32, 48), audio=None)
    streamed = list(video.iter_frames(path, max_side=24))
    assert len(streamed) == 6 and streamed[0].shape == (3, 16, 24)
    assert torch.equal(torch.stack(streamed), video.read_frames(path, max_side=24))
    assert torch.equal(torch.stack(streamed[2:4]), video.read_frames(path, max_side=24, start=2, stop=4))


def test_open_frames_folder(tmp_path):
    frames = smooth_frames(3, 12, 16)
    for i, f in zip([10, 2, 1], frames):  # natural order: 1, 2, 10
        Image.fromarray(f.permute(1, 2, 0).numpy()).save(tmp_path / f"f{i}.png")
    source = video.open_frames(tmp_path, fps=12)
    assert (source.count, source.fps, source.has_audio) == (3, 12.0, False)
    assert [p.name for p in source.files] == ["f1.png", "f2.png", "f10.png"]
    assert torch.equal(torch.stack(list(source)), frames.flip(0))
    Image.new("RGB", (17, 12)).save(tmp_path / "f11.png")
    with pytest.raises(ValueError, match="different sizes.*f11.png"):
        list(video.open_frames(tmp_path))


def test_scene_cuts_between_two_shots():
    shot_a, shot_b = smooth_frames(6, 32, 32, seed=1), 255 - smooth_frames(6, 32, 32, seed=2)
    assert video.scene_cuts(torch.cat([shot_a, shot_b])) == [6]
    assert video.scene_cuts(shot_a) == []


# ------------------------------------------------------------------------------------------------ slow motion
@pytest.mark.parametrize("factor", [2, 3, 4, 5, 6, 7, 8, 12])
def test_slowmo_times_are_the_nearest_dyadic_times(factor):
    times = slowmo.slowmo_times(factor)
    depth = math.ceil(math.log2(factor))
    grid = [Fraction(k, 2**depth) for k in range(2**depth + 1)]
    expected = [min(grid, key=lambda t: abs(t - Fraction(j, factor))) for j in range(1, factor)]
    assert times == expected
    assert len(set(times)) == factor - 1 and all(0 < t < 1 for t in times)
    if factor & (factor - 1) == 0:
        assert times == [Fraction(j, factor) for j in range(1, factor)]
        assert slowmo.describe_times(factor) is None
    else:
        assert ", ".join(map(str, times)) in slowmo.describe_times(factor)


def test_frames_at_equals_the_official_recursion():
    model = FILM(TINY).eval()
    x0, x1 = torch.rand(2, 3, 16, 24)
    ours = list(recursion.frames_at(model, x0, x1, [Fraction(j, 4) for j in range(1, 4)]))
    recursive = filmlite.interpolate_recursive(model, [x0, x1], times_to_interpolate=2)
    assert all(torch.equal(a, b) for a, b in zip(ours, recursive[1:4]))


def test_frames_at_computes_only_what_is_needed(monkeypatch):
    model = FILM(TINY).eval()
    calls = []
    original = recursion.interpolate
    monkeypatch.setattr(recursion, "interpolate", lambda *a, **k: calls.append(1) or original(*a, **k))
    x0, x1 = torch.rand(2, 3, 16, 16)
    list(recursion.frames_at(model, x0, x1, slowmo.slowmo_times(5)))  # 1/4, 3/8, 5/8, 3/4: also needs 1/2
    assert len(calls) == 5
    with pytest.raises(ValueError, match="2\\^d"):
        list(recursion.frames_at(model, x0, x1, [Fraction(1, 3)]))


def test_slowmo_frames_count_inputs_and_cuts():
    model = FILM(TINY).eval()
    frames = smooth_frames(4, 16, 16)
    out = list(slowmo.slowmo_frames(model, frames, 3, cuts=[2]))
    assert len(out) == (4 - 1) * 3 + 1
    for i, f in enumerate(frames):  # the inputs stay where they were
        assert torch.equal(out[3 * i], f.float() / 255)
    assert torch.equal(out[4], out[3]) and torch.equal(out[5], out[3])  # across the cut: frame 1 repeated
    assert not torch.equal(out[1], out[0])  # elsewhere new frames


def test_slowmo_video_with_cut_and_audio(tmp_path):
    model = FILM(TINY).eval()
    frames = torch.cat([smooth_frames(5, 32, 32, seed=1), 255 - smooth_frames(5, 32, 32, seed=2)])
    source = make_video(tmp_path / "in.mp4", frames, fps=10)
    notes = []
    summary = slowmo.slowmo(model, source, tmp_path / "slow.mp4", 2, log=notes.append, progress=False)
    assert summary["cuts"] == [5] and summary["output_frames"] == 19 and summary["audio"] is None
    assert any("scene cut" in n for n in notes) and any("audio dropped" in n for n in notes)
    info = video.video_info(tmp_path / "slow.mp4")
    assert (info.frames, info.fps, info.has_audio) == (19, 10, False)

    notes.clear()
    summary = slowmo.slowmo(model, source, tmp_path / "same_length.mp4", 2, fps=20, log=notes.append, progress=False)
    assert summary["audio"] == "copied"
    assert audio_payloads(tmp_path / "same_length.mp4") == audio_payloads(source)
    assert video.video_info(tmp_path / "same_length.mp4").fps == 20


def test_written_video_has_ordinary_permissions(tmp_path):
    import os
    import stat

    from filmlite.io.writing import write_frames

    path = write_frames(tmp_path / "a.gif", torch.rand(3, 3, 16, 16), fps=10)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
