"""How much of the model's gap to DIS flow is its flow? A diagnosis on held-out triplets.

For each triplet it scores (PSNR against the true middle frame):

- **model**: the model's output;
- **model flows, averaged**: the two inputs warped to t = 0.5 by the model's own finest flows, then averaged
  (the model without what it adds after the warp: FILM's fusion decoder, RIFE's fusion mask and RefineNet if it
  has one, Super SloMo's visibility maps);
- **DIS flows, averaged**: the same warp and average, with OpenCV's DIS flow put in place of the model's flows
  (FILM's convention: input 0 read along half the flow from frame 1 to frame 0, and the other way round);
- **DIS flows at 1/16, averaged**: the same with DIS's flows averaged over 16x16 blocks and resized back
  bilinearly: how much a coarse flow field loses (RIFE's last block predicts its flow at 1/4 of the frame);
- **DIS baseline**: `filmlite.evaluation.baselines.dis_flow_interpolate`;

and the mean distance in pixels between the model's flow from frame 0 to frame 1 and DIS's (FILM: its finest
forward flow; RIFE and Super SloMo: Ft1 - Ft0, which is that flow wherever nothing is hidden). If DIS flows in the
model's own warp-and-average beat the model's flows, the flow is what loses; if the decoder's correction is small,
the decoder cannot make up for it. Frames are cropped at the top left to multiples of the model's alignment (64
for FILM-lite, 16 for RIFE-lite and Super SloMo-lite).

    python benchmarks/flow_gap.py                                   # bikes frames 215-237, the bundled model
    python benchmarks/flow_gap.py --clip carphone --first 0 --last 999 --checkpoint runs/lite/model.pt
    python benchmarks/flow_gap.py --clip all                        # all 56 triplets of benchmarks/quality.py
    python benchmarks/flow_gap.py --checkpoint rife                 # RIFE-lite (or superslomo) on the same pan

With `--clip all` it also prints a **ceiling**: the model's score if its flows were as good as DIS's and its
decoder added what it adds now (DIS flows averaged + the decoder's correction), against the DIS baseline. When
that ceiling is short of a goal over DIS, better flows alone cannot reach the goal: the decoder must add more.
(Scores here are on cropped frames, so they differ a little from `quality.py`'s.)

Needs OpenCV (`pip install opencv-python-headless`).
"""
from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F

import filmlite
from filmlite.evaluation.baselines import dis_flow, dis_flow_interpolate
from filmlite.training.data import VideoTriplets, heldout_triplets
from filmlite.evaluation.metrics import psnr
from filmlite.film.warp import warp

ROWS = ("model", "model flows, averaged", "DIS flows, averaged", "DIS flows at 1/16, averaged", "DIS baseline")
# What each design adds after warping the inputs, for the printed sentence.
DECODER = {"film": "the fusion decoder's correction", "rife": "the fusion mask's blend",
           "superslomo": "the visibility maps' blend"}
COARSE = 16  # the block size of the coarse DIS row


def coarse(flow: torch.Tensor, block: int = COARSE) -> torch.Tensor:
    """`flow` `(b, 2, h, w)` averaged over `block` x `block` squares and resized back bilinearly."""
    return F.interpolate(F.avg_pool2d(flow, block, ceil_mode=True), size=flow.shape[-2:], mode="bilinear",
                         align_corners=False)


