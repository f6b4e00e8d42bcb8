"""One lock per force-quarter so two runs (cron overlap, two Dask workers) never write the same report at once."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import PccReportError


class LockBusy(PccReportError):
    """Another process holds the lock for this force-quarter."""


class ForceQuarterLock:
    """An exclusive ``flock`` on ``reports/<force>/.locks/<quarter>.lock``.

    ``flock`` is released by the kernel when the holder exits for any reason (including SIGKILL), so a killed run
    never leaves a stale lock behind. The file holds the holder's pid and host for whoever is diagnosing a wait.
    """

    def __init__(self, reports: Path, force: str, quarter: str):
        self.path = reports / force / ".locks" / f"{quarter}.lock"
        self._fd: int | None = None

    def acquire(self, wait: bool = False) -> "ForceQuarterLock":
        """Take the lock (waiting for it if ``wait``); else raise LockBusy naming the holder if another run has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown process"
            os.close(fd)
            raise LockBusy(f"another run ({holder}) is building this force-quarter; it was left to that run") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ForceQuarterLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
