r"""Does a model's flow learn at all, and on what data? A probe where the true flow is known at every pixel.

Written for RIFE-lite (`--model rife-lite`, the default), used for Super SloMo-lite too (`--model superslomo-lite`).
The first bundled RIFE-lite (6,000 steps of the `rife-lite` recipe) and Super SloMo-lite found almost no motion
(`large_motion.py`: their flow error equalled the motion). This trains a fresh lite model from scratch at t = 1/2
with its own loss (`filmlite.rife.loss.rife_loss`, `filmlite.superslomo.loss.superslomo_loss`) and its recipe's
optimiser (RIFE: AdamW, weight decay 1e-3; Super SloMo: Adam), on 128x128 triplets of one of two kinds:

* `--train-on shifts` (default): crops of four scikit-image photos, the second frame shifted by an even number of
  pixels (at most `--max-shift` either way), so that the middle frame is an exact crop too;
* `--train-on synthetic`: the recipe's synthetic scenes (`SyntheticTriplets`: pieces of photos turning, zooming and
  moving up to `--max-shift` px over a moving background); `--augment` augments either as the training loop does.

Every 50 steps and at the end it prints the end-point error of the model's Ft0 against the true Ft0 (half the
shift), always on the same 16 shifted pairs that are never trained on, beside the error of a zero flow: for RIFE the
last student block's Ft0 and the privileged teacher's, for Super SloMo the flow U-Net's, made into Ft0 by the linear
formula (Eq. 4). A flow that learns falls below the zero-flow column. `--sizes` replaces fields of the lite
configuration (e.g. Super SloMo-lite as it was before `he_init` and `flow_scale`). `--measure` trains nothing and
measures trained models (run checkpoints, model files, or `rife` and `superslomo`) on those pairs.

    python benchmarks/flow_probe.py --steps 1000                         # RIFE-lite, shifts up to 16 px
    python benchmarks/flow_probe.py --steps 1000 --train-on synthetic    # the recipe's scenes, up to 16 px
    python benchmarks/flow_probe.py --steps 1000 --max-shift 48
    python benchmarks/flow_probe.py --model superslomo-lite --steps 400
    python benchmarks/flow_probe.py --model superslomo-lite --steps 400 --sizes '{"he_init": false, "flow_scale": 1}'
    python benchmarks/flow_probe.py --measure rife superslomo runs/rife-lite/model.pt

About 0.4-0.5 s a training step for RIFE-lite and 1 s for Super SloMo-lite on one CPU thread. Results and dates:
benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch

from filmlite.rife.config import RIFEConfig
from filmlite.rife.loss import rife_loss
from filmlite.rife.model import RIFE
from filmlite.superslomo.config import SuperSloMoConfig
from filmlite.superslomo.loss import superslomo_loss
from filmlite.superslomo.model import SuperSloMo

CROP = 128
TIMES = {"middle": (0.5,), "any": (0.25, 0.5, 0.75)}  # the training targets' times (shifts; synthetic: its own)


def photos() -> list[torch.Tensor]:
    from filmlite.training.data import load_photo

    return [load_photo(name) for name in ("astronaut", "coffee", "chelsea", "rocket")]


def shifted_batch(images, rng: np.random.Generator, max_shift: int, n: int = 8, times: tuple[float, ...] = (0.5,)):
    """(x0, x1, target, true Ft0, t): crops of a random photo, x1 moved by a shift s (sx, sy) of whole pixels, the
    target at time t (drawn from `times`) by t s, with s a multiple of 2 (t = 1/2 only) or of 4 (quarters), so that
    every frame is an exact crop."""
    step = 2 if set(times) <= {0.5} else 4
    x0s, x1s, targets, flows, ts = [], [], [], [], []
    for _ in range(n):
        p = images[rng.integers(len(images))]
        t = float(times[rng.integers(len(times))]) if len(times) > 1 else float(times[0])  # (keeps t = 1/2's draws)
        sx, sy = (int(rng.integers(-(max_shift // step), max_shift // step + 1)) * step for _ in range(2))
        tx, ty = round(t * sx), round(t * sy)
        y = int(rng.integers(max_shift, p.shape[1] - CROP - max_shift))
        x = int(rng.integers(max_shift, p.shape[2] - CROP - max_shift))
        # x1(u) = x0(u + s) and target(u) = x0(u + t s): the backward flow from time t to frame 0 is Ft0 = t s
        x0s.append(p[:, y:y + CROP, x:x + CROP])
        x1s.append(p[:, y + sy:y + sy + CROP, x + sx:x + sx + CROP])
        targets.append(p[:, y + ty:y + ty + CROP, x + tx:x + tx + CROP])
        flows.append((tx, ty))
        ts.append(t)
    return (torch.stack(x0s), torch.stack(x1s), torch.stack(targets), torch.tensor(flows, dtype=torch.float32),
            torch.tensor(ts))


def training_batch(args, images, rng: np.random.Generator, step: int, n: int = 8):
    """(x0, x1, middle) to train on: shifted photo crops, or the recipe's synthetic scenes (pieces of photos in
    affine motion over a moving background, `SyntheticTriplets`, motions up to `--max-shift`); with `--augment`,
    each triplet augmented as the training loop does (`filmlite.training.data.augment`: rot90, flip, a rotation by
    up to 45 degrees half the time, a swap of the inputs)."""
    if args.train_on == "shifts":
        x0, x1, target, _, t = shifted_batch(images, rng, args.max_shift, n, TIMES[args.times])
        triplets = torch.stack([x0, target, x1], dim=1)  # (n, 3 frames, 3, h, w)
    else:
        from filmlite.training.data import SyntheticTriplets

        scenes = SyntheticTriplets(size=CROP, max_motion=args.max_shift, seed=args.seed, times=args.times)
        triplets = torch.stack([scenes[step * n + k] for k in range(n)])
        t = torch.tensor([scenes.time(step * n + k) for k in range(n)])
    if args.augment:
        from filmlite.training.data import augment, seeded_generator

        pairs = [augment(triplet, seeded_generator(args.seed, step * n + k, 7), t=float(t[k]))
                 for k, triplet in enumerate(triplets)]
        triplets, t = torch.stack([p[0] for p in pairs]), torch.tensor([p[1] for p in pairs])
    return triplets[:, 0], triplets[:, 2], triplets[:, 1], t.float()


def fixed_pairs(images, max_shift: int, seed: int = 0):
    """The 16 shifted pairs the error is measured on (never trained on): (x0, x1, middle, true Ft0 (16, 2, 1, 1))."""
    x0, x1, middle, true, _ = shifted_batch(images, np.random.default_rng(seed + 1000), max_shift, n=16)
    return x0, x1, middle, true.view(-1, 2, 1, 1)


def flow_error(flow: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean end-point error of Ft0 (channels 0-1 of `flow`) against `truth`, 16 px away from the borders."""
    return float((flow[:, :2, 16:-16, 16:-16] - truth).norm(dim=1).mean())


