r"""FILM's claim, small: does sharing the flow predictor across the coarse levels generalise to larger motion?

FILM (Sec. 3.2) shares one flow predictor among all coarse pyramid levels. Its argument: with scale-agnostic
features, a motion of 2 px at level 5 is the same problem as 2 px at level 3, so what the predictor learns on
small motions at fine levels also serves large motions, which only the coarse levels see. Without sharing,
each coarse level has to learn from the motions that reach it in training, and a level that never saw a motion
cannot follow it.

The experiment: two lite models trained the same way (`--recipe sharing_ablation`: motions of at most 32 px in
the synthetic data, frame steps 1-2 of the clips), one with FILM's sharing (`--model lite`) and one with every
level its own predictor (`--model lite-unshared`, `FILMConfig.lite_unshared`), scored on the exact translation
scenes of `benchmarks/large_motion.py` at motions inside and beyond the training range:

    python -m filmlite train --recipe sharing_ablation --model lite --out runs/shared
    python -m filmlite train --recipe sharing_ablation --model lite-unshared --out runs/unshared
    python benchmarks/weight_sharing.py runs/shared/model.pt runs/unshared/model.pt \
        --json data/weight_sharing/result.json          # what notebook 04 shows

It prints, per motion, the mean PSNR and flow end-point error of both, the paired PSNR difference with its 95%
t-interval over the scenes, and frame averaging and DIS for scale.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import filmlite
from filmlite.training.data import translation_scenes

from large_motion import markdown, score_scene

MAGNITUDES = (16, 32, 64, 96, 128, 192)
T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26, 10: 2.23, 11: 2.20}


def paired_interval(differences: list[float]) -> tuple[float, float, float]:
    """Mean of paired differences and its 95% t-interval (normal quantile beyond 12 pairs)."""
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return mean, float("nan"), float("nan")
    half = T95.get(len(differences) - 1, 1.96) * statistics.stdev(differences) / math.sqrt(len(differences))
    return mean, mean - half, mean + half


def compare(shared, unshared, magnitudes=MAGNITUDES, scenes: int = 6, size=(576, 1024), backgrounds=None) -> list[dict]:
    """One row per motion: both models' mean PSNR and EPE, DIS and averaging, and shared minus unshared."""
    table = []
    for magnitude in magnitudes:
        pairs = [(score_scene(shared, scene), score_scene(unshared, scene))
                 for scene in translation_scenes(magnitude, scenes, size, backgrounds=backgrounds)]
        mean, low, high = paired_interval([a["model"] - b["model"] for a, b in pairs])
        table.append({
            "motion": magnitude,
            "shared": statistics.fmean(a["model"] for a, _ in pairs),
            "unshared": statistics.fmean(b["model"] for _, b in pairs),
            "shared - unshared": mean, "95% low": low, "95% high": high,
            "shared EPE": statistics.fmean(a["model EPE"] for a, _ in pairs),
            "unshared EPE": statistics.fmean(b["model EPE"] for _, b in pairs),
            "DIS": statistics.fmean(a["DIS"] for a, _ in pairs),
            "averaging": statistics.fmean(a["averaging"] for a, _ in pairs),
        })
    return table


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shared", help="checkpoint of the model with weight sharing (--model lite)")
    parser.add_argument("unshared", help="checkpoint of the model without (--model lite-unshared)")
    parser.add_argument("--magnitudes", type=float, nargs="+", default=MAGNITUDES)
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--size", default="576x1024", help="frame height x width (default 576x1024)")
    parser.add_argument("--json", help="also write the table, the command and both runs' training to this file")
    args = parser.parse_args(argv)
    height, _, width = args.size.partition("x")
    shared, unshared = filmlite.load_pretrained(args.shared).eval(), filmlite.load_pretrained(args.unshared).eval()
    for name, model in (("shared", shared), ("unshared", unshared)):
        sharing = model.config.pyramid_levels > model.config.specialized_levels
        print(f"{name}: {model.num_parameters():,} parameters, coarse levels {'share' if sharing else 'do not share'} "
              f"a flow predictor, trained on motions up to "
              f"{(getattr(model, 'metadata', None) or {}).get('train_config', {}).get('max_motion', '?')} px")
    table = compare(shared, unshared, args.magnitudes, args.scenes, (int(height), int(width)))
    print(f"\nExact translation scenes, {height}x{width}, {args.scenes} per motion (PSNR in dB, EPE in px over the "
          "moving pieces):\n")
    print(markdown(table, list(table[0])))
    if args.json:
        record = {"command": "python benchmarks/weight_sharing.py " + " ".join(sys.argv[1:] if argv is None else argv),
                  "date": time.strftime("%Y-%m-%d"), "machine": platform.processor() or platform.machine(),
                  "scenes": args.scenes, "size": args.size, "table": table,
                  "runs": {name: training_record(model, path) for name, model, path in
                           (("shared", shared, args.shared), ("unshared", unshared, args.unshared))}}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(record, indent=1))
        print(f"wrote {args.json}")
    return table


def training_record(model, path: str) -> dict:
    """How one of the two models was trained: from its checkpoint, and the validation scores from the run's
    log.jsonl beside it, if there is one."""
    meta = getattr(model, "metadata", None) or {}
    config = meta.get("train_config", {})
    log = Path(path).parent / "log.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.is_file() else []
    validation = [{k: v for k, v in e.items() if k.startswith("val") or k == "step"} for e in entries
                  if e.get("kind") == "val"]
    return {"parameters": model.num_parameters(), "step": meta.get("step"), "seconds": meta.get("seconds"),
            "model": config.get("model"), "recipe_settings": {k: config.get(k) for k in
                                                              ("steps", "max_motion", "crop", "batch_size", "lr")},
            "validation": validation}


if __name__ == "__main__":
    main()
