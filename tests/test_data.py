import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch

from filmlite import warp
import filmlite.training.data as data_module
from filmlite.training.data import (
    HELDOUT_FRACTION, SYNTHETIC_TIMES, SyntheticTriplets, TripletStream, VideoTriplets, VimeoTriplets, augment,
    heldout_windows, load_photo, random_crop, rotate, sample_clip_path, sample_frames, seeded_generator,
    timed_triplet_indices, triplet_indices,
)
from filmlite.io.images import write_image
from filmlite.evaluation.metrics import psnr


def test_synthetic_triplets_are_seeded_by_index():
    data = SyntheticTriplets(length=10, size=64, max_motion=20)
    a, b = data[3], data[4]
    assert a.shape == (3, 3, 64, 64) and a.dtype == torch.float32
    assert 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, SyntheticTriplets(length=10, size=64, max_motion=20)[3])
    assert not torch.equal(a, b)
    assert not torch.equal(a, SyntheticTriplets(size=64, max_motion=20, seed=1)[3])


def test_synthetic_seed_does_not_depend_on_the_process():
    code = "from filmlite.training.data import SyntheticTriplets as S; print(float(S(size=32)[7].sum()))"
    sums = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(sums) == 1


def test_static_scene_gives_three_equal_frames():
    data = SyntheticTriplets(size=48, max_motion=0, max_rotation=0, max_zoom=1.0)
    t = data[0]
    assert torch.allclose(t[0], t[1]) and torch.allclose(t[1], t[2])


def test_middle_frame_is_half_way_for_a_translation():
    """Background only, pure translation d: warping frame1 by d/2 (backward warp) must give the middle frame."""
    data = SyntheticTriplets(size=96, max_motion=40, pieces=(0, 0), max_rotation=0, max_zoom=1.0)
    for index in range(3):
        t = data[index]
        (layer,) = data.describe(index)
        dx, dy = layer["shift"]
        flow = torch.tensor([dx / 2, dy / 2]).view(1, 2, 1, 1).expand(1, 2, 96, 96)
        from_frame1 = warp(t[None, 2], flow)[..., 24:-24, 24:-24]
        from_frame0 = warp(t[None, 0], -flow)[..., 24:-24, 24:-24]
        middle = t[None, 1, :, 24:-24, 24:-24]
        assert psnr(from_frame1, middle) > 30 and psnr(from_frame0, middle) > 30
        assert psnr(t[None, 0, :, 24:-24, 24:-24], middle) < psnr(from_frame0, middle) - 5


def ramp(size: int = 2048) -> torch.Tensor:
    """A photo whose pixels are linear in their coordinates: bilinear samples of it are exactly linear too."""
    y, x = torch.meshgrid(torch.arange(size) / size, torch.arange(size) / size, indexing="ij")
    return torch.stack([x, y, (x + y) / 2])


def test_any_time_target_is_the_scene_rendered_at_t(monkeypatch):
    """Background only, pure translation, on a linear ramp: every pixel's value is linear in time, so the frame at
    t must be (1 - t) frame0 + t frame1, computed from the end frames alone."""
    monkeypatch.setattr(data_module, "load_photo", lambda name: ramp())
    settings = dict(size=32, max_motion=40, pieces=(0, 0), max_rotation=0, max_zoom=1.0, seed=3)
    middle, anytime = SyntheticTriplets(**settings), SyntheticTriplets(**settings, times="any")
    for index in range(4):
        x0, target, x1 = middle.render(seeded_generator(3, index, 1), 1 / 3)[0]
        assert (x1 - x0).abs().max() > 4e-4  # it moved (a pixel is 1/2048 on the ramp), so 1/3 and 2/3 differ
        torch.testing.assert_close(target, (2 / 3) * x0 + (1 / 3) * x1, atol=1e-5, rtol=0)
        t = anytime.time(index)
        assert SYNTHETIC_TIMES[0] <= t <= SYNTHETIC_TIMES[1] and t != 0.5
        x0, target, x1 = anytime[index]
        torch.testing.assert_close(target, (1 - t) * x0 + t * x1, atol=1e-5, rtol=0)
        assert middle.time(index) == 0.5
        torch.testing.assert_close(middle[index][1], (x0 + x1) / 2, atol=1e-5, rtol=0)
    assert len({anytime.time(i) for i in range(20)}) == 20


