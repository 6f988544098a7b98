"""What each interpolator costs: parameters, GMAC per 256x256 pair, CPU seconds per 256x256 frame.

For FILM-lite, Super SloMo-lite and RIFE-lite (add `--paper` for the published sizes) it prints one row each:
- parameters at inference, and in training where they differ (RIFE's teacher block only runs in training);
- GMAC per 256x256 pair: convolution multiply-adds counted by `torch.utils.flop_counter.FlopCounterMode` (its
  FLOPs / 2) for one forward pass at t = 1/2, batch 1; warps and resizes are not counted. For RIFE also the
  training forward pass (with the teacher), for Super SloMo the part that runs once per pair (the flow U-Net);
- CPU seconds per frame: the median of `--repeats` forward passes at 256x256, batch 1, fp32, after one warm-up,
  with `--threads` threads. The numbers move with whatever else runs on the machine: compare rows of one run.

    python benchmarks/model_costs.py             # the three lite models (under a minute on 2 CPU cores)
    python benchmarks/model_costs.py --paper     # also FILM, Super SloMo and RIFE at the published sizes
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from filmlite import FILM, FILMConfig
from filmlite.rife import RIFE, RIFEConfig
from filmlite.superslomo import SuperSloMo, SuperSloMoConfig

LITE = {"film lite": lambda: FILM(FILMConfig.lite()), "superslomo lite": lambda: SuperSloMo(SuperSloMoConfig.lite()),
        "rife lite": lambda: RIFE(RIFEConfig.lite())}
PAPER = {"film": lambda: FILM(FILMConfig.film()), "superslomo paper": lambda: SuperSloMo(SuperSloMoConfig.paper()),
         "rife paper": lambda: RIFE(RIFEConfig.paper())}


def count_gmac(run, size: int = 256) -> float:
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
    x0, x1 = torch.rand(2, 1, 3, size, size)
    times = []
    with torch.no_grad():
        for i in range(repeats + 1):
            start = time.perf_counter()
            model(x0, x1)
            if i:  # the first pass is a warm-up
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def costs(name: str, model: torch.nn.Module, repeats: int) -> dict:
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    row = {"model": name, "params": params, "inference params": params, "gmac": count_gmac(model), "note": ""}
    if isinstance(model, RIFE) and model.teacher is not None:
        row["inference params"] = params - sum(p.numel() for p in model.teacher.parameters())
        train = count_gmac(lambda x0, x1: model.intermediates(x0, x1, 0.5, target=x0))
        row["note"] = f"training forward with teacher {train:.2f} GMAC"
    if isinstance(model, SuperSloMo):
        flow = count_gmac(lambda x0, x1: model.flow_net(torch.cat([x0, x1], dim=1)))
        row["note"] = f"flow U-Net {flow:.2f} once per pair + {row['gmac'] - flow:.2f} per t"
    row["seconds"] = seconds_per_frame(model, repeats=repeats)
    return row


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="store_true", help="also the published sizes (slower)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the timing (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="timed forward passes per model (default 5)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    models = {**LITE, **(PAPER if args.paper else {})}
    print(f"256x256, batch 1, fp32, {args.threads} CPU threads, median of {args.repeats}")
    print("| model | params (inference) | params (training) | GMAC / pair | CPU s / frame | note |")
    print("|---|---|---|---|---|---|")
    rows = []
    for name, build in models.items():
        row = costs(name, build(), args.repeats)
        rows.append(row)
        print(f"| {name} | {row['inference params']:,} | {row['params']:,} | {row['gmac']:.2f} | "
              f"{row['seconds']:.3f} | {row['note']} |", flush=True)
    return rows


if __name__ == "__main__":
    main()
