"""Escaping for the contexts report text lands in besides HTML (which Jinja autoescapes): CSS strings.

Matplotlib text is literal because charts set ``text.parse_math`` off; PDF metadata comes from the escaped ``<title>``.
"""

from __future__ import annotations

import re

_CSS_SAFE = re.compile(r"[A-Za-z0-9 ,.·—–:;()'_-]")


def css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string (CSS Syntax Level 3, section 4.3.7: hex escapes).

    Every character outside a small safe set becomes a six-digit hex escape, so ``"``, ``\\``, ``<``, ``>``, newlines
    and control characters can neither end the string, the rule nor the ``<style>`` element it sits in.
    """
    out = []
    for ch in text:
        if _CSS_SAFE.fullmatch(ch):
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(" ")  # control characters and lone surrogates mean nothing in a footer: shown as a space
        else:
            out.append(f"\\{ord(ch):06x}")
    return "".join(out)