def test_any_time_items_show_the_same_scene_as_middle_ones():
    middle, anytime = SyntheticTriplets(size=48, max_motion=20), SyntheticTriplets(size=48, max_motion=20, times="any")
    for index in range(3):
        a, b = middle[index], anytime[index]
        assert torch.equal(a[0], b[0]) and torch.equal(a[2], b[2]) and not torch.equal(a[1], b[1])
        assert middle.describe(index) == anytime.describe(index)
    with pytest.raises(ValueError, match="'middle'.*'any'"):
        SyntheticTriplets(times="sometimes")


def test_motion_magnitudes_follow_the_settings():
    data = SyntheticTriplets(size=64, min_motion=30, max_motion=40, pieces=(2, 2))
    for index in range(5):
        background, *pieces = data.describe(index)
        assert len(pieces) == 2
        assert np.hypot(*background["shift"]) <= 20 + 1e-4
        for piece in pieces:
            assert 30 - 1e-4 <= np.hypot(*piece["shift"]) <= 40 + 1e-4
            assert abs(piece["rotation"]) <= 10 and 1 / 1.1 - 1e-9 <= piece["zoom"] <= 1.1 + 1e-9


def test_bad_synthetic_settings():
    with pytest.raises(ValueError, match="min_motion"):
        SyntheticTriplets(min_motion=10, max_motion=5)
    with pytest.raises(ValueError, match="unknown photo"):
        load_photo("nope")


def test_triplet_indices_respect_cuts_and_the_held_out_part():
    n, cuts = 40, [12, 25]
    train = triplet_indices(n, cuts, (1, 3), "train")
    heldout = triplet_indices(n, cuts, (1, 3), "heldout")
    start = n - int(np.ceil(n * HELDOUT_FRACTION))
    def shot_of(i):
        return sum(i >= c for c in cuts)

    for i, s in train:
        assert i + 2 * s < start and shot_of(i) == shot_of(i + 2 * s)
    for i, s in heldout:
        assert i >= start and shot_of(i) == shot_of(i + 2 * s)
    assert {s for _, s in train} == {1, 2, 3}
    assert set(train) | set(heldout) <= set(triplet_indices(n, cuts, (1, 3), "all"))


def _write_frames(folder, frames):
    folder.mkdir()
    for k, f in enumerate(frames):
        write_image(folder / f"f{k:03d}.png", f)


def test_video_triplets_from_a_folder_skip_the_cut(tmp_path):
    a, b = load_photo("astronaut")[:, :64, :96], load_photo("coffee")[:, :64, :96]
    frames = [torch.roll(a, k, dims=-1) for k in range(8)] + [torch.roll(b, k, dims=-1) for k in range(8)]
    _write_frames(tmp_path / "clip", frames)
    clip = VideoTriplets(tmp_path / "clip", steps=(1, 2), part="all")
    assert clip.cuts == [8]
    assert all((i < 8) == (i + 2 * s < 8) for i, s in clip.indices)
    i, s = clip.indices[0]
    t = clip[0]
    assert t.shape == (3, 3, 64, 96)
    assert torch.allclose(t[1], frames[i + s], atol=1 / 255)


def test_timed_triplet_indices_respect_cuts_spans_and_the_held_out_part():
    n, cuts = 40, [12, 25]
    train = timed_triplet_indices(n, cuts, (2, 6), "train")
    heldout = timed_triplet_indices(n, cuts, (2, 6), "heldout")
    start = n - int(np.ceil(n * HELDOUT_FRACTION))

    def shot_of(i):
        return sum(i >= c for c in cuts)

    for part, allowed in ((train, range(0, start)), (heldout, range(start, n))):
        for i, j, k in part:
            assert i < j < k and 2 <= k - i <= 6 and i in allowed and k in allowed and shot_of(i) == shot_of(k)
    assert {k - i for i, _, k in train} == {2, 3, 4, 5, 6}
    # every frame between the ends is a target once: a span of 6 gives the times 1/6 ... 5/6
    assert sorted(j for i, j, k in train if (i, k) == (0, 6)) == [1, 2, 3, 4, 5]
    # the middle triplets are the ones at t = 1/2 with an even span
    middles = {(i, j, k) for i, j, k in timed_triplet_indices(n, cuts, (2, 6), "all") if 2 * (j - i) == k - i}
    assert middles == {(i, i + s, i + 2 * s) for i, s in triplet_indices(n, cuts, (1, 3), "all")}
    with pytest.raises(ValueError, match="spans"):
        timed_triplet_indices(n, cuts, (1, 3))


