"""filmlite against the community PyTorch port of FILM: same weights, same inputs, same output, and speed.

The port is not part of filmlite. Clone it yourself (github.com/dajes/frame-interpolation-pytorch) and point
this script at the clone:

    python benchmarks/compare_port.py --port-dir ../frame-interpolation-pytorch
    python benchmarks/compare_port.py --port-dir ../frame-interpolation-pytorch --weights film_net_fp32.pt

Without `--weights` the port's own freshly initialised model is used, with every convolution re-drawn from a
Glorot distribution so that outputs and flows are far from zero. Both models get those weights (filmlite via
`load_official`), the script reports the largest output and flow differences, then times the three variants
interleaved (port, filmlite NCHW, filmlite channels_last) and prints medians: on a shared machine whose speed
drifts, only a comparison within one run is fair.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types

import torch

import filmlite


def import_port(port_dir: str):
    sys.path.insert(0, os.path.abspath(port_dir))
    try:
        import cv2  # noqa: F401  (the port's util.py imports it for its image loader only)
    except ImportError:
        sys.modules["cv2"] = types.ModuleType("cv2")
    from interpolator import Interpolator

    return Interpolator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-dir", required=True, help="a clone of dajes/frame-interpolation-pytorch")
    parser.add_argument("--weights", help="the port's film_net_fp32.pt or a state-dict file (default: random)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    Interpolator = import_port(args.port_dir)
    torch.manual_seed(0)
    port = Interpolator().eval()
    weights = args.weights
    if weights:
        state = filmlite.film.official.read_port_state_dict(weights)
        port.load_state_dict({k: v.float() for k, v in state.items()})
    else:
        for module in port.modules():
            if isinstance(module, torch.nn.Conv2d):
                torch.nn.init.xavier_uniform_(module.weight)
                torch.nn.init.normal_(module.bias, std=0.05)
        weights = os.path.join(tempfile.mkdtemp(), "port_state.pt")
        torch.save(port.state_dict(), weights)
    ours = filmlite.load_official(weights)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, fp32, batch 1")
    for size in args.sizes:
        x0, x1 = torch.rand(2, 1, 3, size, size)
        half = torch.full((1, 1), 0.5)  # the port's time argument, shape (batch, 1)
        cl0, cl1 = (x.contiguous(memory_format=torch.channels_last) for x in (x0, x1))
        with torch.no_grad():
            theirs = port.debug_forward(x0, x1, half)
            mine = ours.intermediates(x0, x1)
            out_diff = (theirs["image"][0] - mine.output).abs().max().item()
            flow_diff = max(
                (a - b).abs().max().item()
                for a, b in zip(theirs["forward_flow_pyramid"] + theirs["backward_flow_pyramid"],
                                mine.forward_flows[:5] + mine.backward_flows[:5])
            )
            del theirs, mine
            times = {"port": [], "filmlite NCHW": [], "filmlite channels_last": []}
            runs = {
                "port": lambda: port(x0, x1, half),
                "filmlite NCHW": lambda: ours(x0, x1),
                "filmlite channels_last": lambda: ours(cl0, cl1),
            }
            for i in range(args.repeats + 1):
                for name, run in runs.items():
                    start = time.perf_counter()
                    run()
                    if i:  # the first round warms up
                        times[name].append(time.perf_counter() - start)
        print(f"\n{size}x{size}: max |output difference| {out_diff:.1e}, max |flow difference| {flow_diff:.1e}")
        for name, t in times.items():
            print(f"  {name:24s} median {statistics.median(t):.3f} s   min {min(t):.3f} s")


if __name__ == "__main__":
    main()
