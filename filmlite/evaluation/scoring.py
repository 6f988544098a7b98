"""Scoring predicted frames: the one place where a middle frame meets the truth.

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]: an interpolator
(`model_method(model)`), a baseline (`filmlite.evaluation.baselines.average_frames`, `dis_flow_interpolate`) or your own.
Scores follow `filmlite.evaluation.metrics` (FILM's conventions: the prediction clipped to [0, 1], PSNR in dB with
MAX = 1, SSIM as `tf.image.ssim`). `filmlite.evaluation.evaluate` (public benchmarks), the trainer's validation,
the course's tables and `benchmarks/quality.py` all score through `score` and `score_triplets`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import torch

from .metrics import psnr, ssim

Method = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def score(prediction: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    """`{"psnr", "ssim"}` of one predicted frame `(1, 3, h, w)` or `(3, h, w)` against the true one."""
    prediction = prediction.float().cpu().clamp(0, 1)
    truth = truth.float().cpu()
    return {"psnr": float(psnr(prediction, truth).mean()), "ssim": float(ssim(prediction, truth).mean())}


def model_method(model, **options) -> Method:
    """An interpolator as a method (its middle frame by `filmlite.interpolate`); `options` go to `interpolate`."""
    from ..inference.interpolation import interpolate

    def middle(frame0: torch.Tensor, frame1: torch.Tensor) -> torch.Tensor:
        return interpolate(model, frame0, frame1, **options)

    return middle


def predict_all(methods: Mapping[str, Method], triplet: torch.Tensor,
                seconds: dict[str, float] | None = None) -> dict[str, torch.Tensor]:
    """Every method's middle frame `(1, 3, h, w)` (clipped to [0, 1]) for one triplet `(3, 3, h, w)`; with a dict
    `seconds`, also the seconds each took (a GPU is synchronised before the clock stops)."""
    frame0, frame1 = triplet[0:1], triplet[2:3]
    frames = {}
    with torch.no_grad():
        for name, method in methods.items():
            started = time.perf_counter()
            frame = method(frame0, frame1)
            if frame.device.type == "cuda":
                torch.cuda.synchronize()
            if seconds is not None:
                seconds[name] = time.perf_counter() - started
            frames[name] = frame.float().cpu().clamp(0, 1)
    return frames


def score_triplets(methods: Mapping[str, Method], triplets: Sequence[tuple[str, int, torch.Tensor]]) -> list[dict]:
    """PSNR and SSIM of every method on every triplet.

    Args:
        methods: name -> method (see the module docstring).
        triplets: `(clip, index, triplet)` as `filmlite.training.data.heldout_triplets` returns them, the triplet
            `(3, 3, h, w)`.

    Returns:
        one row per triplet: `{"clip", "index", "psnr": {method: dB}, "ssim": {method: value}, "seconds": {...}}`.
    """
    rows = []
    for clip, index, triplet in triplets:
        seconds = {}
        frames = predict_all(methods, triplet, seconds)
        scores = {name: score(frame, triplet[1:2]) for name, frame in frames.items()}
        rows.append({"clip": clip, "index": index,
                     "psnr": {name: s["psnr"] for name, s in scores.items()},
                     "ssim": {name: s["ssim"] for name, s in scores.items()},
                     "seconds": seconds})
    return rows


def mean_scores(rows: Sequence[dict]) -> dict[str, dict[str, float]]:
    """`{"psnr": {method: mean}, "ssim": {method: mean}}` over `rows` of `score_triplets` (means over triplets, as
    FILM's tables)."""
    if not rows:
        raise ValueError("no scored triplets: score_triplets returned nothing")
    methods = list(rows[0]["psnr"])
    return {metric: {m: sum(r[metric][m] for r in rows) / len(rows) for m in methods} for metric in ("psnr", "ssim")}
