"""The project's own error types: every message names what was wrong and what to do next."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates: in a terminal, a log or a
# summary line they move the cursor, recolour or clear the screen, start a forged line, or reorder what is read.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``str(text)`` with every control or bidi character written as a visible escape (``\\x1b``, ``\\n``,
    ``\\u202e``): a message quoting an input can then neither forge a line nor drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))


def printable_lines(text: str) -> str:
    """Several lines of text (a log, a traceback), each made :func:`printable`; only the line breaks are kept."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


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
        return printable(f"{where}field '{self.field}': {self.message}{val}")


@dataclass
class InputError(PccReportError):
    """An input file failed validation; carries every problem found, not only the first."""

    path: Path | str
    problems: list[Problem] = field(default_factory=list)
    hint: str = ""

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{printable(self.path)}: {len(self.problems)} problem(s)"]
        shown = self.problems[:50]
        lines += [f"  - {p.describe()}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        if self.hint:
            lines.append(f"  How to fix: {printable(self.hint)}")
        return "\n".join(lines)
