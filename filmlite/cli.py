"""The command line: `python -m filmlite <command> ...` (or `filmlite <command> ...` once installed).

    filmlite interpolate A.png B.png --times 3 -o out.gif     2^3 - 1 = 7 new frames between two images
    filmlite slowmo clip.mp4 --factor 4 -o slow.mp4            every pair of a video (or a folder of frames)
    filmlite evaluate middlebury PATH                          PSNR / SSIM on a standard benchmark
    filmlite train --recipe cpu                                train (options: filmlite train --help)

The model is the bundled checkpoint by default (`filmlite.load_pretrained()`, which `$FILMLITE_CHECKPOINT`
overrides), `--checkpoint PATH` for another filmlite checkpoint, or `--official PATH` for Google's weights in the
PyTorch port's format (`filmlite.load_official`).

Problems a person can fix (a missing file, an unreadable video, frames of different sizes, weights that do not
fit, an output that already exists) end the command with a one-line message on stderr and exit status 1, never a
traceback; bad arguments exit with status 2 (argparse). Nothing is overwritten unless `--force` is given. Set
`FILMLITE_DEBUG=1` to see the full traceback instead.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import torch

DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
FACTOR_HELP = (
    "how many times slower: factor - 1 new frames between every pair of frames (default 4). FILM only makes "
    "midpoints (t = 1/2), so the recursion reaches the times k / 2^d. A power of two is exact. Any other factor "
    "recurses to the smallest 2^d >= factor and uses, for each time j / factor, the frame at the nearest k / 2^d "
    "(factor 3: t = 1/4 and 3/4 stand in for 1/3 and 2/3), so the new frames are shown evenly although made at "
    "slightly uneven times; the command prints the times it uses"
)


class CommandError(Exception):
    """A problem the person at the keyboard can fix; printed as one line, no traceback."""


# ------------------------------------------------------------------------------------------------- helpers
def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def device_from(name: str | None) -> torch.device | None:
    if name is None:
        return None
    try:
        device = torch.device(name)
    except RuntimeError:
        raise CommandError(f"unknown device {name!r}; use cpu, cuda, cuda:1 or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CommandError("--device cuda: no CUDA GPU is available here; use --device cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise CommandError("--device mps: Apple's MPS is not available here; use --device cpu")
    return device


def load_model(args: argparse.Namespace):
    """The model the options name: --official, --checkpoint, or the bundled checkpoint."""
    from .checkpoint import load_official, load_pretrained, read_checkpoint

    device = device_from(args.device)
    if args.official:
        path = Path(args.official)
        try:
            read_checkpoint(path)
        except (ValueError, FileNotFoundError):
            pass  # not a filmlite checkpoint: load_official explains what it is
        else:
            raise CommandError(f"{path} is a filmlite checkpoint, not the official weights: pass it with --checkpoint")
        return load_official(path, device=device)
    try:
        return load_pretrained(args.checkpoint, device=device)
    except FileNotFoundError as error:
        if args.checkpoint is None:  # the bundled checkpoint is missing
            raise CommandError(f"{error} (on the command line: --checkpoint PATH or --official PATH)") from None
        raise
    except ValueError as error:
        if "load_official" in str(error):  # the official weights given to --checkpoint
            raise CommandError(f"{str(error).split('; use')[0]}: pass them with --official") from None
        raise


def model_path() -> str:
    """The checkpoint `load_pretrained()` reads when no path is given."""
    from .checkpoint import DEFAULT_CHECKPOINT

    return os.environ.get("FILMLITE_CHECKPOINT") or str(DEFAULT_CHECKPOINT)


def interpolation_options(args: argparse.Namespace) -> dict:
    return {"tile_size": args.tile_size, "tile_overlap": args.tile_overlap, "dtype": DTYPES[args.dtype]}


def say(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------------------------- commands
def run_interpolate(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from .images import read_image, write_image
    from .inference import interpolate, iter_recursive
    from .video import IMAGE_SUFFIXES, FrameWriter, check_output

    out = Path(args.output)
    single = out.suffix.lower() in IMAGE_SUFFIXES
    times = args.times if args.times is not None else (1 if single else 3)
    if single:
        if times != 1:
            raise CommandError(f"{out.name} is one image, which holds one middle frame (--times 1); for "
                               f"--times {times} write .gif, .mp4 or a folder")
        if out.is_dir():
            raise CommandError(f"{out} is a folder; give a file name for the middle frame")
        if out.exists() and not args.force:
            raise CommandError(f"{out} already exists (nothing was overwritten); pass --force to replace it")
    else:
        check_output(out, args.force, hint="pass --force to replace it")
    x0, x1 = read_image(args.frame0), read_image(args.frame1)
    if x0.shape != x1.shape:
        size = lambda x: f"{x.shape[3]}x{x.shape[2]}"
        raise CommandError(f"frames of different sizes: {args.frame0} is {size(x0)}, {args.frame1} is {size(x1)}; "
                           "resize one of them to the other's size")
    model = load_model(args)
    options = interpolation_options(args)
    if single:
        write_image(out, interpolate(model, x0, x1, **options))
        say(f"wrote the middle frame to {out}")
        return 0
    new = 2**times - 1
    with FrameWriter(out, args.fps, overwrite=args.force) as writer:
        bar = tqdm(total=new, unit="frame", desc="interpolate", disable=None)
        for k, frame in enumerate(iter_recursive(model, [x0[0], x1[0]], times, **options)):
            writer.write(frame)
            if 0 < k <= new:  # frame 0 is the first input, frame new + 1 the second
                bar.update()
        bar.close()
    say(f"wrote {writer.count} frames ({new} new, t = 0, 1/{2**times}, ..., 1) to {out}")
    for note in writer.notes:
        say(note)
    return 0


def run_slowmo(args: argparse.Namespace) -> int:
    from .video import check_output, open_frames, slowmo

    if args.factor < 2:
        raise CommandError(f"--factor must be at least 2 (1 would copy the input), got {args.factor}")
    check_output(args.output, args.force, hint="pass --force to replace it")
    open_frames(args.input, args.input_fps, args.max_side)  # a missing or unreadable input fails before loading
    model = load_model(args)
    summary = slowmo(model, args.input, args.output, args.factor, fps=args.fps, input_fps=args.input_fps,
                     max_side=args.max_side, cut_threshold=args.cut_threshold, keep_audio=not args.no_audio,
                     overwrite=args.force, log=say, **interpolation_options(args))
    say(f"wrote {summary['output_frames']} frames at {summary['fps']:g} fps ({summary['output_seconds']:.2f} s; "
        f"input {summary['input_frames']} frames at {summary['input_fps']:g} fps, "
        f"{summary['input_seconds']:.2f} s) to {args.output}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, load_benchmark

    if args.json:
        json_path = Path(args.json)
        if json_path.exists() and not args.force:
            raise CommandError(f"{json_path} already exists (nothing was overwritten); pass --force to replace it")
    dataset = load_benchmark(args.dataset, args.path)
    model = load_model(args)
    width = max(len(n) for n in dataset.names) if args.per_sample else 0
    show = (lambda r: say(f"{r['name']:<{width}}  PSNR {r['psnr']:6.2f} dB  SSIM {r['ssim']:.4f}")) \
        if args.per_sample else None
    result = evaluate(model, dataset, limit=args.limit, on_sample=show, **interpolation_options(args))
    say(f"{args.dataset}: {result['count']} of {len(dataset)} triplets, PSNR {result['psnr']:.2f} dB, "
        f"SSIM {result['ssim']:.4f}")
    if args.json:
        finite = lambda v: v if math.isfinite(v) else None  # JSON has no inf: null marks an exact prediction
        record = {"dataset": args.dataset, "path": str(args.path), "count": result["count"],
                  "psnr": finite(result["psnr"]), "ssim": result["ssim"],
                  "model": str(args.official or args.checkpoint or model_path()),
                  "samples": [{**s, "psnr": finite(s["psnr"])} for s in result["samples"]]}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(record, indent=1) + "\n")
        say(f"wrote {json_path}")
    return 0


# ------------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmlite", description="FILM frame interpolation (ECCV 2022) in small, readable PyTorch.",
        epilog="filmlite <command> --help shows a command's options. FILMLITE_DEBUG=1 shows tracebacks.")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    model = argparse.ArgumentParser(add_help=False)
    group = model.add_argument_group("model")
    which = group.add_mutually_exclusive_group()
    which.add_argument("--checkpoint", metavar="PATH",
                       help="a filmlite checkpoint (default: $FILMLITE_CHECKPOINT, else the bundled one)")
    which.add_argument("--official", metavar="PATH",
                       help="Google's FILM weights as converted by the PyTorch port (film_net_fp32.pt)")
    group.add_argument("--device", help="cpu, cuda, cuda:1, mps (default: the first available of cuda, mps, cpu)")
    group.add_argument("--dtype", choices=sorted(DTYPES), default="fp32",
                       help="fp32 (default), or bf16 / fp16 to run the network under torch.autocast")
    group.add_argument("--tile-size", type=positive_int, metavar="PIXELS",
                       help="cut large frames into overlapping tiles of this side (bounds memory)")
    group.add_argument("--tile-overlap", type=int, default=64, metavar="PIXELS",
                       help="least overlap of neighbouring tiles (default 64)")
    force = argparse.ArgumentParser(add_help=False)
    force.add_argument("--force", action="store_true", help="replace an existing output")

    p = commands.add_parser(
        "interpolate", parents=[model, force], help="make in-between frames for two images",
        description="Insert 2^K - 1 frames between two images by FILM's midpoint recursion (t = 1/2, then the "
                    "middle of each half, ...), and write all 2^K + 1 frames.")
    p.add_argument("frame0", help="the first image")
    p.add_argument("frame1", help="the second image (same size)")
    p.add_argument("-o", "--output", required=True,
                   help="OUT.gif, OUT.mp4 (.mov, .mkv), a folder name for numbered PNGs, or OUT.png for the "
                        "middle frame alone")
    p.add_argument("--times", type=positive_int, metavar="K",
                   help="recursion depth: 2^K - 1 new frames (default 3; 1 for an image output)")
    p.add_argument("--fps", type=positive_float, default=30.0, help="frame rate of a video or GIF (default 30)")
    p.set_defaults(run=run_interpolate)

    p = commands.add_parser(
        "slowmo", parents=[model, force], help="slow motion of a video or a folder of frames",
        description="Slow motion with FILM: factor - 1 new frames between every pair of consecutive frames. "
                    "Scene cuts are detected and never interpolated across (the frame before a cut is repeated "
                    "instead, and the command says where). The input's audio is kept only when the output lasts "
                    "as long as the input (--fps equal to the input rate times the factor); otherwise it is "
                    "dropped with a note, since sound slowed by the factor would no longer fit.")
    p.add_argument("input", help="a video file, or a folder of images (frames in natural name order)")
    p.add_argument("-o", "--output", required=True, help="OUT.mp4 (.mov, .mkv), OUT.gif, or a folder name for PNGs")
    p.add_argument("--factor", type=int, default=4, help=FACTOR_HELP)
    p.add_argument("--fps", type=positive_float,
                   help="output frame rate (default: the input's, so the video plays factor times slower; "
                        "the input's times the factor keeps the speed and the audio)")
    p.add_argument("--input-fps", type=positive_float,
                   help="frame rate of the input: needed for a folder (default 25), overrides a video's own")
    p.add_argument("--max-side", type=positive_int, metavar="PIXELS",
                   help="shrink frames so their longer side is at most this (faster)")
    p.add_argument("--cut-threshold", type=float, default=0.1,
                   help="scene-cut sensitivity: mean absolute change of a frame's thumbnail (0..1) that can "
                        "count as a cut (default 0.1; above 1 disables cut detection)")
    p.add_argument("--no-audio", action="store_true", help="never copy the input's audio")
    p.set_defaults(run=run_slowmo)

    p = commands.add_parser(
        "evaluate", parents=[model, force], help="PSNR and SSIM on Middlebury, UCF101 or Vimeo-90K",
        description="Score the model's middle frames against the true ones (PSNR and SSIM as FILM reports them, "
                    "filmlite.metrics). middlebury: PATH holds other-data/ and other-gt-interp/. ucf101: PATH "
                    "holds one folder per triplet with frame_00.png, frame_01_gt.png, frame_02.png. vimeo: PATH "
                    "is the vimeo_triplet folder (sequences/, tri_testlist.txt).")
    p.add_argument("dataset", choices=["middlebury", "ucf101", "vimeo"])
    p.add_argument("path", help="the benchmark's folder")
    p.add_argument("--limit", type=positive_int, metavar="N", help="score only the first N triplets")
    p.add_argument("--per-sample", action="store_true", help="print every triplet's scores")
    p.add_argument("--json", metavar="OUT", help="also write the scores (means and per triplet) to OUT.json")
    p.set_defaults(run=run_evaluate)

    commands.add_parser("train", add_help=False, help="train a model (filmlite train --help for its options)")
    return parser


def handled_errors() -> tuple[type[BaseException], ...]:
    import av

    return (CommandError, OSError, ValueError, av.error.FFmpegError, torch.cuda.OutOfMemoryError)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 on success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:
        from .train import main as train_main

        command, run = "train", lambda: train_main(argv[1:])
    else:
        args = build_parser().parse_args(argv)
        command, run = args.command, lambda: args.run(args)
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print(f"filmlite {command}: interrupted", file=sys.stderr)
        return 130
    except handled_errors() as error:
        if os.environ.get("FILMLITE_DEBUG"):
            raise
        message = str(error) or type(error).__name__
        if isinstance(error, torch.cuda.OutOfMemoryError):
            message = "the GPU ran out of memory; try --tile-size 512 and/or --dtype bf16"
        elif isinstance(error, OSError) and error.filename and str(error.filename) not in message:
            message = f"{message}: {error.filename}"
        print(f"filmlite {command}: error: {message}", file=sys.stderr)
        return 1