def test_video_triplets_at_many_times(tmp_path):
    a, b = load_photo("astronaut")[:, :64, :96], load_photo("coffee")[:, :64, :96]
    frames = [torch.roll(a, 3 * k, dims=-1) for k in range(8)] + [torch.roll(b, 3 * k, dims=-1) for k in range(8)]
    _write_frames(tmp_path / "clip", frames)
    clip = VideoTriplets(tmp_path / "clip", steps=(1, 2), part="all", times="any")
    assert clip.cuts == [8] and clip.indices == clip.windows
    times = set()
    for n, (i, j, k) in enumerate(clip.windows):
        assert (i < 8) == (k < 8) and 2 <= k - i <= 4
        assert clip.time(n) == (j - i) / (k - i)
        times.add(clip.time(n))
    assert times == {1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4}
    n = clip.windows.index((2, 3, 5))
    torch.testing.assert_close(clip[n], torch.stack([frames[2], frames[3], frames[5]]), atol=1 / 255, rtol=0)
    middle = VideoTriplets(tmp_path / "clip", steps=(1, 2), part="all")
    assert all(middle.time(n) == 0.5 for n in range(len(middle)))
    assert middle.windows == [(i, i + s, i + 2 * s) for i, s in middle.indices]


def test_heldout_windows_are_consecutive_held_out_frames_within_a_shot(monkeypatch):
    a, b = load_photo("astronaut")[:, :32, :48], load_photo("coffee")[:, :32, :48]
    frames = torch.stack([torch.roll(a, k, dims=-1) for k in range(33)] + [torch.roll(b, k, dims=-1) for k in range(7)])
    frames = (frames * 255).round().to(torch.uint8)  # 40 frames, a cut at 33; the held-out part is 30..39
    monkeypatch.setattr(data_module, "SAMPLE_CLIPS", {"clip": "clip.mp4"})
    monkeypatch.setattr(data_module, "read_frame_source", lambda name, max_side: frames)
    windows = heldout_windows(span=3, stride=3)
    # 30..32 is too short before the cut; after it, windows start every third frame
    assert [(name, first) for name, first, _ in windows] == [("clip", 33), ("clip", 36)]
    for _, first, window in windows:
        assert torch.equal(window, frames[first:first + 4].float() / 255)


