"""What an interpolator costs: parameters, multiply-adds per pair, CPU seconds per frame.

`benchmarks/model_costs.py` prints these for the three lite models (and the published sizes); notebook 10
measures them itself. GMAC are counted, not estimated: `torch.utils.flop_counter.FlopCounterMode` sees every
convolution and matrix product of one forward pass (its FLOPs / 2 are multiply-adds); warps and resizes are not
counted. Seconds move with whatever else runs on the machine: compare rows of one run only.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..model_inputs import count_parameters


def count_gmac(run: Callable[[torch.Tensor, torch.Tensor], object], size: int = 256) -> float:
    """Multiply-adds (GMAC) of `run(x0, x1)` on one random `size` x `size` pair: FlopCounterMode's FLOPs / 2.

    Every counted layer is a convolution, whose work is proportional to its output area, so for the models here
    the count at 64x64 times 16 equals the count at 256x256 exactly (FILM's, whose pyramid stops at 2x2 at 64,
    not quite); the tests use that to stay fast.
    """
    x0, x1 = torch.rand(2, 1, 3, size, size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        run(x0, x1)
    return counter.get_total_flops() / 2e9


def seconds_per_frame(model: torch.nn.Module, size: int = 256, repeats: int = 5) -> float:
    """Median seconds of `repeats` forward passes on a random `size` x `size` pair (batch 1, after one warm-up)."""
    x0, x1 = torch.rand(2, 1, 3, size, size)
    times = []
    with torch.no_grad():
        for i in range(repeats + 1):
            start = time.perf_counter()
            model(x0, x1)
            if i:  # the first pass is a warm-up
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_costs(model: torch.nn.Module, size: int = 256, repeats: int = 5) -> dict:
    """One row: parameters (all, and those that run at inference), GMAC per pair and CPU seconds per frame at
    `size`, and a note on what differs between training and inference or between pairs and times."""
    model.eval()
    params = count_parameters(model)
    row = {"params": params, "inference params": params, "gmac": count_gmac(model, size), "note": ""}
    teacher = getattr(model, "teacher", None)
    if model.name == "rife" and teacher is not None:  # RIFE's privileged teacher runs in training only
        row["inference params"] = params - count_parameters(teacher)
        train = count_gmac(lambda x0, x1: model.intermediates(x0, x1, 0.5, target=x0), size)
        row["note"] = f"training forward with teacher {train:.2f} GMAC"
    if model.name == "superslomo":  # the flow U-Net runs once per pair, the rest once per time t
        flow = count_gmac(lambda x0, x1: model.flow_net(torch.cat([x0, x1], dim=1)), size)
        row["note"] = f"flow U-Net {flow:.2f} once per pair + {row['gmac'] - flow:.2f} per t"
    row["seconds"] = seconds_per_frame(model, size, repeats)
    return row