def model_flows(model, x0: torch.Tensor, x1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The model's output, its two inputs warped to t = 1/2 by its own finest flows and averaged, and its flow from
    frame 0 to frame 1 (the convention of `dis_flow(x0, x1)`), all `(1, c, h, w)` on the CPU."""
    device = next(model.parameters()).device
    with torch.no_grad():
        if model.name == "film":
            stages = model.intermediates(x0.to(device), x1.to(device))
            averaged = (stages.warped0[0][:, :3] + stages.warped1[0][:, :3]) / 2
            return stages.output.cpu(), averaged.cpu(), stages.forward_flows[0].cpu()
        stages = model.intermediates(x0.to(device), x1.to(device), 0.5)
        if model.name == "rife":
            flow_t0, flow_t1 = stages.flows[-1][:, :2], stages.flows[-1][:, 2:4]
        else:  # Super SloMo: its intermediate flows after the refinement U-Net's corrections
            flow_t0, flow_t1 = stages.flow_t0, stages.flow_t1
    averaged = (warp(x0, flow_t0.cpu()) + warp(x1, flow_t1.cpu())) / 2
    return stages.output.cpu(), averaged, (flow_t1 - flow_t0).cpu()


def diagnose(model, triplet: torch.Tensor) -> dict[str, float]:
    """The five PSNRs of one `(3, 3, h, w)` triplet, and the mean |model flow - DIS flow| in pixels."""
    if model.name not in DECODER:
        raise ValueError(f"flow_gap.py diagnoses FILM, RIFE and Super SloMo models, not {model.name!r}")
    a = model.config.alignment
    h, w = triplet.shape[-2] // a * a, triplet.shape[-1] // a * a
    if not (h and w):
        raise ValueError(f"frames of {tuple(triplet.shape[-2:])} are smaller than the model's alignment {a}")
    x0, middle, x1 = (frame[None, :, :h, :w] for frame in triplet)
    output, averaged, flow = model_flows(model, x0, x1)
    forward, backward = dis_flow(x0, x1), dis_flow(x1, x0)
    frames = {
        "model": output,
        "model flows, averaged": averaged,
        "DIS flows, averaged": (warp(x0, 0.5 * backward) + warp(x1, 0.5 * forward)) / 2,
        "DIS flows at 1/16, averaged": (warp(x0, 0.5 * coarse(backward)) + warp(x1, 0.5 * coarse(forward))) / 2,
        "DIS baseline": dis_flow_interpolate(x0, x1),
    }
    scores = {name: float(psnr(frame.clamp(0, 1), middle)) for name, frame in frames.items()}
    scores["flow distance"] = (flow - forward).abs().mean().item()
    return scores


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="a filmlite checkpoint (default: the bundled one)")
    parser.add_argument("--clip", default="bikes",
                        help="bigbuckbunny, bikes, carphone, or all: every held-out triplet (default bikes)")
    parser.add_argument("--first", type=int, default=215, help="first frame index of the triplets (default 215)")
    parser.add_argument("--last", type=int, default=237, help="last first-frame index (default 237)")
    parser.add_argument("--max-side", type=int, default=640, help="as benchmarks/quality.py (default 640)")
    args = parser.parse_args(argv)

    model = filmlite.load_pretrained(args.checkpoint)
    if args.clip == "all":
        triplets = [(name, triplet) for name, _, triplet in heldout_triplets(max_side=args.max_side)]
        print(f"{len(triplets)} held-out triplets of every clip (those of benchmarks/quality.py)")
    else:
        clip = VideoTriplets(args.clip, steps=(2, 2), part="heldout", max_side=args.max_side, stride=2)
        chosen = [k for k, (i, *_) in enumerate(clip.indices) if args.first <= i <= args.last]
        if not chosen:
            raise SystemExit(f"no held-out triplet of {args.clip} starts in frames {args.first}-{args.last}")
        triplets = [(args.clip, clip[k]) for k in chosen]
        print(f"{len(triplets)} held-out triplets of {args.clip} "
              f"(frames i, i+2, i+4 with i in {args.first}-{args.last})")
    rows = [(name, diagnose(model, triplet)) for name, triplet in triplets]
    groups = {name: [r for n, r in rows if n == name] for name in dict.fromkeys(n for n, _ in rows)}
    if len(groups) > 1:
        groups["all"] = [r for _, r in rows]
    table = {group: {k: statistics.fmean(r[k] for r in rs) for k in rs[0]} for group, rs in groups.items()}
    print("| method | " + " | ".join(f"{g} PSNR (dB)" for g in table) + " |")
    print("|---" * (len(table) + 1) + "|")
    for name in (*ROWS, "flow distance"):
        unit = " (px)" if name == "flow distance" else ""
        print(f"| {name}{unit} | " + " | ".join(f"{m[name]:.2f}" for m in table.values()) + " |")
    means = table[list(table)[-1]]  # the overall row when there are several clips
    print(f"mean |model flow - DIS flow| at the finest level: {means['flow distance']:.3f} px")
    flows = means["DIS flows, averaged"] - means["model flows, averaged"]
    decoder = means["model"] - means["model flows, averaged"]
    after_warp = DECODER[model.name] + (" and the RefineNet" if model.name == "rife" and model.config.refine else "")
    print(f"DIS flows instead of the model's, same warp and average: {flows:+.2f} dB; {after_warp}: {decoder:+.2f} dB")
    if args.clip == "all":
        ceiling = means["DIS flows, averaged"] + decoder - means["DIS baseline"]
        print(f"ceiling with DIS-quality flows and this decoder: {ceiling:+.2f} dB over the DIS baseline "
              f"(the model now: {means['model'] - means['DIS baseline']:+.2f} dB)")
        means["ceiling over DIS"] = ceiling
    return means


if __name__ == "__main__":
    main()