def flow_t0(out) -> torch.Tensor:
    """The model's estimate of Ft0 from its intermediates: RIFE's last student block's flows (Ft0 in channels 0-1),
    Super SloMo's linear Ft0 (the flow U-Net's F01 and F10 through Eq. 4, before the refinement)."""
    return out.flow_t0_linear if hasattr(out, "flow_t0_linear") else out.flows[-1]


def build(name: str, zero_init: bool = True, sizes: dict | None = None):
    """A fresh lite model, its loss function and its recipe's optimiser class and settings."""
    if name == "rife-lite":
        config = dataclasses.replace(RIFEConfig.lite(), zero_init=zero_init, **(sizes or {}))
        return RIFE(config), rife_loss, torch.optim.AdamW, dict(weight_decay=1e-3)
    if name == "superslomo-lite":
        config = dataclasses.replace(SuperSloMoConfig.lite(), zero_init=zero_init, **(sizes or {}))
        return SuperSloMo(config), superslomo_loss, torch.optim.Adam, dict(eps=1e-7)
    raise ValueError(f"--model {name!r}: the probe trains rife-lite or superslomo-lite")


def measure(models: list[str], shifts: list[int], seed: int = 0) -> list[dict]:
    """The Ft0 error at t = 1/2 of each trained model (`flow_t0`), beside a zero flow's, for each largest shift."""
    from filmlite import load_pretrained

    images, rows = photos(), []
    print("| model | shifts up to (px) | EPE of its Ft0 (px) | EPE of a zero flow (px) | mean length of its flow (px) |")
    print("|---|---|---|---|---|")
    for name in models:
        model = load_pretrained(name, device="cpu").eval()
        for shift in shifts:
            x0, x1, _, truth = fixed_pairs(images, shift, seed)
            with torch.no_grad():
                flow = flow_t0(model.intermediates(x0, x1, 0.5))
            row = dict(model=name, shift=shift, student=flow_error(flow, truth),
                       zero=float(truth.norm(dim=1).mean()), length=float(flow[:, :2, 16:-16, 16:-16].norm(dim=1).mean()))
            rows.append(row)
            print(f"| {name} | {shift} | {row['student']:.2f} | {row['zero']:.2f} | {row['length']:.2f} |", flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("rife-lite", "superslomo-lite"), default="rife-lite")
    parser.add_argument("--sizes", default="", help="a JSON object of configuration fields that replace the lite "
                                                    "model's, e.g. '{\"flow_scale\": 1}'")
    parser.add_argument("--lr", type=float, default=2e-4, help="the optimiser's learning rate (both recipes: 2e-4)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--max-shift", type=int, default=16, help="largest shift between the inputs, in px")
    parser.add_argument("--train-on", choices=("shifts", "synthetic"), default="shifts",
                        help="training data: shifted photo crops, or the recipe's synthetic scenes")
    parser.add_argument("--times", choices=tuple(TIMES), default="middle",
                        help="targets at t = 1/2, or at any t (shifts: 1/4, 1/2, 3/4; synthetic: the recipe's)")
    parser.add_argument("--augment", action="store_true", help="augment the training triplets as the loop does")
    parser.add_argument("--no-zero-init", action="store_true", help="PyTorch's default init of the last layers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--measure", nargs="+", metavar="MODEL",
                        help="train nothing: measure these models (files, or 'rife' and 'superslomo' for the "
                             "bundled ones) on the fixed shifted pairs of every --shifts")
    parser.add_argument("--shifts", type=int, nargs="+", default=[8, 16, 48], help="for --measure")
    args = parser.parse_args(argv)
    if args.measure:
        return measure(args.measure, args.shifts, args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model, loss_fn, optimizer_class, settings = build(args.model, not args.no_zero_init,
                                                      json.loads(args.sizes) if args.sizes else None)
    optimizer = optimizer_class(model.parameters(), lr=args.lr, **settings)
    images = photos()
    # the error is always measured on the same 16 shifted pairs, never trained on
    e0, e1, e_middle, truth = fixed_pairs(images, args.max_shift, args.seed)

    changed = model.config.differences(type(model.config).lite())
    print(f"{args.model}{f' with {changed}' if changed else ''}, lr {args.lr:g}, training on {args.train_on} up to "
          f"{args.max_shift} px{' augmented' if args.augment else ''}, t: {args.times}; error on 16 fixed shifted pairs "
          f"at t = 1/2")
    print("| step | training loss | EPE of its Ft0 (px) | EPE teacher (px) | EPE of a zero flow (px) |")
    print("|---|---|---|---|---|")
    start, last = time.perf_counter(), float("nan")  # last: the training loss of the step before
    for step in range(args.steps + 1):
        if step % 50 == 0 or step == args.steps:
            with torch.no_grad():
                seen = model.intermediates(e0, e1, 0.5, target=e_middle)
            teacher = getattr(seen, "teacher_flow", None)  # RIFE's privileged teacher; Super SloMo has none
            print(f"| {step} | {last:.4f} | {flow_error(flow_t0(seen), truth):.2f} | "
                  f"{'-' if teacher is None else f'{flow_error(teacher, truth):.2f}'} | "
                  f"{float(truth.norm(dim=1).mean()):.2f} |", flush=True)
        if step == args.steps:
            break
        x0, x1, target, t = training_batch(args, images, rng, step)
        out = model.intermediates(x0, x1, t, target=target)
        loss, _ = loss_fn(out, x0, x1, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        last = float(loss.detach())
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