def test_video_triplets_from_a_video_file(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for k in range(10):
            image = np.zeros((48, 64, 3), np.uint8)
            image[:, 4 * k:4 * k + 8] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    clip = VideoTriplets(path, steps=(1, 1), part="all")
    assert clip.frames.shape == (10, 3, 48, 64) and len(clip) == 8 and clip.cuts == []


def test_video_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        VideoTriplets(tmp_path / "missing.mp4")
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(ValueError, match="cannot read"):
        VideoTriplets(tmp_path / "bad.mp4")
    _write_frames(tmp_path / "mixed", [torch.rand(3, 8, 8), torch.rand(3, 8, 8), torch.rand(3, 9, 8)])
    with pytest.raises(ValueError, match="different sizes"):
        VideoTriplets(tmp_path / "mixed")
    with pytest.raises(ValueError, match="unknown clip"):
        sample_clip_path("nope")


def test_real_clip_split_is_disjoint():
    train = VideoTriplets("carphone", steps=(1, 3), part="train")
    heldout = VideoTriplets("carphone", steps=(1, 3), part="heldout")
    last_train = max(i + 2 * s for i, s in train.indices)
    first_heldout = min(i for i, _ in heldout.indices)
    assert last_train < first_heldout
    assert len(train.frames) == 120 and train.frames.shape[1:] == (3, 144, 176)


def test_sample_frames_are_bundled():
    files = sample_frames()
    assert len(files) >= 2 and all(f.suffix == ".png" for f in files)


def test_vimeo_layout(tmp_path):
    for clip in ("00001/0001", "00001/0002"):
        folder = tmp_path / "sequences" / clip
        folder.mkdir(parents=True)
        for k in (1, 2, 3):
            write_image(folder / f"im{k}.png", torch.full((3, 8, 12), k / 4))
    (tmp_path / "tri_trainlist.txt").write_text("00001/0001\n00001/0002\n\n")
    (tmp_path / "tri_testlist.txt").write_text("00001/0002\n")
    train, test = VimeoTriplets(tmp_path, "train"), VimeoTriplets(tmp_path, "test")
    assert len(train) == 2 and len(test) == 1
    t = test[0]
    assert t.shape == (3, 3, 8, 12)
    assert torch.allclose(t[:, 0, 0, 0], torch.tensor([1, 2, 3]) / 4, atol=1 / 255)
    with pytest.raises(FileNotFoundError, match="tri_trainlist"):
        VimeoTriplets(tmp_path / "sequences")
    with pytest.raises(ValueError, match="split"):
        VimeoTriplets(tmp_path, "val")


def _variant(t, k, flip, swap):
    v = torch.rot90(t, k, dims=(-2, -1))
    v = v.flip(-1) if flip else v
    return v.flip(0) if swap else v


def _variants(t):
    """All 16 combinations of rot90, flip and input swap, applied to a whole triplet."""
    for k, flip, swap in itertools.product(range(4), (False, True), (False, True)):
        yield _variant(t, k, flip, swap)


def test_augment_applies_one_transform_to_the_whole_triplet():
    t = torch.rand(3, 3, 16, 16)
    for seed in range(20):
        out, time = augment(t, torch.Generator().manual_seed(seed), rotation=0)
        assert any(torch.equal(out, v) for v in _variants(t)) and time == 0.5


def test_augment_crop_is_shared():
    base = torch.rand(1, 3, 40, 50)
    t = torch.cat([base, base + 1, base + 2]) / 3
    out, _ = augment(t, torch.Generator().manual_seed(0), crop=16)
    assert out.shape == (3, 3, 16, 16)
    # the inputs may have been swapped (time reversal), the middle frame never moves
    assert torch.allclose((out[1] - out[0]).abs(), torch.full_like(out[0], 1 / 3), atol=1e-6)
    assert torch.allclose(out[2] - out[1], out[1] - out[0], atol=1e-6)
    small = random_crop(torch.rand(3, 3, 10, 12), 16, torch.Generator().manual_seed(0))
    assert small.shape == (3, 3, 16, 16)


def test_swapping_the_inputs_maps_t_to_one_minus_t():
    t = torch.rand(3, 3, 16, 16)
    seen = set()
    for seed in range(20):
        out, time = augment(t, torch.Generator().manual_seed(seed), rotation=0, t=0.25)
        # which of the 16 transforms it was, and whether it swapped the inputs
        swapped = [swap for k, flip, swap in itertools.product(range(4), (False, True), (False, True))
                   if torch.equal(out, _variant(t, k, flip, swap))]
        assert len(swapped) == 1 and time == (0.75 if swapped[0] else 0.25)
        seen.add(time)
    assert seen == {0.25, 0.75}


def test_stream_carries_each_items_time_through_the_swap():
    source = SyntheticTriplets(size=48, max_motion=10, times="any")
    stream = TripletStream([(source, 1.0)], crop=32, seed=2, rotation=0)
    swaps = 0
    for n in range(12):
        triplet, t = stream[n]
        g = seeded_generator(2, n, 2)
        torch.multinomial(stream.weights, 1, generator=g)
        item = int(torch.randint(len(source), (), generator=g))
        assert t.dtype == torch.float32 and float(t) in (np.float32(source.time(item)), np.float32(1 - source.time(item)))
        swaps += float(t) != np.float32(source.time(item))
    assert 0 < swaps < 12


def test_rotate_by_90_degrees_is_rot90():
    t = torch.rand(3, 3, 8, 8)
    assert torch.allclose(rotate(t, 90.0), torch.rot90(t, 1, dims=(-2, -1)), atol=1e-5)
    assert torch.allclose(rotate(t, 0.0), t, atol=1e-6)


def test_stream_is_index_addressed_and_weighted():
    zeros, ones = [torch.zeros(3, 3, 32, 32)], [torch.ones(3, 3, 32, 32)]
    only_zeros = TripletStream([(zeros, 1.0), (ones, 0.0)], crop=32, seed=5)
    assert all(float(only_zeros[i][0].sum()) == 0 for i in range(20))
    mixed = TripletStream([(zeros, 1.0), (ones, 3.0)], crop=32, seed=5)
    share_of_ones = np.mean([float(mixed[i][0].mean()) for i in range(200)])
    assert 0.65 < share_of_ones < 0.85
    synthetic = TripletStream([(SyntheticTriplets(size=48), 1.0)], crop=32, seed=5)
    assert torch.equal(synthetic[11][0], synthetic[11][0]) and synthetic[11][0].shape == (3, 3, 32, 32)
    assert not torch.equal(synthetic[11][0], synthetic[12][0])
    assert all(float(synthetic[i][1]) == 0.5 for i in range(10))  # middle frames: t = 1/2, swapped or not
    with pytest.raises(ValueError):
        TripletStream([(zeros, 0.0)], crop=32)
