"""The measurements of notebooks 00-03 (`filmlite.course.evidence`), each against an independent computation."""
import numpy as np
import pytest
import torch

import filmlite
from filmlite.course import experiments, evidence
from filmlite.training.data import VideoTriplets, load_photo
from filmlite.film.feature_extraction import FeatureExtractor
from filmlite.io.images import write_image


# ------------------------------------------------------------------------------------------- real large motion
def test_clip_triplet_is_the_held_out_triplet_video_triplets_reads():
    """Decoding only the frames around the triplet gives what VideoTriplets gets from the whole clip."""
    clip = VideoTriplets("carphone", steps=(2, 2), part="heldout", max_side=None)
    index = 3
    first, step = clip.indices[index]
    assert torch.equal(evidence.clip_triplet("carphone", first, step, max_side=None), clip[index])


@pytest.fixture(scope="module")
def large_motion_clip():
    """The clip of LARGE_MOTION, decoded whole (small) once: its held-out triplets of LARGE_MOTION's step."""
    step = evidence.LARGE_MOTION["step"]
    return VideoTriplets(evidence.LARGE_MOTION["clip"], steps=(step, step), part="heldout", max_side=160)


def test_the_large_motion_triplet_is_held_out_and_inside_one_shot(large_motion_clip):
    """LARGE_MOTION is one of the held-out triplets of its clip, as VideoTriplets (whole clip, its own scene-cut
    detection) lists them, and the frames are the same."""
    first, step = evidence.LARGE_MOTION["first"], evidence.LARGE_MOTION["step"]
    clip = large_motion_clip
    assert (first, step) in clip.indices
    assert torch.equal(evidence.large_motion_triplet(max_side=160), clip[clip.indices.index((first, step))])


def test_heldout_frames_are_the_frames_video_triplets_keeps_out_of_training():
    clip = VideoTriplets("carphone", steps=(1, 1), part="all", max_side=None)
    train = VideoTriplets("carphone", steps=(1, 1), part="train", max_side=None)
    heldout = evidence.heldout_frames("carphone")
    assert heldout.stop == len(clip.frames)
    assert max(i + 2 for i, _ in train.indices) == heldout.start - 1  # the last training frame comes just before
    assert len(heldout) == pytest.approx(0.25 * len(clip.frames), abs=1)


def test_clip_triplet_refuses_training_frames_and_scene_cuts(large_motion_clip):
    with pytest.raises(ValueError, match="not all held out"):
        evidence.clip_triplet("carphone", 10, 2)
    with pytest.raises(ValueError, match="not all held out"):
        evidence.clip_triplet("carphone", 115, 3)  # runs past the last frame (119)
    assert evidence.LARGE_MOTION["clip"] == "bikes"
    cut = max(large_motion_clip.cuts)  # the last cut of bikes (whole-clip detection) lies in its held-out part
    with pytest.raises(ValueError, match=f"scene cut .* frame {cut}"):
        evidence.clip_triplet("bikes", cut - 3, 2, max_side=160)
    with pytest.raises(ValueError, match="unknown clip"):
        evidence.clip_triplet("no such clip", 0, 1)


def test_motion_summary_matches_numpy():
    flow = torch.randn(1, 2, 30, 40) * 7
    length = np.hypot(flow[0, 0].numpy().astype(np.float64), flow[0, 1].numpy().astype(np.float64)).ravel()
    got = evidence.motion_summary(flow)
    assert got["mean"] == pytest.approx(length.mean(), rel=1e-6)
    for q in (50, 95, 99):
        assert got[f"p{q}"] == pytest.approx(np.percentile(length, q), rel=1e-6)
    assert got["max"] == pytest.approx(length.max(), rel=1e-6)
    constant = torch.tensor([3.0, -4.0]).view(2, 1, 1).expand(2, 8, 8)
    assert all(v == pytest.approx(5.0) for v in evidence.motion_summary(constant).values())
    with pytest.raises(ValueError, match="batch"):
        evidence.motion_summary(torch.zeros(2, 2, 4, 4))


def test_motion_candidates_measure_a_known_pan(tmp_path):
    """A clip that pans 2 px per frame: DIS between frames i and i + 2s finds 4s px almost everywhere."""
    speed, count = 2, 9
    frames = experiments.texture_crops(load_photo("astronaut"), 96, shifts=[speed * k for k in range(count)], top=100)
    for k, frame in enumerate(frames):
        write_image(tmp_path / f"frame{k}.png", frame)
    rows = evidence.motion_candidates(tmp_path, steps=(1, 2), part="all")
    expected = VideoTriplets(tmp_path, steps=(1, 2), part="all").indices
    assert [(r["first"], r["step"]) for r in rows] == expected
    for row in rows:
        assert row["p50"] == pytest.approx(2 * speed * row["step"], abs=0.5), row


