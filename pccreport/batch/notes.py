"""What a published report had to leave out (narrative, measures not supplied): the "built with warnings" status."""

from __future__ import annotations

from ..config import Paths

WARNED = "built with warnings"


def report_warnings(paths: Paths, force: str, quarter: str) -> list[str]:
    """Warnings for a published force-quarter: narrative file missing, measures marked 'data not supplied'."""
    from ..inputs.validate import not_supplied

    out: list[str] = []
    if not (paths.params / force / f"{quarter}.yaml").exists():
        out.append(f"narrative not supplied (no params/{force}/{quarter}.yaml): the report says so in each section")
    missing = not_supplied(paths.report_dir(force, quarter))
    if missing:
        out.append(f"data not supplied: {', '.join(missing)}")
    return out
