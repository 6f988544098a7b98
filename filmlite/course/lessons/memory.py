"""Peak memory of interpolation with and without tiles, measured in fresh processes (notebook 08).

`interpolation_memory` starts one small Python process per tile size (`_MEMORY_PROBE`), so memory freed by
earlier cells of a notebook does not hide or inflate what one `filmlite.interpolate` call needs.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["interpolation_memory"]


_MEMORY_PROBE = """
import json, resource, sys, torch
import filmlite
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
model = filmlite.load_pretrained(args["checkpoint"])
g = torch.Generator().manual_seed(0)
x0, x1 = (torch.rand(1, 3, args["size"], args["size"], generator=g) for _ in range(2))
options = {"tile_size": args["tile_size"], "tile_overlap": args["tile_overlap"]}
filmlite.interpolate(model, x0[..., :64, :64], x1[..., :64, :64])  # warm-up: one-time buffers are not counted

def resident_kib():
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}

try:  # Linux: reset the peak to the present, so the peak below is this call's alone
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = resident_kib()["VmRSS"]
    filmlite.interpolate(model, x0, x1, **options)
    peak, how = resident_kib()["VmHWM"], "VmHWM after a reset"
except OSError:  # elsewhere: the lifetime peak (macOS reports bytes, Linux KiB)
    scale = 1024 if sys.platform == "darwin" else 1
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale
    filmlite.interpolate(model, x0, x1, **options)
    peak, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale, "ru_maxrss"
print(json.dumps({"before_mib": before / 1024, "peak_mib": peak / 1024, "how": how}))
"""


def interpolation_memory(size: int, tile_sizes: Sequence[int | None] = (None,), tile_overlap: int = 64,
                         checkpoint: str | Path | None = None, threads: int = 1) -> list[dict]:
    """Peak memory of one `filmlite.interpolate` call on a `size` x `size` pair, for each of `tile_sizes`
    (None: the whole frame at once), each measured in its own fresh process (started together).

    What it measures: the process's peak resident memory (RSS: every byte the call made the process hold,
    tensors, allocator slack and library workspaces alike) during the call, minus its resident memory just
    before (model loaded, frames made, a 64 px warm-up call done). On Linux the kernel's peak counter is reset
    right before the call; elsewhere the lifetime peak is used, which can hide a call smaller than the
    process's earlier peak. A fresh process keeps memory freed by earlier cells of a notebook out of the count.
    The frames are random: memory does not depend on the content.

    Returns one `{"size", "tile_size", "mib": peak - before, "before_mib", "peak_mib", "how"}` per tile size.
    """
    import json
    import os
    import subprocess
    import sys

    import filmlite

    from ...io.checkpoint import default_checkpoint

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(filmlite.__file__).resolve().parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    probes = []
    for tile_size in tile_sizes:
        args = {"size": int(size), "tile_size": tile_size, "tile_overlap": tile_overlap, "threads": threads,
                "checkpoint": str(checkpoint or default_checkpoint())}
        probes.append(subprocess.Popen([sys.executable, "-c", _MEMORY_PROBE, json.dumps(args)], env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    out = []
    for tile_size, probe in zip(tile_sizes, probes):
        stdout, stderr = probe.communicate()
        if probe.returncode != 0:
            raise RuntimeError(f"the memory probe for tile_size={tile_size} failed: {stderr.strip().splitlines()[-1:]}")
        found = json.loads(stdout.strip().splitlines()[-1])
        out.append({"size": int(size), "tile_size": tile_size, "mib": found["peak_mib"] - found["before_mib"], **found})
    return out