# ------------------------------------------------------------------------------------------- scale-agnostic
def untrained_extractor(seed=0):
    torch.manual_seed(seed)
    return FeatureExtractor(filmlite.FILMConfig.lite()).eval()


def test_scale_agnostic_check_finds_equal_features_and_says_which_channels():
    extractor = untrained_extractor()
    config = extractor.config
    frame = torch.rand(1, 3, 256, 320)
    rows = evidence.scale_agnostic_check(extractor, frame)
    assert [r["level"] for r in rows] == list(range(config.pyramid_levels - 2))
    for row in rows:
        k = row["level"]
        # channel counts from the configuration alone: blocks j <= k of the encoder for the small frame
        blocks = range(min(k, config.sub_levels - 1) + 1)
        assert row["channels"] == sum(config.encoder_channels(j) for j in blocks)
        assert row["frame_channels"] == config.feature_channels(k + 2)
        assert row["sources"] == [(k + 2 - j, j) for j in blocks]
        assert len(row["sources"]) + len(row["extra_sources"]) == min(k + 2, config.sub_levels - 1) + 1
        assert row["relative"] < 1e-5, row
    assert rows[0]["extra_sources"] == [(1, 1), (0, 2)]
    assert all(not r["extra_sources"] for r in rows if r["level"] >= config.sub_levels - 1)


def test_scale_agnostic_check_against_a_direct_computation():
    """The reported difference of one level is the one computed by hand, with the small frame made as image
    pyramid level 2 (two 2x2 poolings instead of one 4x4 block average)."""
    extractor = untrained_extractor(1)
    frame = torch.rand(1, 3, 256, 256)
    levels = extractor.config.pyramid_levels
    with torch.no_grad():
        small = filmlite.image_pyramid(frame, 3)[2]
        ours = extractor(filmlite.image_pyramid(small, levels))[3]
        theirs = extractor(filmlite.image_pyramid(frame, levels))[5]
    row = evidence.scale_agnostic_check(extractor, frame)[3]
    assert row["channels"] == ours.shape[1] == theirs.shape[1]
    assert row["max_abs"] < 1e-5 and float((ours - theirs).abs().max()) < 1e-5
    assert row["scale"] == pytest.approx(float(theirs.abs().max()), rel=1e-6)


class PerLevelExtractor(FeatureExtractor):
    """Not scale-agnostic: the encoder's outputs are scaled differently on every image level, as if each level
    had weights of its own."""

    def sub_pyramids(self, image_pyramid):
        return [[s * (1 + 0.5 * i) for s in outputs] for i, outputs in enumerate(super().sub_pyramids(image_pyramid))]


def test_scale_agnostic_check_fails_without_shared_weights():
    torch.manual_seed(0)
    extractor = PerLevelExtractor(filmlite.FILMConfig.lite()).eval()
    rows = evidence.scale_agnostic_check(extractor, torch.rand(1, 3, 256, 256))
    assert all(r["relative"] > 0.1 for r in rows), [r["relative"] for r in rows]


def test_scale_agnostic_check_refuses_a_frame_too_small():
    extractor = untrained_extractor()
    with pytest.raises(ValueError, match="at least 256 px"):
        evidence.scale_agnostic_check(extractor, torch.rand(1, 3, 128, 256))
    rows = evidence.scale_agnostic_check(extractor, torch.rand(1, 3, 128, 192), levels=6)
    assert len(rows) == 4 and all(r["relative"] < 1e-5 for r in rows)


def test_motion_text_and_psnr_verdict_read_the_numbers():
    text = evidence.motion_text({"mean": 1.44, "p50": 0.02, "p99": 24.4, "max": 30.5})
    assert text == "mean 1.4 px, median 0.0 px, 99th percentile 24.4 px, largest 30.5 px"
    verdict = evidence.psnr_verdict({"averaging": 27.0, "FILM": 30.0, "DIS": 30.5, "same": 30.001}, "FILM")
    assert verdict == "FILM: 30.00 dB, 3.00 dB above averaging, 0.50 dB below DIS and level with same"
    with pytest.raises(ValueError, match="no score"):
        evidence.psnr_verdict({"a": 1.0}, "b")


def test_scale_agnostic_text_names_the_channels():
    row = {"level": 0, "frame_level": 2, "channels": 8, "frame_channels": 56, "sources": [(2, 0)],
           "extra_sources": [(1, 1), (0, 2)], "max_abs": 1e-7, "scale": 1.0, "relative": 1e-7}
    assert evidence.scale_agnostic_text(row) == ("small level 0 = frame level 2, channels 0-7 (S[2][0]): largest "
                                                 "difference 1.0e-07, relative 1.0e-07; frame level 2 has 48 more "
                                                 "(S[1][1], S[0][2])")
    full = dict(row, level=3, frame_level=5, channels=120, frame_channels=120, extra_sources=[])
    assert evidence.scale_agnostic_text(full).endswith("; no other channels")
