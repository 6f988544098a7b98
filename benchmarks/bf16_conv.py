"""Is bfloat16 faster than float32 on this CPU at all? One convolution, no model, no autocast.

`benchmarks/large_frames.py` finds bfloat16 autocast slower than float32 for the whole network on the
development machine. This isolates the cause: it times a single 3x3 convolution of the size FILM's encoder and
decoder run (128 to 128 channels on a 128x128 map, batch 1) with weights and input already in each dtype and
layout, so nothing but the convolution kernel is measured, and prints the CPU flags that decide which kernel
oneDNN picks (`avx512_bf16` dot products; `amx_bf16` tiles, where bfloat16 is several times faster).

    python benchmarks/bf16_conv.py               # one thread
    python benchmarks/bf16_conv.py --threads 2
    ONEDNN_VERBOSE=1 python benchmarks/bf16_conv.py | grep brg   # which kernel oneDNN runs
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return sorted(f for f in flags if f.startswith(("avx512_bf16", "avx512_fp16", "amx")))


def time_conv(dtype: torch.dtype, channels_last: bool, channels: int, size: int, repeats: int) -> float:
    """Median milliseconds of one convolution forward pass."""
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1).eval().to(dtype)
    x = torch.rand(1, channels, size, size, dtype=dtype)
    if channels_last:
        conv, x = conv.to(memory_format=torch.channels_last), x.to(memory_format=torch.channels_last)
    times = []
    with torch.no_grad():
        for k in range(repeats + 2):  # two warm-up runs
            start = time.perf_counter()
            conv(x)
            if k >= 2:
                times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
          f"flags {' '.join(cpu_flags()) or '(none of avx512_bf16 / avx512_fp16 / amx)'}, {args.threads} thread(s)")
    print(f"3x3 convolution {args.channels} -> {args.channels} channels on {args.size}x{args.size}, batch 1")
    results = {}
    for dtype in (torch.float32, torch.bfloat16):
        for channels_last in (False, True):
            ms = time_conv(dtype, channels_last, args.channels, args.size, args.repeats)
            results[dtype, channels_last] = ms
            print(f"  {str(dtype):15s} {'channels_last' if channels_last else 'NCHW':13s} {ms:7.1f} ms")
    for channels_last in (False, True):
        ratio = results[torch.float32, channels_last] / results[torch.bfloat16, channels_last]
        print(f"bfloat16 speed-up over float32 ({'channels_last' if channels_last else 'NCHW'}): {ratio:.2f}x")


if __name__ == "__main__":
    main()
