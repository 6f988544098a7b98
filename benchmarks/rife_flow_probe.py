r"""Does RIFE-lite learn flow at all, and on what data? A probe where the true flow is known at every pixel.

The bundled RIFE-lite (6,000 steps of the `rife-lite` recipe) finds almost no motion (`large_motion.py`: its flow
error equals the motion). This trains a fresh `RIFEConfig.lite()` from scratch at t = 1/2 with RIFE's own loss
(`filmlite.rife.loss.rife_loss`) and AdamW as in the recipe, on 128x128 triplets of one of two kinds:

* `--train-on shifts` (default): crops of four scikit-image photos, the second frame shifted by an even number of
  pixels (at most `--max-shift` either way), so that the middle frame is an exact crop too;
* `--train-on synthetic`: the recipe's synthetic scenes (`SyntheticTriplets`: pieces of photos turning, zooming and
  moving up to `--max-shift` px over a moving background); `--augment` augments either as the training loop does.

Every 50 steps it prints the end-point error of the student's last Ft0 and of the teacher's against the true Ft0
(half the shift), always on the same 16 shifted pairs that are never trained on, beside the error of a zero flow.
A flow that learns falls below the zero-flow column. `--measure` trains nothing and measures trained models
(run checkpoints, model files, or `rife`) on those pairs.

    python benchmarks/rife_flow_probe.py --steps 1000                         # shifts up to 16 px
    python benchmarks/rife_flow_probe.py --steps 1000 --train-on synthetic    # the recipe's scenes, up to 16 px
    python benchmarks/rife_flow_probe.py --steps 1000 --max-shift 48
    python benchmarks/rife_flow_probe.py --measure rife runs/rife-lite/model.pt

About 0.4-0.5 s a training step on one CPU thread. Results and dates: benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from filmlite.rife.config import RIFEConfig
from filmlite.rife.loss import rife_loss
from filmlite.rife.model import RIFE

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


def measure(models: list[str], shifts: list[int], seed: int = 0) -> list[dict]:
    """The student's Ft0 error at t = 1/2 of each trained model, beside a zero flow's, for each largest shift."""
    from filmlite import load_pretrained

    images, rows = photos(), []
    print("| model | shifts up to (px) | EPE student (px) | EPE of a zero flow (px) | mean length of its flow (px) |")
    print("|---|---|---|---|---|")
    for name in models:
        model = load_pretrained(name, device="cpu").eval()
        for shift in shifts:
            x0, x1, _, truth = fixed_pairs(images, shift, seed)
            with torch.no_grad():
                flow = model.intermediates(x0, x1, 0.5).flows[-1]
            row = dict(model=name, shift=shift, student=flow_error(flow, truth),
                       zero=float(truth.norm(dim=1).mean()), length=float(flow[:, :2, 16:-16, 16:-16].norm(dim=1).mean()))
            rows.append(row)
            print(f"| {name} | {shift} | {row['student']:.2f} | {row['zero']:.2f} | {row['length']:.2f} |", flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lr", type=float, default=2e-4, help="AdamW's learning rate (the rife-lite recipe: 2e-4)")
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
                        help="train nothing: measure these RIFE models (files, or 'rife' for the bundled one) on the "
                             "fixed shifted pairs of every --shifts")
    parser.add_argument("--shifts", type=int, nargs="+", default=[8, 16, 48], help="for --measure")
    args = parser.parse_args(argv)
    if args.measure:
        return measure(args.measure, args.shifts, args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    config = dataclasses.replace(RIFEConfig.lite(), zero_init=not args.no_zero_init)
    model = RIFE(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
    images = photos()
    # the error is always measured on the same 16 shifted pairs, never trained on
    e0, e1, e_middle, truth = fixed_pairs(images, args.max_shift, args.seed)

    print(f"RIFE-lite, zero init {config.zero_init}, lr {args.lr:g}, training on {args.train_on} up to "
          f"{args.max_shift} px{' augmented' if args.augment else ''}, t: {args.times}; error on 16 fixed shifted pairs "
          f"at t = 1/2")
    print("| step | training loss | EPE student (px) | EPE teacher (px) | EPE of a zero flow (px) |")
    print("|---|---|---|---|---|")
    start, last = time.perf_counter(), float("nan")  # last: the training loss of the step before
    for step in range(args.steps + 1):
        if step % 50 == 0:
            with torch.no_grad():
                seen = model.intermediates(e0, e1, 0.5, target=e_middle)
            print(f"| {step} | {last:.4f} | {flow_error(seen.flows[-1], truth):.2f} | "
                  f"{flow_error(seen.teacher_flow, truth):.2f} | {float(truth.norm(dim=1).mean()):.2f} |", flush=True)
        if step == args.steps:
            break
        x0, x1, target, t = training_batch(args, images, rng, step)
        out = model.intermediates(x0, x1, t, target=target)
        loss, _ = rife_loss(out, x0, x1, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        last = float(loss.detach())
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
