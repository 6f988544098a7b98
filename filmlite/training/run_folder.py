"""The run folder: its log (`log.jsonl`) and its lock (`.lock`), so that a run can be stopped and resumed at any
time and two runs never write one folder.

A run folder holds `checkpoint.pt` (weights, optimiser, step), `log.jsonl` (one JSON line per logged step and per
validation), `samples/` (sample grids) and, at the end, `model.pt`. While a run writes it, `.lock` holds the process
id of that run.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ..io.atomic import atomic_write


def read_log(run: str | Path) -> dict[str, list[dict]]:
    """`out/log.jsonl` of a run as {"train": [...], "val": [...]}, each a list of dicts with a "step"."""
    path = Path(run) / "log.jsonl" if Path(run).is_dir() else Path(run)
    if not path.exists():
        raise FileNotFoundError(f"no training log at {path}")
    log = {"train": [], "val": []}
    for line in path.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            log[entry.pop("kind")].append(entry)
    return log


def _logged_step(line: str) -> float:
    """The step of a log line; infinity for a line cut short by a killed run (dropped on resume)."""
    try:
        return json.loads(line)["step"]
    except (ValueError, KeyError, TypeError):
        return math.inf


def truncate_log(path: Path, step: int) -> None:
    """At the start of a run, drop log lines written after the checkpoint's step (all of them when there is no
    checkpoint), and a last line cut short, so the log reads as if the run had never stopped."""
    if path.exists():
        lines = [line for line in path.read_text().splitlines() if line.strip() and _logged_step(line) <= step]
        atomic_write(path, lambda f: f.write("".join(line + "\n" for line in lines).encode()), sync=False)


def append_log(path: Path, entry: dict) -> None:
    """Add one entry (a dict with "kind" and "step") as a line of the log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")


LOCK = ".lock"  # in the run folder while a run writes there: the pid of its process
# left by killed runs (log.tmp: by versions that wrote the trimmed log through that name)
STALE = (".checkpoint.pt.*.tmp", ".model.pt.*.tmp", ".log.jsonl.*.tmp", "log.tmp", "samples/.*.png.*.tmp")


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would interrupt it there: assume it lives
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def claim_run_folder(out: Path) -> Path:
    """Before the first step: check that `out` can be a run folder, take its lock (`out/.lock`, holding this
    process's pid; a lock whose process is gone is stale and taken over, a live one refused) and remove the
    temporary files runs killed mid-write left there. Returns the lock file."""
    from ..io.images import check_output_location

    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a folder; give --out a folder name for the run")
    check_output_location(out / "checkpoint.pt")
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip())
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise FileExistsError(f"{out} is in use by another training run (process {pid}, see {lock}); wait "
                                      "for it to end or stop it, or give another --out folder (if no such run "
                                      f"exists, delete {lock})") from None
            lock.unlink(missing_ok=True)  # stale: its run was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        for pattern in STALE:
            for leftover in out.glob(pattern):
                leftover.unlink(missing_ok=True)
        return lock
    raise FileExistsError(f"could not take the lock {lock}; delete it if no run is using {out}")
