"""What a published report had to leave out (narrative, measures not supplied): "built with warnings", "built empty"."""

from __future__ import annotations

import csv
from pathlib import Path

from ..config import Paths

WARNED = "built with warnings"
EMPTY = "built empty"  # published with --allow-empty although no measure has data
EMPTY_NOTE = "empty report: none of the {n} measures has data (published because --allow-empty was given)"


def report_warnings(paths: Paths, force: str, quarter: str) -> list[str]:
    """Warnings for a published force-quarter: no measure has data, narrative missing, measures not supplied."""
    out: list[str] = []
    rows = _scorecard_rows(paths.report_dir(force, quarter))
    # "data not supplied" and "national figures not supplied" (report/scorecard.py): either way the measure has no data
    missing = [r["metric_id"] for r in rows if r["verdict"].endswith("not supplied")]
    total = len(rows)
    if total and len(missing) == total:
        out.append(EMPTY_NOTE.format(n=total))
    if not (paths.params / force / f"{quarter}.yaml").exists():
        out.append(f"narrative not supplied (no params/{force}/{quarter}.yaml): the report says so in each section")
    if missing:
        out.append(f"data not supplied: {', '.join(missing)}")
    return out


def _scorecard_rows(report: Path) -> list[dict[str, str]]:
    """The rows of a built report's scorecard.csv as text (none when it has none).

    Read by the csv module: every skipped force-quarter of a run is read here, and an unchanged run does not import
    pandas for that.
    """
    try:
        with open(report / "scorecard.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (FileNotFoundError, NotADirectoryError):
        return []


def status_for(warnings: list[str]) -> str:
    """The status of a published build with these warnings: built empty, built with warnings, or built."""
    if any(w.startswith(EMPTY_NOTE.split("{")[0]) for w in warnings):
        return EMPTY
    return WARNED if warnings else "built"
