"""reports/index.html: every force and quarter with a published report or a recorded attempt, with links and status."""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..config import Paths
from ..hashing import atomic_write_json, atomic_write_text
from ..registry import is_slug
from .manifest import read_manifest

_ENV = Environment(loader=PackageLoader("pccreport.batch", "templates"), autoescape=select_autoescape(["html", "j2"]))
_QUARTER = re.compile(r"\d{4}-Q[1-4]", re.ASCII)  # always fullmatch: "$" alone lets "2023-Q1\n" in
STATUS_DIR = ".status"


def record_attempt(paths: Paths, result: dict) -> None:
    """Remember the last attempt at a force-quarter (built, skipped, failed, locked) for the index."""
    if not _QUARTER.fullmatch(str(result.get("quarter", ""))):
        return
    keep = {k: result.get(k) for k in ("status", "error", "notebook", "cell", "reason", "seconds", "warnings")}
    keep["attempted_at"] = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    folder = paths.reports / result["force"] / STATUS_DIR
    try:
        if folder.is_symlink():  # like .builds/ and .locks/: never written through a link to somewhere else
            raise OSError(errno.ELOOP, f"{STATUS_DIR}/ is a link, not a folder; remove the link")
        atomic_write_json(folder / f"{result['quarter']}.json", keep)
    except OSError as exc:  # the run's summary still says what happened; only the index loses this line
        logging.getLogger("pccreport").error("cannot record the status of %s %s (%s); the index will not show it",
                                             result["force"], result["quarter"], exc.strerror or exc)


def _row(paths: Paths, force: str, quarter: str) -> dict:
    report = paths.report_dir(force, quarter)
    stem = f"{force}-{quarter}"
    row = {"force": force, "quarter": quarter, "html": None, "pdf": None, "csv": None, "built_at": None,
           "seconds": None, "status": "", "detail": "", "attempted_at": ""}
    if report.exists():
        for key, name in (("html", f"{stem}-report.html"), ("pdf", f"{stem}-report.pdf"), ("csv", "scorecard.csv")):
            if (report / name).exists():
                row[key] = f"{force}/{quarter}/{name}"
        man = read_manifest(report) or {}
        row["built_at"], row["seconds"] = man.get("built_at"), man.get("seconds")
        row["status"] = "built"
    try:
        last = json.loads((paths.reports / force / STATUS_DIR / f"{quarter}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = None
    if last:
        row["status"], row["attempted_at"] = last.get("status", ""), last.get("attempted_at", "")
        if last.get("status") == "failed":
            where = " ".join(x for x in (last.get("notebook"), f"cell {last['cell']}" if last.get("cell") else "") if x)
            row["detail"] = f"{where}: {last.get('error', '')}" if where else last.get("error", "")
        elif last.get("status") == "skipped":
            row["detail"] = "unchanged"
        elif last.get("warnings"):  # "built with warnings": what the published report had to leave out
            row["detail"] = "; ".join(last["warnings"])
    return row


def write_index(paths: Paths) -> Path:
    """Scan reports/ and write reports/index.html atomically; returns its path."""
    rows = []
    if paths.reports.exists():
        # Only folders named as a force and a quarter are listed: the names become links, and a folder planted as
        # "javascript:alert(1)" would otherwise be one.
        for fdir in sorted(p for p in paths.reports.iterdir() if p.is_dir() and is_slug(p.name)):
            quarters = {p.name for p in fdir.iterdir() if _QUARTER.fullmatch(p.name)}
            quarters |= ({p.stem for p in (fdir / STATUS_DIR).glob("*.json") if _QUARTER.fullmatch(p.stem)}
                         if (fdir / STATUS_DIR).exists() else set())
            rows += [_row(paths, fdir.name, q) for q in sorted(quarters, reverse=True)]
    out = paths.reports / "index.html"
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    atomic_write_text(out, _ENV.get_template("index.html.j2").render(rows=rows, written_at=now))
    return out
