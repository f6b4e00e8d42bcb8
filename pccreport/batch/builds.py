"""A force's build folder, reports/<force>/.builds/: what is ours in it, and the builds killed runs left behind.

Apart from build.py so that a run which builds nothing (every force-quarter unchanged, each tidied under its lock)
does not import what building needs.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from ..config import Paths
from ..errors import PccReportError

log = logging.getLogger("pccreport")
BUILDS = ".builds"  # finished and in-progress builds; reports/<force>/<quarter> is a symlink to one


def clean_stale_builds(paths: Paths, force: str, quarter: str) -> list[Path]:
    """Remove builds of ``quarter`` left by killed runs (anything under .builds/ not currently published).

    Call only while holding the force-quarter lock: then no other run can be writing one of them.
    """
    final = paths.report_dir(force, quarter)
    builds = final.parent / BUILDS
    if builds.is_symlink() or not builds.is_dir():
        return []  # nothing of ours to clean; a linked .builds/ is refused by build() before anything is written
    current = link_target(final)
    removed = []
    for p in sorted(builds.glob(f"{quarter}-*")):
        if p != current and remove_own(p, builds):
            removed.append(p)
    for p in final.parent.glob(".link-*"):  # a symlink made but not yet renamed when a run was killed
        if p.is_symlink() and Path(os.readlink(p)).name.startswith(f"{quarter}-"):
            p.unlink(missing_ok=True)
    return removed


def check_builds_dir(builds: Path) -> None:
    """Refuse a ``.builds/`` that is a symlink or not a folder: builds are made and deleted only in our own folder."""
    if builds.is_symlink() or (builds.exists() and not builds.is_dir()):
        raise PccReportError(f"{builds.parent.name}/{BUILDS} is a link or a file, not the report's own build folder; "
                             f"move it away and run again (nothing was written or deleted)")


def link_target(final: Path) -> Path | None:
    """Where the published symlink points, as a lexical path (no symlink resolved), or None if it is not a link."""
    if not final.is_symlink():
        return None
    return Path(os.path.normpath(final.parent / os.readlink(final)))


def remove_own(p: Path, builds: Path) -> bool:
    """Delete ``p`` only if it is one of our builds: directly in ``builds`` by its own name, a real folder (a link
    there is unlinked, never followed). Anything else is left where it is; returns whether something was removed."""
    p = Path(os.path.normpath(p))
    if p.parent != Path(os.path.normpath(builds)) or builds.is_symlink():
        log.warning("not removing %s: it is outside the report's build folder", p.name)
        return False
    if p.is_symlink() or p.is_file():
        p.unlink(missing_ok=True)
        return True
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
        return True
    return False
