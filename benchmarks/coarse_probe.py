r"""Can FILM-lite's coarse flow levels learn large motion at all when they are told the true flow? (issue 13)

Every run of the training recipes so far left the error of FILM-lite's flow after its coarsest levels where it was
(benchmarks/README.md, `large_motion.py --levels`): the image loss, the warp loss at every level, more
convolutions, crops of 256 and 512 px. Their gradients reach a coarse level only through a warp, whose bilinear
gradient sees about a pixel. This probe fine-tunes a FILM-lite on exact large-motion scenes whose true flow is
known at every pixel (`translation_scene` with training photos over the training part of bigbuckbunny: nothing the
benchmark uses) and, with `--loss truth`, adds the L1 distance of the forward flow at every pyramid level to the
true flow at that level (averaged over 2^i x 2^i blocks, divided by 2^i: flows are in pixels of their level) to
the L1 loss of the output. `--loss image` is the control: the output's L1 alone, on the same scenes. It writes the
model to `--out`; measure it with

    python benchmarks/large_motion.py --checkpoint OUT --no-real --scenes 3 --magnitudes 32 64 128 --levels

Runs (about 1.8 s a step of 4 scenes of 256x256 on one CPU thread):

    python benchmarks/coarse_probe.py --loss truth --steps 400 --out runs/probe-truth.pt
    python benchmarks/coarse_probe.py --loss image --steps 400 --out runs/probe-image.pt

A probe, not a training recipe: no validation, no resume, and the model it writes is not meant for use. Results and
dates: benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import time

import torch

import filmlite
from filmlite.film.pyramid import image_pyramid
from filmlite.io.checkpoint import save_checkpoint
from filmlite.training.data import PHOTOS, seeded_generator, training_backgrounds, translation_scene


def truth_pyramid(flow: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """The true flow `(b, 2, h, w)` at pyramid levels 0..levels-1, finest first: FILM's own image pyramid (2x2
    averages, so level i is the mean over 2^i x 2^i blocks), each level divided by 2^i, in that level's pixels."""
    return [level / 2**i for i, level in enumerate(image_pyramid(flow, levels))]


def level_truth(flow: torch.Tensor, level: int) -> torch.Tensor:
    """The true flow `(b, 2, h, w)` at pyramid level `level` (`truth_pyramid`'s last level)."""
    return truth_pyramid(flow, level + 1)[-1]


def level_errors(forward_flows: list[torch.Tensor], flow: torch.Tensor, units: str = "level") -> list[torch.Tensor]:
    """The mean |forward flow - true flow| at each level, in pixels of each level (`units="level"`: a coarse level's
    error counts 2^i times less than the same error in the frame) or in pixels of the frame (`units="frame"`: level
    i's error times 2^i, so every level counts alike)."""
    if units not in ("level", "frame"):
        raise ValueError(f"units must be 'level' or 'frame', got {units!r}")
    truths = truth_pyramid(flow, len(forward_flows))
    return [(f.float() - t).abs().mean() * (2**i if units == "frame" else 1)
            for i, (f, t) in enumerate(zip(forward_flows, truths))]


def truth_loss(forward_flows: list[torch.Tensor], flow: torch.Tensor, units: str = "level") -> torch.Tensor:
    """Mean over the levels of `level_errors`: the probe's flow term."""
    return torch.stack(level_errors(forward_flows, flow, units)).mean()


def scene_batch(step: int, batch: int, size: int, max_motion: float, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch` training scenes for `step`: triplets `(b, 3, 3, size, size)` and true forward flows `(b, 2, size,
    size)`, motions uniform in [0, max_motion] px, each seeded by (seed, step, k) so a step's batch never changes."""
    triplets, flows = [], []
    for k in range(batch):
        g = seeded_generator(seed, step, k, 13)
        magnitude = max_motion * float(torch.rand((), generator=g))
        scene = translation_scene(g, magnitude, (size, size), training_backgrounds(), photos=PHOTOS)
        triplets.append(scene["triplet"])
        flows.append(scene["flow"])
    return torch.stack(triplets), torch.stack(flows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=("truth", "image"), default="truth",
                        help="truth: output L1 + the per-level flow L1 against the true flow; image: output L1 only")
    parser.add_argument("--checkpoint", help="the FILM model to start from (default: the bundled FILM-lite)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--size", type=int, default=256,
                        help="scene side in px, a multiple of the model's alignment, 64 for FILM-lite (default 256)")
    parser.add_argument("--max-motion", type=float, default=128.0, help="largest motion of a piece, px (default 128)")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--flow-weight", type=float, default=0.01,
                        help="weight of the flow term (px) against the output's L1 (intensities in [0, 1])")
    parser.add_argument("--units", choices=("level", "frame"), default="level",
                        help="the flow term's pixels: each level's own (coarse errors count little) or the frame's "
                             "(every level alike)")
    parser.add_argument("--fixed-batch", action="store_true",
                        help="train on the first step's scenes at every step: can the model fit even those?")
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--out", required=True, help="where to write the fine-tuned model")
    args = parser.parse_args(argv)

    model = filmlite.load_pretrained(args.checkpoint, device="cpu")
    if model.name != "film":
        parser.error(f"the probe fine-tunes a FILM model; {args.checkpoint} is a {model.name}")
    if args.size % model.config.alignment:
        parser.error(f"--size must be a multiple of the model's alignment ({model.config.alignment}), got {args.size}")
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-7)
    started, logged = time.perf_counter(), {"image": [], "flow": []}
    for step in range(args.steps):
        triplets, flows = scene_batch(0 if args.fixed_batch else step, args.batch_size, args.size, args.max_motion)
        x0, middle, x1 = triplets.unbind(1)
        stages = model.intermediates(x0, x1)
        image = (stages.output - middle).abs().mean()
        flow = truth_loss(stages.forward_flows, flows, args.units)
        loss = image + args.flow_weight * flow if args.loss == "truth" else image
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        logged["image"].append(float(image.detach()))
        logged["flow"].append(float(flow.detach()))
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            recent = slice(-args.log_every, None)
            print(f"step {step + 1}: output L1 {sum(logged['image'][recent]) / len(logged['image'][recent]):.4f}, "
                  f"flow L1 over the levels {sum(logged['flow'][recent]) / len(logged['flow'][recent]):.3f} "
                  f"{args.units} px ({time.perf_counter() - started:.0f} s)", flush=True)
    with torch.no_grad():  # each level's error in frame pixels on the last batch: where the fit stops
        per_level = [float(e) for e in level_errors(stages.forward_flows, flows, "frame")]
    print("last batch, |flow - truth| per level (frame px, level 0 first): " + " ".join(f"{e:.2f}" for e in per_level))
    model.eval()
    save_checkpoint(args.out, model, probe=args.loss, probe_steps=args.steps, probe_lr=args.lr,
                    probe_size=args.size, probe_max_motion=args.max_motion, probe_flow_weight=args.flow_weight,
                    probe_units=args.units,
                    init=str(args.checkpoint or "bundled"))
    print(f"wrote {args.out}")
    return {"image": logged["image"], "flow": logged["flow"], "per_level": per_level}


if __name__ == "__main__":
    main()
