"""One lock per force-quarter so two runs (cron overlap, two Dask workers) never write the same report at once."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
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
        fd = self._open()
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

    def _open(self) -> int:
        """The lock file, opened without following a link: the lock truncates and writes its file, so a link (or a
        hard link) planted there would empty whatever it points to. Such a file is refused as unwritable."""
        folder = self.path.parent
        if folder.is_symlink():
            raise OSError(errno.ELOOP, f"{folder.name}/ is a link, not a folder of lock files; remove the link")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OSError(errno.ELOOP, f"the lock file {folder.name}/{self.path.name} is a link; remove it") from exc
            raise
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            os.close(fd)
            what = "not a regular file" if not stat.S_ISREG(st.st_mode) else "a hard link to another file"
            raise OSError(errno.EPERM, f"the lock file {folder.name}/{self.path.name} is {what}; remove it")
        return fd

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
