"""Before a run writes anything: can it write where it must (reports/, each force's folder, the log folder, and
for a build data/processed/ and the temp folder)?"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def unwritable(places: list[Path], hints: dict[Path, str] | None = None) -> list[str]:
    """One line per place a run cannot write to (made if missing, then probed with a temp file), naming why and,
    from ``hints``, what to do about it."""
    out = []
    for place in places:
        try:
            place.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=place)
            try:
                # A block written and flushed, not only a name made: a full disk still has room for an empty file.
                os.write(fd, b"\0" * 4096)
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
        except OSError as exc:
            if place.exists() and not place.is_dir():
                exc.strerror = "it is a file, not a folder"
            hint = (hints or {}).get(place, "make it a writable folder, or pass --root/--log-dir pointing to one")
            out.append(f"{place}: cannot write there ({exc.strerror or exc}); {hint}")
    return out


def summary_lines(work: list[tuple[str, str]], problems: list[str]) -> list[str]:
    """The run's summary when nothing could be started: every selected force-quarter, not built, and why."""
    lines = ["Summary", "nothing was built or changed: the run cannot write where it must (reports, log, data or temp)"]
    lines += [f"  - {p}" for p in problems]
    lines += [f"{f}  {q}  not built" for f, q in work]
    lines.append(f"0 built, 0 skipped, {len(work)} not started")
    return lines
