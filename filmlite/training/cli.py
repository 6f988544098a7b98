"""`python -m filmlite train`: every field of `TrainConfig` as a flag, `--recipe` to start from a tested recipe."""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import fields
from pathlib import Path

import torch

from . import train as train_module
from .config import RECIPES, TrainConfig
from .train import train


def _number(kind: type, low: float, high: float = math.inf, low_included: bool = True):
    """An argparse type: a finite `kind` from low to high, or a one-line error (exit status 2)."""
    def parse(text: str):
        value = kind(text)
        if not (math.isfinite(value) and (value >= low if low_included else value > low) and value <= high):
            bound = f"at least {low:g}" if low_included else f"above {low:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}" + (f" and at most {high:g}" if high < math.inf else "")
                                             + f", got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its message
    return parse


# The range of every numeric flag, checked by the parser (a bad value exits with status 2 before anything runs).
FLAG_TYPES = {
    "steps": _number(int, 1), "batch_size": _number(int, 1), "crop": _number(int, 64), "lr": _number(float, 0, low_included=False),
    "weight_decay": _number(float, 0), "warmup": _number(int, 0),
    "warp_loss": _number(float, 0), "flow_teacher": _number(float, 0), "max_motion": _number(float, 0),
    "synthetic_share": _number(float, 0, 1), "val_every": _number(int, 0), "checkpoint_every": _number(int, 1),
    "log_every": _number(int, 1), "seed": _number(int, -math.inf), "workers": _number(int, -1),
}


def recipes_table() -> str:
    """The recipes' values as a table, for `filmlite train --help`."""
    names = list(RECIPES)
    keys = [f.name for f in fields(TrainConfig) if any(f.name in RECIPES[n] for n in names)]
    show = lambda v: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else (  # noqa: E731
        Path(v).name if isinstance(v, str) and "/" in v else f"{v:g}" if isinstance(v, float) else str(v))
    rows = [["--recipe", *names]] + [["--" + k.replace("_", "-")] + [
        show(RECIPES[n].get(k, getattr(TrainConfig, k))) for n in names] for k in keys]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "recipes (a flag given with --recipe overrides the recipe's value; others keep their defaults):\n  " \
        + "\n  ".join(lines)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="filmlite train", description=train_module.__doc__.split("\n")[0],
                                               epilog=recipes_table(),
                                               formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(RECIPES), default=None,
                        help="start from a tested recipe (its values: the table below); flags given after it "
                             "override it")
    parser.add_argument("--threads", type=_number(int, 1), metavar="N",
                        help="CPU threads for torch (default: torch's choice); on a busy machine fewer can be faster")
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            parser.add_argument(flag, action="store_true", default=None, help=f.metadata["help"])
        else:
            kind = FLAG_TYPES.get(f.name, {"int": int, "float": float}.get(f.type, str))
            parser.add_argument(flag, type=kind, default=None, help=f"{f.metadata['help']} (default {f.default})")
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    settings = dict(RECIPES[args.recipe]) if args.recipe else {}
    settings.update({f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name) is not None})
    return TrainConfig(**settings)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    config = config_from_args(args)
    try:
        log = train(config)
    except KeyboardInterrupt:
        return 130
    if log["val"]:
        last = log["val"][-1]
        print(f"done: {config.out}/model.pt, validation PSNR {last['val_psnr']:.2f} dB, SSIM {last['val_ssim']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
