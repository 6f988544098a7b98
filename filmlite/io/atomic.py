"""Writing a file all or nothing: a hidden temporary file (`.NAME.*.tmp`) in the target's folder, renamed over the
target when complete. A crash, a full disk, Ctrl-C or `kill` mid-write leaves any old file untouched and no
temporary file behind. Every writer in filmlite (checkpoints, images, videos, GIFs, PNG frames, logs, JSON) goes
through `PendingFile`, directly or by `atomic_write`.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class PendingFile:
    """A temporary file next to `path` that becomes `path` on `commit()`, or disappears on `discard()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self.tmp = Path(name)

    def commit(self) -> Path:
        """Give the finished file the permissions a plain `open()` would (mkstemp's are private) and move it into
        place."""
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.path)
        return self.path

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


def atomic_write(path: str | Path, write, sync: bool = True) -> Path:
    """Call `write(f)` on a binary file that becomes `path` only when complete, flushed to disk first (`sync`)."""
    pending = PendingFile(path)
    try:
        with open(pending.tmp, "wb") as f:
            write(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        return pending.commit()
    except BaseException as error:
        pending.discard()
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"No space left on device to write {path} (nothing was written); free some "
                                        "space or write elsewhere") from None
        raise
