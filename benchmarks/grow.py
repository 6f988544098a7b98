"""Grow a trained lite model into a larger one that starts from its weights, for the experiments that try a size.

Three ways, each written as a model file that `python -m filmlite train --init FILE --model-sizes JSON` fine-tunes
(the JSON it prints is the one to pass):

* `film-coarse-convs N`: FILM-lite with N more 3x3 convolutions in its shared coarse flow predictor (Sec. 3.2),
  the one that finds large motion; each reaches one pixel further either way at every coarse level. The new
  convolutions start as the identity (a Dirac kernel, zero bias). Each is followed by FILM's LeakyReLU(0.2), which
  is not the identity for negative inputs, so the grown model is close to the original, not equal to it.
* `rife-block C S`: RIFE-lite with one more IFBlock after its last (C channels, scale S), a further coarse-to-fine
  correction of the flows and the mask. RIFE-lite's blocks end in a zero-initialised layer (`zero_init`), so the
  new block's corrections are exactly zero at first and the grown model gives the original's frames (to float
  rounding).
* `rife-refine C`: RIFE-lite with RIFE's RefineNet (Sec. 3.3; a context network and a U-Net of width C, 16 in the
  paper) after its blend. With `zero_init` the U-Net's last conv starts at zero, so its residual is zero and the
  grown model gives the original's frames, clamped to [0, 1].

    python benchmarks/grow.py film-coarse-convs 3 runs/film-deep6-init.pt       # from the bundled FILM-lite
    python benchmarks/grow.py rife-block 32 1 runs/rife4-init.pt                # from the bundled RIFE-lite
    python benchmarks/grow.py rife-block 32 1 OUT.pt --source runs/x/model.pt   # from any RIFE file
    python benchmarks/grow.py rife-refine 4 runs/rife-refine-init.pt            # the bundled RIFE-lite + RefineNet

The grown file keeps the source's training history (`init_metadata`), so `training_totals` of a run from it counts
every step behind it. It prints the parameters before and after, the largest difference between the two models'
frames on a random pair, and the `--model-sizes` value for training. Results of the runs made this way: benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import json

import torch

import filmlite
from filmlite.io.checkpoint import save_checkpoint


def grow_film_coarse_convs(model: filmlite.FILM, extra: int) -> filmlite.FILM:
    """`model` with `extra` more convolutions in its shared coarse flow predictor, each starting as the identity."""
    if extra < 1:
        raise ValueError(f"extra convolutions must be at least 1, got {extra}")
    if model.predict_flow.shared is None:
        raise ValueError("this FILM has no shared coarse flow predictor (specialized_levels == pyramid_levels)")
    c = model.config
    grown = filmlite.FILM(dataclasses.replace(c, flow_convs=c.flow_convs[:-1] + (c.flow_convs[-1] + extra,)))
    old, state = model.state_dict(), grown.state_dict()
    for name, tensor in state.items():
        if name in old:
            state[name] = old[name]
        elif name.endswith("weight"):
            torch.nn.init.dirac_(tensor)  # (filters, filters, 3, 3): each output channel copies its input channel
        else:
            tensor.zero_()
    grown.load_state_dict(state)
    return grown


def grow_rife_block(model, channels: int, scale: int):
    """`model` (a RIFE with `zero_init`) with one more IFBlock after its last: the same frames until it trains."""
    from filmlite.rife import RIFE

    c = model.config
    if not c.zero_init:
        raise ValueError("the new block adds nothing at first only with zero_init (RIFEConfig.lite()); this RIFE's "
                         "blocks keep PyTorch's initialisation, so growing it would change its frames")
    grown = RIFE(dataclasses.replace(c, block_channels=c.block_channels + (channels,),
                                     block_scales=c.block_scales + (scale,)))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not name.startswith(f"blocks.{len(c.block_channels)}.") for name in missing):
        raise ValueError(f"the weights do not fit the grown RIFE: missing {missing}, unexpected {unexpected}")
    return grown


def grow_rife_refine(model, channels: int):
    """`model` (a RIFE with `zero_init`, no RefineNet) with a RefineNet of width `channels` that adds nothing yet."""
    from filmlite.rife import RIFE

    c = model.config
    if c.refine:
        raise ValueError("this RIFE has a RefineNet already (RIFEConfig.refine)")
    if not c.zero_init:
        raise ValueError("the RefineNet adds nothing at first only with zero_init (RIFEConfig.lite()); this RIFE's "
                         "layers keep PyTorch's initialisation, so growing it would change its frames")
    grown = RIFE(dataclasses.replace(c, refine=True, context_channels=channels))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not name.startswith(("context.", "refine.")) for name in missing):
        raise ValueError(f"the weights do not fit the grown RIFE: missing {missing}, unexpected {unexpected}")
    return grown


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = parser.add_subparsers(dest="kind", required=True)
    film = kinds.add_parser("film-coarse-convs", help="more convolutions in FILM's shared coarse flow predictor")
    film.add_argument("extra", type=int)
    film.add_argument("out")
    film.add_argument("--source", default="film", help="the model to grow (default: the bundled FILM-lite)")
    rife = kinds.add_parser("rife-block", help="one more IFBlock for RIFE-lite")
    rife.add_argument("channels", type=int)
    rife.add_argument("scale", type=int)
    rife.add_argument("out")
    rife.add_argument("--source", default="rife", help="the model to grow (default: the bundled RIFE-lite)")
    rife.add_argument("--seed", type=int, default=0, help="seed of the new block's hidden weights (default 0)")
    refine = kinds.add_parser("rife-refine", help="RIFE's RefineNet for RIFE-lite")
    refine.add_argument("channels", type=int, help="the context network's first width (16 in the paper)")
    refine.add_argument("out")
    refine.add_argument("--source", default="rife", help="the model to grow (default: the bundled RIFE-lite)")
    refine.add_argument("--seed", type=int, default=0, help="seed of the RefineNet's hidden weights (default 0)")
    args = parser.parse_args(argv)

    model = filmlite.load_pretrained(args.source, device="cpu").eval()
    torch.manual_seed(getattr(args, "seed", 0))
    if args.kind == "film-coarse-convs":
        grown = grow_film_coarse_convs(model, args.extra)
        sizes = {"flow_convs": list(grown.config.flow_convs)}
    elif args.kind == "rife-block":
        grown = grow_rife_block(model, args.channels, args.scale)
        sizes = {"block_channels": list(grown.config.block_channels), "block_scales": list(grown.config.block_scales)}
    else:
        grown = grow_rife_refine(model, args.channels)
        sizes = {"refine": True, "context_channels": args.channels}
    grown.eval()
    torch.manual_seed(0)
    x0, x1 = torch.rand(2, 1, 3, 128, 192).unbind(0)
    with torch.no_grad():
        difference = float((model(x0, x1) - grown(x0, x1)).abs().max())
    # the source's own training history goes along, so that a run from the grown file counts every step behind it
    lineage = {"init_metadata": model.metadata} if getattr(model, "metadata", None) else {}
    save_checkpoint(args.out, grown, grown_from=str(args.source), grown_by=args.kind, **lineage)
    result = {"params": model.num_parameters(), "grown params": grown.num_parameters(),
              "largest difference": difference, "model_sizes": json.dumps(sizes)}
    print(f"{args.source}: {result['params']:,} parameters -> {args.out}: {result['grown params']:,}")
    print(f"largest difference between their frames on a random 128x192 pair: {difference:.2e}")
    print(f"train it with: --init {args.out} --model-sizes '{result['model_sizes']}'")
    return result


if __name__ == "__main__":
    main()
