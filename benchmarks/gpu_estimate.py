"""How long the `gpu` training recipe should take on a Colab T4: an ESTIMATE from counted work, not a measurement.

No GPU was available when this was written, so the recipe's time is estimated from three numbers:

1. **The GPU's work per step**, counted: `torch.utils.flop_counter.FlopCounterMode` counts the floating-point
   operations of one training step of the recipe's model on one crop of the recipe's size (the training
   forward pass, which keeps the warped images and flows for the extra losses, the L1 + warp losses, and the
   backward pass), times the recipe's batch. The counter sees convolutions and matrix products, not the
   bilinear warps, poolings and element-wise operations, which are memory-bound: they are covered by the
   throughput assumption below. It also prints the usual "backward = 2 x forward" rule (3 x forward).
2. **What the GPU does per second**, assumed: a T4 peaks at 65 TFLOP/s in float16 on its tensor cores (8.1 in
   float32). Real networks reach a fraction of that: ResNet-50 trains at roughly 250 images/s with mixed
   precision on a T4, about 25 GFLOP per image for forward and backward, so about 6 TFLOP/s. The lite FILM is
   narrow (8 to 128 channels) and does many memory-bound warps, so it should do worse: the estimate takes
   6 TFLOP/s as the optimistic and 2 TFLOP/s as the pessimistic rate.
3. **The CPU's work per step**, measured here on this machine's CPU: making the batch (`TripletStream`:
   decoding, synthetic rendering, FILM's augmentation, in DataLoader workers) and, in the first half of the run,
   the DIS flow teacher (OpenCV on the CPU, in the training process, both directions for every pair). A Colab
   T4 runtime has 2 vCPUs, shared by the data workers and the training process.

A step then takes between max(GPU, CPU work / 2 cores) (the workers fully overlapped with the GPU) and
GPU + teacher + data / 2 cores (nothing overlapped). Validation every `val_every` steps (16 triplets) is
left out: a few seconds each time.

    python benchmarks/gpu_estimate.py            # about a minute on 2 CPU cores
    python benchmarks/gpu_estimate.py --quick    # fewer samples, for a smoke test
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from filmlite.evaluation.baselines import dis_flow
from filmlite.training.data import TripletStream
from filmlite.film.model import FILM
from filmlite.film.objective import TEACHER_SHARE, warp_loss
from filmlite.training.train import RECIPES, TrainConfig, build_sources

T4_PEAK_FP16 = 65e12  # FLOP/s, tensor cores (NVIDIA T4 datasheet); float32: 8.1e12
ASSUMED_RATES = {"optimistic": 6e12, "pessimistic": 2e12}  # FLOP/s the lite model is assumed to reach on a T4
COLAB_CORES = 2  # vCPUs of a Colab T4 runtime


def step_flops(config: TrainConfig) -> dict[str, float]:
    """FLOPs of one training step on one crop: forward alone, and forward + losses + backward."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    model = FILM(config.model_config()).train()
    x0, middle, x1 = (torch.rand(1, 3, config.crop, config.crop) for _ in range(3))
    forward = FlopCounterMode(display=False)
    with forward, torch.no_grad():
        model.intermediates(x0, x1)
    total = FlopCounterMode(display=False)
    with total:
        stages = model.intermediates(x0, x1)
        loss = (stages.output - middle).abs().mean() + config.warp_loss * warp_loss(stages, middle)
        loss.backward()
    return {"forward": forward.get_total_flops(), "train": total.get_total_flops()}


def seconds_per_item(fn, count: int) -> float:
    """The median CPU time of `fn(k)` over k = 0..count-1: this process's processor seconds, not the wall
    clock, so other programs on a shared machine do not inflate it (it runs on one thread)."""
    times = []
    for k in range(count):
        start = time.process_time()
        fn(k)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="gpu", choices=sorted(RECIPES))
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke test)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core's time, as one DataLoader worker or the training process has
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    config = TrainConfig(**RECIPES[args.recipe])
    batch, steps = config.batch_size, config.steps
    print(f"recipe {args.recipe!r}: {steps:,} steps, batch {batch}, {config.crop} px crops, model {config.model}, "
          f"flow teacher for the first {TEACHER_SHARE:.0%} of the steps")

    flops = step_flops(config)
    per_step = flops["train"] * batch
    print(f"counted work per crop: forward {flops['forward'] / 1e9:.2f} GFLOP, forward + losses + backward "
          f"{flops['train'] / 1e9:.2f} GFLOP ({flops['train'] / flops['forward']:.2f} x forward; the 3 x rule "
          f"gives {3 * flops['forward'] / 1e9:.2f})")
    print(f"per step (batch {batch}): {per_step / 1e9:.1f} GFLOP")

    samples = 4 if args.quick else 24
    stream = TripletStream(build_sources(config), crop=config.crop, seed=config.seed)
    data = seconds_per_item(lambda k: stream[k], samples)
    pairs = [stream[samples + k] for k in range(4 if args.quick else 12)]
    teacher = seconds_per_item(lambda k: (dis_flow(pairs[k][0], pairs[k][2]), dis_flow(pairs[k][2], pairs[k][0])),
                               len(pairs))
    print(f"CPU time measured here, one core: {data * 1e3:.0f} ms to make one training crop, {teacher * 1e3:.0f} ms "
          f"of DIS teacher flow (both directions) per pair; per step {batch * data:.2f} s and {batch * teacher:.2f} s")

    taught = int(steps * TEACHER_SHARE)
    for name, rate in ASSUMED_RATES.items():
        gpu = per_step / rate
        cpu_taught, cpu_alone = batch * (data + teacher) / COLAB_CORES, batch * data / COLAB_CORES
        best = taught * max(gpu, cpu_taught) + (steps - taught) * max(gpu, cpu_alone)
        worst = taught * (gpu + batch * teacher + cpu_alone) + (steps - taught) * (gpu + cpu_alone)
        print(f"{name} ({rate / 1e12:.0f} TFLOP/s, {rate / T4_PEAK_FP16:.0%} of the T4's float16 peak): GPU "
              f"{gpu * 1e3:.0f} ms a step; the run {best / 3600:.1f} to {worst / 3600:.1f} h "
              f"({best / steps:.2f} to {worst / steps:.2f} s a step)")
    print("An estimate, not a measurement: no GPU was available. The CPU side dominates whenever it exceeds the GPU "
          "time; Colab's vCPUs may be faster or slower than this machine's.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
