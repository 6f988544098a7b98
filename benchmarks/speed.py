"""Speed and memory of filmlite's FILM on the current device.

For each configuration (official FILM and lite) it prints:
- forward time of one pair at 256x256 and 512x512 (batch 1, fp32, median of several runs after a warm-up),
  in the default NCHW layout and in channels_last, the two interleaved in one process so that a machine whose
  speed drifts treats them alike;
- the convolution work per pair (GFLOP, counted by torch.utils.flop_counter) and the rate achieved;
- one training step: batch 8 of 128x128 crops, forward + L1 loss + backward + Adam;
- peak memory of each measurement (CUDA: max allocated; CPU: the process's peak resident set, which includes
  about 0.3 GB for Python and torch themselves). Each measurement runs in a fresh process so peaks are its
  own; the peak covers both layouts together (for the training step, two copies of the model).

    python benchmarks/speed.py                 # everything (a few minutes on 2 CPU cores)
    python benchmarks/speed.py --config lite   # one configuration
    python benchmarks/speed.py --quick         # fewer repeats, for a smoke test
"""
from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

import filmlite
from filmlite import FILM, FILMConfig

CONFIGS = {"film": FILMConfig.film, "lite": FILMConfig.lite}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_memory_gb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**30
    try:  # VmHWM starts afresh with each program; ru_maxrss would inherit the parent's peak across exec
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 2**20
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def count_gflop(model: FILM, size: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.rand(1, 3, size, size)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.cpu()(x, x)
    return counter.get_total_flops() / 1e9


def measure(task: str, config_name: str, size: int, repeats: int) -> dict:
    """Median seconds per call for both layouts, measured alternately, and the peak memory of it all."""
    device = filmlite.default_device()
    torch.manual_seed(0)
    model = FILM(CONFIGS[config_name]()).to(device)
    layouts = {"NCHW": torch.contiguous_format, "channels_last": torch.channels_last}
    if task == "forward":
        model.eval()
        pair = torch.rand(2, 1, 3, size, size, device=device)
        inputs = {name: [x.contiguous(memory_format=fmt) for x in pair] for name, fmt in layouts.items()}

        def call(name):
            with torch.no_grad():
                model(*inputs[name])

    else:
        # One model and optimizer per layout: a training run keeps its weights in one layout throughout.
        models = {name: copy.deepcopy(model).to(memory_format=fmt) for name, fmt in layouts.items()}
        optimizers = {name: torch.optim.Adam(m.parameters(), lr=1e-4, eps=1e-7) for name, m in models.items()}
        batch = torch.rand(3, 8, 3, size, size, device=device)
        inputs = {name: [x.contiguous(memory_format=fmt) for x in batch] for name, fmt in layouts.items()}

        def call(name):
            x0, y, x1 = inputs[name]
            loss = (models[name](x0, x1) - y).abs().mean()
            optimizers[name].zero_grad(set_to_none=True)
            loss.backward()
            optimizers[name].step()

    times = {name: [] for name in layouts}
    for i in range(repeats + 1):
        for name in layouts:
            synchronize(device)
            start = time.perf_counter()
            call(name)
            synchronize(device)
            if i:  # the first round warms up caches and kernels
                times[name].append(time.perf_counter() - start)
    return {
        "seconds": {name: statistics.median(t) for name, t in times.items()},
        "min_seconds": {name: min(t) for name, t in times.items()},
        "peak_gb": peak_memory_gb(device),
    }


def run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", choices=[*CONFIGS, "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes (smoke test)")
    parser.add_argument("--child", nargs=4, metavar=("TASK", "CONFIG", "SIZE", "REPEATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        task, config_name, size, repeats = args.child
        print(json.dumps(measure(task, config_name, int(size), int(repeats))))
        return

    device = filmlite.default_device()
    print(f"filmlite {filmlite.__version__}, torch {torch.__version__}, device {device}, "
          f"{torch.get_num_threads()} CPU threads, fp32, batch 1 for forward")
    names = list(CONFIGS) if args.config == "all" else [args.config]
    sizes = [64, 128] if args.quick else [256, 512]
    repeats = 2 if args.quick else 5
    rows = []
    for name in names:
        model = FILM(CONFIGS[name]())
        params = model.num_parameters()
        jobs = [("forward", size, repeats, f"forward {size}x{size}", count_gflop(model, size)) for size in sizes]
        step_size, step_repeats = (64, 1) if args.quick else (128, 3)
        jobs.append(("train", step_size, step_repeats, f"train step 8x{step_size}x{step_size}", float("nan")))
        for task, size, n, label, gflop in jobs:
            r = run_child([task, name, str(size), str(n)])
            for layout, seconds in r["seconds"].items():
                rows.append((name, params, label, layout, seconds, r["min_seconds"][layout], gflop / seconds, r["peak_gb"]))

    print()
    print("| config | parameters | measurement | layout | median s | min s | GFLOP/s | peak memory GB |")
    print("|---|---|---|---|---|---|---|---|")
    for name, params, what, layout, sec, best, rate, peak in rows:
        rate_text = "" if rate != rate else f"{rate:.0f}"
        print(f"| {name} | {params:,} | {what} | {layout} | {sec:.3f} | {best:.3f} | {rate_text} | {peak:.2f} |")


if __name__ == "__main__":
    main()
