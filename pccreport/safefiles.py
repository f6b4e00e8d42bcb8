"""Bounded, regular-file-only reading of inputs: no FIFO, device or symlink out of the data folder, no endless read."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from .errors import InputError, Problem

MAX_INPUT_BYTES = 512 * 1024 * 1024  # largest raw file read (a data.police.uk month for the Met is ~30 MB)
MAX_YAML_BYTES = 2 * 1024 * 1024  # analyst YAML is a few KB; more is a mistake or an attack
HASH_SECONDS = 120.0  # time bound for hashing one file (a 512 MB file hashes in ~2 s)


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
        if time.monotonic() > deadline:
            raise InputError(path, [Problem("(file)", f"took more than {seconds:.0f} s to read")],
                             "check the file is on a working local disk")
