"""The command line: `python -m filmlite <command> ...` (or `filmlite <command> ...` once installed).

    filmlite interpolate A.png B.png --times 3 -o out.gif     2^3 - 1 = 7 new frames between two images
    filmlite slowmo clip.mp4 --factor 4 -o slow.mp4            every pair of a video (or a folder of frames)
    filmlite evaluate middlebury PATH                          PSNR / SSIM on a standard benchmark
    filmlite train --recipe cpu                                train (options: filmlite train --help)

The model is the bundled checkpoint by default (`filmlite.load_pretrained()`, which `$FILMLITE_CHECKPOINT`
overrides), `--model NAME` for another model that ships with a checkpoint (`filmlite.registry`: film, superslomo,
rife), `--checkpoint PATH` for a filmlite checkpoint file of any registered model, or `--official PATH` for Google's
weights in the PyTorch port's format (`filmlite.load_official`). A model that takes any time t (Super SloMo, RIFE
with a time input) makes the frames at the times asked directly; FILM recurses on midpoints.

Problems a person can fix (a missing file, an unreadable video, frames of different sizes, weights that do not
fit, an output that already exists) end the command with a one-line message on stderr and exit status 1, never a
traceback; bad arguments exit with status 2 (argparse). Nothing is overwritten unless `--force` is given, and an
output that is, contains or is inside an input is refused even then. Before the work starts the command says how
many frames it will make, and refuses a request that cannot finish or fit (more than `MAX_NEW_FRAMES` new frames,
more than `MAX_HOURS` by a timed network run, more memory or disk than there is) unless `--allow-large` is given.
Ctrl-C and `kill` (SIGTERM) stop it cleanly (exit status 130, no temporary file left). Set `FILMLITE_DEBUG=1` to
see the full traceback instead.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import torch

from .device import PRECISIONS

FACTOR_HELP = (
    "how many times slower: factor - 1 new frames between every pair of frames (default 4). FILM only makes "
    "midpoints (t = 1/2), so the recursion reaches the times k / 2^d. A power of two is exact. Any other factor "
    "recurses to the smallest 2^d >= factor and uses, for each time j / factor, the frame at the nearest k / 2^d "
    "(factor 3: t = 1/4 and 3/4 stand in for 1/3 and 2/3), so the new frames are shown evenly although made at "
    "slightly uneven times; the command prints the times it uses. A model that takes any t (--model superslomo, "
    "rife) makes the times j / factor themselves"
)


MAX_NEW_FRAMES = 100_000  # a request for more new frames than this needs --allow-large
MAX_HOURS = 24.0  # as does one estimated to take longer (timed on one network run)
OUTPUTS = Path("outputs")  # where outputs go when -o is not given (ignored by git in the repository)
FORCE_HINT = "pass --force to replace it, or give another name with -o"


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


def non_negative_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
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
    """The model the options name: --official, --model, --checkpoint, or the bundled checkpoint."""
    from .film.official import load_official
    from .io.checkpoint import load_pretrained, read_checkpoint

    device = device_from(args.device)
    if args.model:
        try:
            return load_pretrained(args.model, device=device)
        except FileNotFoundError as error:  # the model ships without a checkpoint, or the clone lacks it
            raise CommandError(f"--model {args.model}: {error} with --checkpoint PATH") from None
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
    from .io.checkpoint import default_checkpoint

    return str(default_checkpoint())


def interpolation_options(args: argparse.Namespace) -> dict:
    return {"tile_size": args.tile_size, "tile_overlap": args.tile_overlap, "dtype": args.dtype}


def say(message: str) -> None:
    print(message, flush=True)


def output_path(args: argparse.Namespace, default: str) -> Path:
    """-o, or outputs/DEFAULT when it is not given (said, so the person knows where to look)."""
    return Path(args.output) if args.output else OUTPUTS / default


def available_memory() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this system
        return None


def gib(size: float) -> str:
    return f"{size / 2**30:.3g} GiB"


def check_request(args: argparse.Namespace, new: int, total: int, size: tuple[int, int], kind: str, out: Path,
                  runs: int | None = None, held: int = 0, time_run=None, announce: bool = True) -> None:
    """Say before starting what a request makes (frames, network runs, time, memory, disk) and refuse one that
    cannot finish or fit unless --allow-large. `held`: bytes of frames held during the work; `time_run()` times
    one network run (called only when there are many runs); `announce=False` only refuses."""
    from .io.progress import duration

    h, w = size
    runs = new if runs is None else runs
    problems = []
    if new > MAX_NEW_FRAMES:
        problems.append(f"more than {MAX_NEW_FRAMES:,} new frames")
    notes = []
    memory = held + (total * 3 * h * w if kind == "gif" else 0)  # a GIF is held in memory until it is complete
    free_memory = available_memory()
    if memory > 2**28:
        notes.append(f"about {gib(memory)} of memory" + (" (a GIF is held in memory; .mp4 and folders stream)"
                                                         if kind == "gif" else ""))
        if free_memory is not None and memory > free_memory:
            problems.append(f"{gib(memory)} of memory, {gib(free_memory)} available")
    if kind == "folder":
        disk = total * 3 * h * w // 2  # PNGs of photos: about half their raw size
        folder = next(p for p in [out, *out.parents] if p.exists())
        free_disk = shutil.disk_usage(folder).free
        notes.append(f"about {gib(disk)} of PNGs")
        if disk > free_disk:
            problems.append(f"about {gib(disk)} of PNGs, {gib(free_disk)} free on that disk")
    if not problems and time_run is not None and runs > 16:
        seconds = time_run()
        notes.append(f"about {duration(runs * seconds)} at {seconds:.2g} s a run (timed)")
        if runs * seconds > MAX_HOURS * 3600:
            problems.append(f"about {duration(runs * seconds)} at {seconds:.2g} s a network run")
    summary = f"{total:,} frames ({new:,} new) of {w}x{h}, {runs:,} network runs"
    if problems and not args.allow_large:
        raise CommandError(f"{new:,} new frames asked for ({summary}): {'; '.join(problems)}. Nothing was started; "
                           "ask for fewer frames, or pass --allow-large to insist")
    if announce:
        say(f"{args.command}: {summary}" + "".join(f", {note}" for note in notes))


# ------------------------------------------------------------------------------------------------- commands
def run_interpolate(args: argparse.Namespace) -> int:
    from .io.images import check_output_location, read_image, write_image
    from .inference.interpolation import interpolate
    from .inference.recursion import iter_recursive
    from .io.progress import Progress
    from .io.video import IMAGE_SUFFIXES
    from .io.writing import FrameWriter, check_not_input, check_output, output_kind

    out = output_path(args, f"{Path(args.frame0).stem}-{Path(args.frame1).stem}.gif")
    check_not_input(out, [args.frame0, args.frame1])
    single = out.suffix.lower() in IMAGE_SUFFIXES
    times = args.times if args.times is not None else (1 if single else 3)
    if single:
        if times != 1:
            raise CommandError(f"{out.name} is one image, which holds one middle frame (--times 1); for "
                               f"--times {times} write .gif, .mp4 or a folder")
        if out.is_dir():
            raise CommandError(f"{out} is a folder; give a file name for the middle frame")
        if out.exists() and not args.force:
            raise CommandError(f"{out} already exists (nothing was overwritten); {FORCE_HINT}")
        check_output_location(out)
    else:
        check_output(out, args.force, hint=FORCE_HINT)
    x0, x1 = read_image(args.frame0), read_image(args.frame1)
    if x0.shape != x1.shape:
        def size(x):
            return f"{x.shape[3]}x{x.shape[2]}"

        raise CommandError(f"frames of different sizes: {args.frame0} is {size(x0)}, {args.frame1} is {size(x1)}; "
                           "resize one of them to the other's size")
    new = 2**times - 1
    if not single:  # before the model is loaded
        check_request(args, new, new + 2, x0.shape[-2:], output_kind(out), out, announce=False)
    model = load_model(args)
    options = interpolation_options(args)
    if single:
        write_image(out, interpolate(model, x0, x1, **options))
        say(f"wrote the middle frame to {out}")
        return 0
    check_request(args, new, new + 2, x0.shape[-2:], output_kind(out), out, time_run=lambda: timed(
        lambda: interpolate(model, x0, x1, **options)))
    with FrameWriter(out, args.fps, overwrite=args.force) as writer:
        bar = Progress(new, "frame", "interpolate")
        for k, frame in enumerate(iter_recursive(model, [x0[0], x1[0]], times, **options)):
            writer.write(frame)
            if 0 < k <= new:  # frame 0 is the first input, frame new + 1 the second
                bar.update()
        bar.close()
    say(f"wrote {writer.count} frames ({new} new, t = 0, 1/{2**times}, ..., 1) to {out}")
    for note in writer.notes:
        say(note)
    return 0


def timed(work) -> float:
    """Seconds one call of `work` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run_slowmo(args: argparse.Namespace) -> int:
    from .inference.interpolation import interpolate
    from .inference.recursion import network_runs
    from .inference.slowmo import slowmo, slowmo_times
    from .io.video import open_frames
    from .io.writing import check_not_input, check_output

    if args.factor < 2:
        raise CommandError(f"--factor must be at least 2 (1 would copy the input), got {args.factor}")
    out = output_path(args, f"{Path(args.input).resolve().stem}-slowmo.mp4")
    check_not_input(out, [args.input])
    kind = check_output(out, args.force, hint=FORCE_HINT)
    source = open_frames(args.input, args.input_fps, args.max_side)  # a missing or unreadable input fails here
    first = next(iter(source))
    new = (source.count - 1) * (args.factor - 1)
    total = new + source.count
    check_request(args, new, total, first.shape[-2:], kind, out, announce=False)  # before the model is loaded
    model = load_model(args)
    runs_per_pair = network_runs(slowmo_times(args.factor, model.any_time), model.any_time)
    depth = (args.factor - 1).bit_length()
    held = (depth + 3) * 3 * first.shape[-2] * first.shape[-1] * 4  # frames_at keeps a few frames of a pair
    options = interpolation_options(args)
    x = first.float() / 255
    check_request(args, new, total, first.shape[-2:], kind, out, runs=(source.count - 1) * runs_per_pair,
                  held=held, time_run=lambda: timed(lambda: interpolate(model, x, x, **options)))
    summary = slowmo(model, args.input, out, args.factor, fps=args.fps, input_fps=args.input_fps,
                     max_side=args.max_side, cut_threshold=args.cut_threshold, keep_audio=not args.no_audio,
                     overwrite=args.force, log=say, **options)
    say(f"wrote {summary['output_frames']} frames at {summary['fps']:g} fps ({summary['output_seconds']:.2f} s; "
        f"input {summary['input_frames']} frames at {summary['input_fps']:g} fps, "
        f"{summary['input_seconds']:.2f} s) to {out}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from .io.atomic import atomic_write
    from .evaluation.benchmarks import evaluate, load_benchmark
    from .io.images import check_output_location

    if args.json:
        json_path = Path(args.json)
        if json_path.exists() and not args.force:
            raise CommandError(f"{json_path} already exists (nothing was overwritten); pass --force to replace it, "
                               "or give another name with --json")
        check_output_location(json_path)
    dataset = load_benchmark(args.dataset, args.path)
    model = load_model(args)
    width = max(len(n) for n in dataset.names) if args.per_sample else 0
    show = (lambda r: say(f"{r['name']:<{width}}  PSNR {r['psnr']:6.2f} dB  SSIM {r['ssim']:.4f}")) \
        if args.per_sample else None
    result = evaluate(model, dataset, limit=args.limit, on_sample=show, **interpolation_options(args))
    say(f"{args.dataset}: {result['count']} of {len(dataset)} triplets, PSNR {result['psnr']:.2f} dB, "
        f"SSIM {result['ssim']:.4f}")
    if args.json:
        def finite(v):  # JSON has no inf: null marks an exact prediction
            return v if math.isfinite(v) else None

        record = {"dataset": args.dataset, "path": str(args.path), "count": result["count"],
                  "psnr": finite(result["psnr"]), "ssim": result["ssim"],
                  "model": str(args.official or args.model or args.checkpoint or model_path()),
                  "samples": [{**s, "psnr": finite(s["psnr"])} for s in result["samples"]]}
        atomic_write(json_path, lambda f: f.write((json.dumps(record, indent=1) + "\n").encode()), sync=False)
        say(f"wrote {json_path}")
    return 0


# ------------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmlite", description="FILM frame interpolation (ECCV 2022) in small, readable PyTorch.",
        epilog="filmlite <command> --help shows a command's options. FILMLITE_DEBUG=1 shows tracebacks.")
    from . import __version__, registry

    parser.add_argument("--version", action="version", version=f"filmlite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    model = argparse.ArgumentParser(add_help=False)
    group = model.add_argument_group("model")
    which = group.add_mutually_exclusive_group()
    which.add_argument("--model", choices=sorted(registry.MODELS), metavar="NAME",
                       help="a model that ships with a checkpoint, by name: "
                            f"{', '.join(sorted(registry.MODELS))} (film: the bundled FILM-lite, the default)")
    which.add_argument("--checkpoint", metavar="PATH",
                       help="a filmlite checkpoint file of any model (python -m filmlite train writes them); default "
                            "$FILMLITE_CHECKPOINT, else the bundled FILM-lite")
    which.add_argument("--official", metavar="PATH",
                       help="Google's FILM weights as converted by the PyTorch port (film_net_fp32.pt)")
    group.add_argument("--device", help="cpu, cuda, cuda:1, mps (default: the first available of cuda, mps, cpu)")
    group.add_argument("--dtype", choices=list(PRECISIONS), default="fp32",
                       help="fp32 (default), or bf16 / fp16 to run the network under torch.autocast")
    group.add_argument("--tile-size", type=positive_int, metavar="PIXELS",
                       help="cut large frames into overlapping tiles of this side (bounds memory)")
    group.add_argument("--tile-overlap", type=int, default=64, metavar="PIXELS",
                       help="least overlap of neighbouring tiles (default 64)")
    group.add_argument("--threads", type=positive_int, metavar="N",
                       help="CPU threads for torch (default: torch's choice, one per core); on a busy machine "
                            "fewer can be much faster")
    force = argparse.ArgumentParser(add_help=False)
    force.add_argument("--force", action="store_true", help="replace an existing output")
    large = argparse.ArgumentParser(add_help=False)
    large.add_argument("--allow-large", action="store_true",
                       help=f"start a request the size check refuses (more than {MAX_NEW_FRAMES:,} new frames, "
                            f"over {MAX_HOURS:g} hours, or more memory or disk than there is)")

    p = commands.add_parser(
        "interpolate", parents=[model, force, large], help="make in-between frames for two images",
        description="Insert 2^K - 1 frames between two images, at t = j / 2^K, and write all 2^K + 1 frames. FILM "
                    "makes them by its midpoint recursion (t = 1/2, then the middle of each half, ...); a model "
                    "that takes any t (--model superslomo, rife) makes each directly.")
    p.add_argument("frame0", help="the first image")
    p.add_argument("frame1", help="the second image (same size)")
    p.add_argument("-o", "--output",
                   help="OUT.gif, OUT.mp4 (.mov, .mkv), a folder name for numbered PNGs, or OUT.png for the "
                        "middle frame alone (default: outputs/A-B.gif)")
    p.add_argument("--times", type=positive_int, metavar="K",
                   help="recursion depth: 2^K - 1 new frames (default 3; 1 for an image output)")
    p.add_argument("--fps", type=positive_float, default=30.0, help="frame rate of a video or GIF (default 30)")
    p.set_defaults(run=run_interpolate)

    p = commands.add_parser(
        "slowmo", parents=[model, force, large], help="slow motion of a video or a folder of frames",
        description="Slow motion: factor - 1 new frames between every pair of consecutive frames. "
                    "Scene cuts are detected and never interpolated across (the frame before a cut is repeated "
                    "instead, and the command says where). The input's audio is kept only when the output lasts "
                    "as long as the input (--fps equal to the input rate times the factor); otherwise it is "
                    "dropped with a note, since sound slowed by the factor would no longer fit.")
    p.add_argument("input", help="a video file, or a folder of images (frames in natural name order)")
    p.add_argument("-o", "--output", help="OUT.mp4 (.mov, .mkv), OUT.gif, or a folder name for PNGs "
                                           "(default: outputs/INPUT-slowmo.mp4)")
    p.add_argument("--factor", type=int, default=4, help=FACTOR_HELP)
    p.add_argument("--fps", type=positive_float,
                   help="output frame rate (default: the input's, so the video plays factor times slower; "
                        "the input's times the factor keeps the speed and the audio)")
    p.add_argument("--input-fps", type=positive_float,
                   help="frame rate of the input: needed for a folder (default 25), overrides a video's own")
    p.add_argument("--max-side", type=positive_int, metavar="PIXELS",
                   help="shrink frames so their longer side is at most this (faster)")
    p.add_argument("--cut-threshold", type=non_negative_float, default=0.1,
                   help="scene-cut sensitivity: mean absolute change of a frame's thumbnail (0..1) that can "
                        "count as a cut (default 0.1; above 1 disables cut detection)")
    p.add_argument("--no-audio", action="store_true", help="never copy the input's audio")
    p.set_defaults(run=run_slowmo)

    p = commands.add_parser(
        "evaluate", parents=[model, force], help="PSNR and SSIM on Middlebury, UCF101 or Vimeo-90K",
        description="Score the model's middle frames against the true ones (PSNR and SSIM as FILM reports them, "
                    "filmlite.evaluation.metrics). middlebury: PATH holds other-data/ and other-gt-interp/. ucf101: PATH "
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
        from .training.cli import main as train_main

        command, run = "train", lambda: train_main(argv[1:])
    else:
        args = build_parser().parse_args(argv)
        command, run = args.command, lambda: args.run(args)
        if args.threads:
            torch.set_num_threads(args.threads)

    def stop(signum, frame):  # `kill` (SIGTERM) stops like Ctrl-C: the writers remove their temporary files
        raise KeyboardInterrupt

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main_thread else None
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
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
