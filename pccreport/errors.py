"""The project's own error types: every message names what was wrong and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class PccReportError(Exception):
    """Base class for every error pccreport raises on purpose."""


class ParameterError(PccReportError, ValueError):
    """A force, quarter or other run parameter is not valid."""


@dataclass
class Problem:
    """One problem found in an input file: where it is and what was expected."""

    field: str
    message: str
    row: int | None = None  # 1-based data row (header excluded); None for whole-file problems
    value: object = None

    def describe(self) -> str:
        # Rows count data rows from 1; the file line adds the header line.
        where = f"row {self.row} (line {self.row + 1}), " if self.row is not None else ""
        val = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}field '{self.field}': {self.message}{val}"


@dataclass
class InputError(PccReportError):
    """An input file failed validation; carries every problem found, not only the first."""

    path: Path | str
    problems: list[Problem] = field(default_factory=list)
    hint: str = ""

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s)"]
        shown = self.problems[:50]
        lines += [f"  - {p.describe()}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        if self.hint:
            lines.append(f"  How to fix: {self.hint}")
        return "\n".join(lines)
