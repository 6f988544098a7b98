"""Progress of a long loop, on a terminal, in a notebook and in a log file alike."""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

def duration(seconds: float) -> str:
    """42s, 3m10s, 2h05m."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Progress of a long loop: a tqdm bar on a terminal (and in a notebook); anywhere else (a log file, a
    notebook's subprocess, CI) plain lines `slowmo: 25/250 pairs (10%), 1.30 pair/s, 2m53s left` on `stream`
    (default stderr), one every 5% of the work or every 60 s, whichever comes first, and one at the end."""

    def __init__(self, total: int, unit: str, desc: str, *, enabled: bool = True, stream=None,
                 clock: Callable[[], float] = time.monotonic, every: float = 0.05, seconds: float = 60.0):
        from tqdm.auto import tqdm
        from tqdm.notebook import tqdm_notebook

        self.total, self.unit, self.desc, self.clock, self.seconds = total, unit, desc, clock, seconds
        self.stream = stream if stream is not None else sys.stderr
        self.step = max(1, math.ceil(total * every))
        self.done, self.enabled, self.bar = 0, enabled and total > 0, None
        if self.enabled and (issubclass(tqdm, tqdm_notebook) or getattr(self.stream, "isatty", lambda: False)()):
            self.bar = tqdm(total=total, unit=unit, desc=desc, file=None if stream is None else stream)
        self.started = self.last_time = clock()
        self.last_done = 0

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled:
            now = self.clock()
            if self.done - self.last_done >= self.step or now - self.last_time >= self.seconds or self.done >= self.total:
                self._line(now)

    def _line(self, now: float) -> None:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else float("inf")
        if self.done >= self.total:
            when = f"{duration(elapsed)} in all"
        else:
            when = f"{duration((self.total - self.done) / rate)} left" if self.done and rate > 0 else "time left unknown"
        print(f"{self.desc}: {self.done}/{self.total} {self.unit}s ({100 * self.done // self.total}%), "
              f"{rate:.2f} {self.unit}/s, {when}", file=self.stream, flush=True)
        self.last_time, self.last_done = now, self.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and self.done != self.last_done:
            self._line(self.clock())
