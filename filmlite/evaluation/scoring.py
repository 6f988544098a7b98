"""Scoring predicted frames: the one place where a middle frame meets the truth.

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]: an interpolator
(`model_method(model)`), a baseline (`filmlite.evaluation.baselines.average_frames`, `dis_flow_interpolate`) or your own.
Scores follow `filmlite.evaluation.metrics` (FILM's conventions: the prediction clipped to [0, 1], PSNR in dB with
MAX = 1, SSIM as `tf.image.ssim`). `filmlite.evaluation.evaluate` (public benchmarks), the trainer's validation,
the course's tables and `benchmarks/quality.py` all score through `score` and `score_triplets`.

**Other times.** A *slow-motion method* `(frame0, frame1, factor) -> [frames at j / factor, j = 1 .. factor - 1]`
makes the frames between two inputs that `filmlite slowmo --factor` would (`slowmo_method` turns an interpolator or
a baseline that takes `t` into one), and `score_windows` scores it on runs of consecutive true frames
(`filmlite.training.data.heldout_windows`): the trainer's validation of models that take any t and
`benchmarks/anytime.py`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

import torch

from .metrics import psnr, ssim

Method = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SlowmoMethod = Callable[[torch.Tensor, torch.Tensor, int], list[torch.Tensor]]


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


def slowmo_method(method, **options) -> SlowmoMethod:
    """The frames at j / factor, j = 1 .. factor - 1, as `filmlite slowmo --factor` makes them.

    `method` is an interpolator, whose frames come from `frames_at(model, x0, x1, slowmo_times(factor,
    model.any_time))`: the times themselves for a model that takes any t, the nearest midpoints of the recursion
    for FILM (factor 3: t = 1/4 and 3/4 stand in for 1/3 and 2/3); `options` go to `interpolate`. Or it is a
    function `(frame0, frame1, t=...) -> frame` (`average_frames`, `dis_flow_interpolate`), called at each time.
    """
    from ..inference.interpolation import is_interpolator
    from ..inference.recursion import frames_at
    from ..inference.slowmo import slowmo_times

    if is_interpolator(method):
        def frames(frame0: torch.Tensor, frame1: torch.Tensor, factor: int) -> list[torch.Tensor]:
            return list(frames_at(method, frame0, frame1, slowmo_times(factor, method.any_time), **options))
    elif callable(method):
        if options:
            raise ValueError(f"options {sorted(options)} are for interpolators; a function is called as it is")

        def frames(frame0: torch.Tensor, frame1: torch.Tensor, factor: int) -> list[torch.Tensor]:
            return [method(frame0, frame1, t=j / factor) for j in range(1, factor)]
    else:
        raise TypeError(f"method must be an interpolator or a function (frame0, frame1, t=...), got {type(method).__name__}")
    return frames


def score_windows(methods: Mapping[str, SlowmoMethod], windows: Sequence[tuple[str, int, torch.Tensor]]) -> list[dict]:
    """PSNR and SSIM of every slow-motion method on every window of consecutive true frames.

    Args:
        methods: name -> slow-motion method (see the module docstring and `slowmo_method`).
        windows: `(clip, index, frames)` as `filmlite.training.data.heldout_windows` returns them, `frames`
            `(n + 1, 3, h, w)`: each method makes the n - 1 frames between the first and the last (factor n), and
            frame j is the truth at t = j / n.

    Returns:
        one row per window and time: `{"clip", "index", "t": "1/3", "psnr": {method: dB}, "ssim": {...}}`, so
        `mean_scores` averages over windows and times together.
    """
    rows = []
    for clip, index, frames in windows:
        factor = len(frames) - 1
        made = {}
        with torch.no_grad():
            for name, method in methods.items():
                made[name] = method(frames[0:1], frames[factor:factor + 1], factor)
                if len(made[name]) != factor - 1:
                    raise ValueError(f"method {name!r} made {len(made[name])} frames for factor {factor}, not {factor - 1}")
        for j in range(1, factor):
            scores = {name: score(made[name][j - 1], frames[j:j + 1]) for name in methods}
            rows.append({"clip": clip, "index": index, "t": str(Fraction(j, factor)),
                         "psnr": {name: s["psnr"] for name, s in scores.items()},
                         "ssim": {name: s["ssim"] for name, s in scores.items()}})
    return rows
