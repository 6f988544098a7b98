"""What each interpolator costs: parameters, GMAC per 256x256 pair, CPU seconds per 256x256 frame.

For FILM-lite, Super SloMo-lite and RIFE-lite (add `--paper` for the published sizes) it prints one row each:
- parameters at inference, and in training where they differ (RIFE's teacher block only runs in training);
- GMAC per 256x256 pair: convolution multiply-adds counted by `torch.utils.flop_counter.FlopCounterMode` (its
  FLOPs / 2; `filmlite.evaluation.costs`, which notebook 10 uses too) for one forward pass at t = 1/2, batch 1; warps and resizes are not counted. For RIFE also the
  training forward pass (with the teacher), for Super SloMo the part that runs once per pair (the flow U-Net);
- CPU seconds per frame: the median of `--repeats` forward passes at 256x256, batch 1, fp32, after one warm-up,
  with `--threads` threads. The numbers move with whatever else runs on the machine: compare rows of one run.

    python benchmarks/model_costs.py             # the three lite models (under a minute on 2 CPU cores)
    python benchmarks/model_costs.py --paper     # also FILM, Super SloMo and RIFE at the published sizes
"""
from __future__ import annotations

import argparse

import torch

from filmlite import FILM, FILMConfig
from filmlite.evaluation.costs import model_costs
from filmlite.rife import RIFE, RIFEConfig
from filmlite.superslomo import SuperSloMo, SuperSloMoConfig

LITE = {"film lite": lambda: FILM(FILMConfig.lite()), "superslomo lite": lambda: SuperSloMo(SuperSloMoConfig.lite()),
        "rife lite": lambda: RIFE(RIFEConfig.lite())}
PAPER = {"film": lambda: FILM(FILMConfig.film()), "superslomo paper": lambda: SuperSloMo(SuperSloMoConfig.paper()),
         "rife paper": lambda: RIFE(RIFEConfig.paper())}


def costs(name: str, model: torch.nn.Module, repeats: int) -> dict:
    return {"model": name, **model_costs(model, repeats=repeats)}


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
