"""Bounded, regular-file-only reading of inputs: no FIFO, device or symlink out of the data folder, no endless read."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from .errors import InputError, Problem

T = TypeVar("T")

MAX_INPUT_BYTES = 512 * 1024 * 1024  # largest raw file read (a data.police.uk month for the Met is ~30 MB)
MAX_YAML_BYTES = 2 * 1024 * 1024  # analyst YAML is a few KB; more is a mistake or an attack
HASH_SECONDS = 120.0  # time bound for hashing one file (a 512 MB file hashes in ~2 s)
INGEST_SECONDS = 600.0  # default bound on one ingest or fingerprint as a whole, as on each notebook (--timeout)

# (deadline on the monotonic clock, the bound in seconds) of the innermost time_bound block, if any.
_BOUND: ContextVar[tuple[float, float] | None] = ContextVar("pccreport_read_bound", default=None)


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Bound all reading inside the block to ``seconds`` of wall time; an enclosing tighter bound still applies."""
    deadline = time.monotonic() + seconds
    outer = _BOUND.get()
    token = _BOUND.set((deadline, seconds) if outer is None or deadline < outer[0] else outer)
    try:
        yield
    finally:
        _BOUND.reset(token)


def time_left() -> float | None:
    """Seconds left in the current bound (may be negative), or None outside any ``time_bound``."""
    b = _BOUND.get()
    return None if b is None else b[0] - time.monotonic()


def time_error(path: Path | str) -> InputError:
    """The error for a read stopped by the bound, naming the file (or files) being read."""
    b = _BOUND.get()
    seconds = b[1] if b else 0.0
    return InputError(path, [Problem("(file)", f"reading the inputs took more than {seconds:g} s, the time bound "
                                               "of one ingest; stopped while reading this")],
                      "check the file is on a working local disk and not still being written, or raise --timeout")


def check_time(path: Path | str) -> None:
    """InputError naming ``path`` if the current bound has passed (a no-op outside any ``time_bound``)."""
    left = time_left()
    if left is not None and left < 0:
        raise time_error(path)


def call_within_bound(fn: Callable[[], T], path: Path | str) -> T:
    """``fn()``, but given up with ``time_error(path)`` once the current bound passes (for an engine call that
    cannot be interrupted, e.g. a polars query: it runs on in a daemon thread, bounded by the size of its files,
    and its result is dropped)."""
    left = time_left()
    if left is None:
        return fn()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(max(left, 0.0))
    if worker.is_alive():
        raise time_error(path)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def check_regular(path: Path, within: Path | None = None, limit: int = MAX_INPUT_BYTES) -> os.stat_result:
    """The file's stat if it is a regular file of at most ``limit`` bytes (inside ``within`` once symlinks resolve).

    Raises InputError naming the file otherwise: a FIFO or device would block or never end, and a symlink out of
    the data folder would read a file nobody delivered.
    """
    if within is not None:
        real, root = Path(os.path.realpath(path)), Path(os.path.realpath(within))
        if real != root and root not in real.parents:
            raise InputError(path, [Problem("(file)", f"is a link to a place outside {within.name}/")],
                             f"copy the file itself into {within.name}/ instead of linking to it")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(path, [Problem("(file)", f"cannot be read: {exc.strerror}")],
                         "check the file exists and is readable") from exc
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, [Problem("(file)", "is not a regular file (a FIFO, device, socket or folder)")],
                         "replace it with the data file itself")
    if st.st_size > limit:
        raise InputError(path, [Problem("(file)", f"is {st.st_size:,} bytes, more than the limit of {limit:,}")],
                         "check it is the right file; split it or raise the limit if it really is this large")
    return st


def open_regular(path: Path, within: Path | None = None, limit: int = MAX_INPUT_BYTES):
    """Open a checked regular file for binary reading without ever blocking on a FIFO (O_NONBLOCK, then fstat)."""
    check_regular(path, within, limit)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)  # the file may have been swapped for a FIFO between the check and the open
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise InputError(path, [Problem("(file)", "changed into something other than a regular file while read")],
                             "run again once the file is in place")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path, within: Path | None = None, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a checked regular file, never more than ``limit`` even if it grows while read."""
    with open_regular(path, within, limit) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise InputError(path, [Problem("(file)", f"grew past the limit of {limit:,} bytes while read")],
                         "run again once the file is complete")
    return data


def read_chunks(f, path: Path, chunk: int = 1 << 20, seconds: float = HASH_SECONDS):
    """Yield blocks of an open file, stopping with an InputError if reading takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    while block := f.read(chunk):
        yield block
        check_time(path)
        if time.monotonic() > deadline:
            raise InputError(path, [Problem("(file)", f"took more than {seconds:.0f} s to read")],
                             "check the file is on a working local disk")
