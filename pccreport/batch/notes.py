"""What a published report had to leave out (narrative, measures not supplied): "built with warnings", "built empty"."""

from __future__ import annotations

from ..config import Paths

WARNED = "built with warnings"
EMPTY = "built empty"  # published with --allow-empty although no measure has data
EMPTY_NOTE = "empty report: none of the {n} measures has data (published because --allow-empty was given)"


def report_warnings(paths: Paths, force: str, quarter: str) -> list[str]:
    """Warnings for a published force-quarter: no measure has data, narrative missing, measures not supplied."""
    from ..inputs.validate import measure_count, not_supplied

    out: list[str] = []
    report = paths.report_dir(force, quarter)
    missing = not_supplied(report)
    total = measure_count(report)
    if total and len(missing) == total:
        out.append(EMPTY_NOTE.format(n=total))
    if not (paths.params / force / f"{quarter}.yaml").exists():
        out.append(f"narrative not supplied (no params/{force}/{quarter}.yaml): the report says so in each section")
    if missing:
        out.append(f"data not supplied: {', '.join(missing)}")
    return out


def status_for(warnings: list[str]) -> str:
    """The status of a published build with these warnings: built empty, built with warnings, or built."""
    if any(w.startswith(EMPTY_NOTE.split("{")[0]) for w in warnings):
        return EMPTY
    return WARNED if warnings else "built"
