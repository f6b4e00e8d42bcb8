"""Route a data.police.uk download (custom download or monthly archive: one zip, many forces) to each force's folder.

``python -m pccreport.ingest.route_download archive.zip [--root R]`` puts every ``YYYY-MM/YYYY-MM-<force>-street.csv``
(and ``-outcomes.csv``) member into ``data/raw/police_uk/<force>/YYYY-MM/``, after checking every member first: the
force in the file name is in params/forces.yaml and the file's ``Falls within`` column names that force. Nothing is
written unless every member passes; a file already there with the same bytes is left alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath

from ..config import Paths
from ..errors import InputError, PccReportError, Problem
from ..hashing import atomic_write_bytes
from ..registry import load_registry
from ..safefiles import read_bounded
from .rawfiles import member_chunks, member_info, open_zip

_MEMBER_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-([a-z][a-z-]*)-(street|outcomes)\.csv$")


def _header_problem(zip_path: Path, info: zipfile.ZipInfo, slug: str, want: str) -> Problem | None:
    """Why the member is not the named force's data.police.uk file (header and first row), or None."""
    head, whole = b"", True
    for block in member_chunks(zip_path, info.filename, chunk=1 << 16):
        head += block
        if head.count(b"\n") >= 2 or len(head) >= 1 << 17:
            whole = False  # stopped early: the last character may be cut in two
            break
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if whole or exc.reason != "unexpected end of data":
            line = head[:exc.start].count(b"\n") + 1
            return Problem(info.filename, f"byte 0x{head[exc.start]:02x} on line {line} is not UTF-8 text: not a "
                                          "data.police.uk file (they are UTF-8 CSV)")
        text = head[:exc.start].decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO("\n".join(text.split("\n", 2)[:2])))  # the header and the first row
    first = next(reader, None)
    if reader.fieldnames is None or "Falls within" not in reader.fieldnames:
        return Problem(info.filename, "no 'Falls within' column: not a data.police.uk file")
    if first is not None and first["Falls within"] != want:
        return Problem(f"{info.filename} row 2 'Falls within'", f"the file name says {slug} ({want!r})",
                       value=first["Falls within"])
    return None


def plan_routes(zip_path: Path, paths: Paths) -> list[tuple[str, Path]]:
    """(member name, destination) for every police file in the zip; InputError listing every member that does not fit.

    The archive is read as the ingest reads one: a regular file, every member within the size and compression-ratio
    limits, damage an InputError naming the member. Two members for the same month and force, or an archive with no
    police file at all, are refused: one copy would silently win, or nothing be routed with no word said.
    """
    registry = load_registry(paths)
    problems: list[Problem] = []
    routes: list[tuple[str, Path]] = []
    seen: dict[Path, str] = {}
    with open_zip(zip_path) as z:
        infos = z.infolist()
    for info in infos:
        name = PurePosixPath(info.filename).name
        m = _MEMBER_RE.match(name)
        if info.is_dir() or not m:
            continue
        month, slug, _ = m.groups()
        if slug not in registry:
            problems.append(Problem(info.filename, "the force in the file name is not in params/forces.yaml",
                                    value=slug))
            continue
        dest = paths.police_uk_raw(slug) / month / name
        if dest in seen:
            problems.append(Problem(info.filename, f"the same month and force as {seen[dest]!r}: only one can be "
                                                   "copied"))
            continue
        seen[dest] = info.filename
        try:
            with open_zip(zip_path) as z:
                member_info(z, zip_path, info.filename)  # size and ratio, before a byte is inflated
            problem = _header_problem(zip_path, info, slug, registry[slug].police_uk_name)
        except InputError as exc:
            problems += [Problem(info.filename, p.message) for p in exc.problems]
            continue
        if problem:
            problems.append(problem)
        else:
            routes.append((info.filename, dest))
    if not problems and not routes:
        problems.append(Problem("(file)", "holds no data.police.uk street or outcomes file "
                                          "(YYYY-MM/YYYY-MM-<force>-street.csv)"))
    if problems:
        raise InputError(zip_path, problems, "nothing was copied; fix or remove the files named, or download again")
    return routes


def route(zip_path: Path, paths: Paths) -> dict[str, int]:
    """Copy every routed member into place (atomically, unchanged files left alone); files written per force."""
    routes = plan_routes(zip_path, paths)
    written: dict[str, int] = {}
    for member, dest in routes:
        data = b"".join(member_chunks(zip_path, member))  # bounded and CRC-checked, like every member read
        if os.path.lexists(dest):
            # What is there must be a file delivered before (not a FIFO, device or link out): compared, then replaced.
            if read_bounded(dest, dest.parent) == data:
                continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(dest, data)
        force = dest.parent.parent.name
        written[force] = written.get(force, 0) + 1
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: route one or more downloads; exit 1 (nothing copied from that zip) on a mismatch."""
    ap = argparse.ArgumentParser(prog="python -m pccreport.ingest.route_download", description=__doc__.splitlines()[0])
    ap.add_argument("zip", nargs="+", help="data.police.uk download(s), e.g. ~/Downloads/2025-12.zip")
    ap.add_argument("--root", help="data root (default: $PCCREPORT_ROOT, else this project)")
    args = ap.parse_args(argv)
    paths = Paths.discover(args.root)
    bad = 0
    for z in args.zip:
        try:
            written = route(Path(z), paths)
        except PccReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
            continue
        done = ", ".join(f"{f}: {n}" for f, n in sorted(written.items())) or "nothing new"
        print(f"{z}: files written under {paths.raw / 'police_uk'} ({done})")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
