"""Before a run writes anything: can it write where it must (reports/, each force's folder, the log folder)?"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def unwritable(places: list[Path]) -> list[str]:
    """One line per place a run cannot write to (made if missing, then probed with a temp file), naming why."""
    out = []
    for place in places:
        try:
            place.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=place)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            out.append(f"{place}: cannot write there ({exc.strerror or exc}); make it a writable folder, or pass "
                       "--root/--log-dir pointing to one")
    return out


def summary_lines(work: list[tuple[str, str]], problems: list[str]) -> list[str]:
    """The run's summary when nothing could be started: every selected force-quarter, not built, and why."""
    lines = ["Summary", "nothing was built or changed: the run cannot write its reports or log"]
    lines += [f"  - {p}" for p in problems]
    lines += [f"{f}  {q}  not built" for f, q in work]
    lines.append(f"0 built, 0 skipped, {len(work)} not started")
    return lines
