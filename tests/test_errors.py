"""Class 1 for text that reaches a terminal or a log: a message quoting an input shows its control and bidi
characters as escapes, so it can neither forge a line (a summary's "1 built, 0 failed") nor drive the terminal."""

from __future__ import annotations

import pytest

from pccreport.errors import InputError, Problem, printable, printable_lines

HOSTILE = {
    "newline forging a line": "x\n1 built, 0 skipped, 0 failed",
    "carriage return overwriting": "x\rOK",
    "ANSI clear screen": "x\x1b[2J\x1b[H",
    "ANSI colour": "\x1b[32mbuilt\x1b[0m",
    "C1 control (CSI)": "x\x9b2J",
    "right-to-left override": "x\u202edeliub",
    "first-strong isolate": "x\u2068y\u2069",
    "NUL and DEL": "x\x00\x7f",
    "backspaces": "failed\x08\x08\x08\x08\x08\x08built ",
}


def _safe(text: str) -> bool:
    return not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                   "\u2066\u2067\u2068\u2069" for c in text)


@pytest.mark.parametrize("name", HOSTILE)
def test_printable_leaves_nothing_a_terminal_obeys_and_keeps_the_text_readable(name):
    text = HOSTILE[name]
    out = printable(text)
    assert _safe(out)
    for c in text:  # each character is still there: as itself, or as its visible escape
        assert (c if _safe(c) else c.encode("unicode_escape").decode("ascii")) in out


def test_ordinary_text_is_unchanged():
    text = "Wiltshire & Swindon — 12% “up”, café, £5; Ynys Môn; 東京"
    assert printable(text) == text and printable_lines(f"{text}\n{text}") == f"{text}\n{text}"


@pytest.mark.parametrize("name", HOSTILE)
def test_an_input_error_quoting_hostile_text_is_one_line_per_problem(name):
    """The path (a zip member's name), the field (a workbook's sheet name), the message and the hint."""
    bad = HOSTILE[name]
    exc = InputError(f"data.zip!{bad}.csv", [Problem(f"Sheet{bad}", f"no header named {bad}", row=3, value=bad)],
                     f"rename {bad}")
    lines = str(exc).split("\n")
    assert len(lines) == 3 and all(_safe(line) for line in lines)
    assert lines[0].startswith("data.zip!") and "row 3 (line 4)" in lines[1] and lines[2].startswith("  How to fix")
