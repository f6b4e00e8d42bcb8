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
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath

from ..config import Paths
from ..errors import InputError, PccReportError, Problem
from ..hashing import atomic_write_bytes
from ..registry import load_registry

_MEMBER_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-([a-z][a-z-]*)-(street|outcomes)\.csv$")
MAX_MEMBER_BYTES = 512 * 2**20  # a month of the largest force is ~30 MB; anything far bigger is not a street file


def plan_routes(zip_path: Path, paths: Paths) -> list[tuple[str, Path]]:
    """(member name, destination) for every police file in the zip; InputError listing every member that does not fit."""
    registry = load_registry(paths)
    problems: list[Problem] = []
    routes: list[tuple[str, Path]] = []
    try:
        z = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(zip_path, [Problem("(file)", f"not a readable zip archive: {exc}")],
                         "download the archive again from data.police.uk") from exc
    with z:
        for info in z.infolist():
            name = PurePosixPath(info.filename).name
            m = _MEMBER_RE.match(name)
            if info.is_dir() or not m:
                continue
            month, slug, _ = m.groups()
            if slug not in registry:
                problems.append(Problem(info.filename, "the force in the file name is not in params/forces.yaml",
                                        value=slug))
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                problems.append(Problem(info.filename, f"larger than {MAX_MEMBER_BYTES // 2**20} MB uncompressed",
                                        value=info.file_size))
                continue
            with z.open(info) as fh:
                head = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
                reader = csv.DictReader(head)
                first = next(reader, None)
            want = registry[slug].police_uk_name
            if reader.fieldnames is None or "Falls within" not in reader.fieldnames:
                problems.append(Problem(info.filename, "no 'Falls within' column: not a data.police.uk file"))
            elif first is not None and first["Falls within"] != want:
                problems.append(Problem(f"{info.filename} row 2 'Falls within'",
                                        f"the file name says {slug} ({want!r})", value=first["Falls within"]))
            else:
                routes.append((info.filename, paths.police_uk_raw(slug) / month / name))
    if problems:
        raise InputError(zip_path, problems, "nothing was copied; fix or remove the files named, or download again")
    return routes


def route(zip_path: Path, paths: Paths) -> dict[str, int]:
    """Copy every routed member into place (atomically, unchanged files left alone); files written per force."""
    routes = plan_routes(zip_path, paths)
    written: dict[str, int] = {}
    with zipfile.ZipFile(zip_path) as z:
        for member, dest in routes:
            data = z.read(member)
            if dest.exists() and dest.read_bytes() == data:
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
