"""One read of a delivered CSV's bytes gives its SHA-256, whether it is UTF-8, and how many field separators lie
outside quoted fields: enough to prove, beside the CSV engine's row count, that every record has every field.

Why: polars' reader pads a record with too few fields with nulls and says nothing (a file cut off at a line end
would read as valid rows). A record of ``k`` fields holds ``k - 1`` separators outside quotes; a reader that refuses
records with too many fields (``truncate_ragged_lines=False``) has then read ``rows`` full records exactly when the
file holds ``(columns - 1) * (rows + 1)`` such separators (the header included). A file that does not add up, or
holds blank lines, is read again record by record (``csv`` module) to name the row.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

_QUOTE, _COMMA = 0x22, 0x2C


@dataclass(frozen=True)
class Shape:
    """What one pass over a file's bytes found."""

    sha256: str
    utf8: bool
    separators: int  # commas outside quoted fields

    def full_records(self, rows: int, columns: int) -> bool:
        """True if ``rows`` data records plus the header account for every separator (no record short)."""
        return self.separators == (columns - 1) * (rows + 1)


def scan(blocks: Iterable[bytes]) -> Shape:
    """Hash, UTF-8 check and separator count of a file given as consecutive blocks (e.g. ``read_chunks``)."""
    h = hashlib.sha256()
    dec = codecs.getincrementaldecoder("utf-8")()
    utf8, seps, inside = True, 0, False  # inside: an odd number of quotes seen so far (within a quoted field)
    for block in blocks:
        h.update(block)
        if utf8 and not (block.isascii() and not dec.getstate()[0]):
            try:
                dec.decode(block)
            except UnicodeDecodeError:
                utf8 = False
        arr = np.frombuffer(block, np.uint8)
        if not inside and b'"' not in block:
            seps += int(np.count_nonzero(arr == _COMMA))
            continue
        # A comma is outside quotes when an even number of quotes precede it (a doubled quote "" inside a quoted
        # field flips twice, so it keeps the count right).
        quotes = np.flatnonzero(arr == _QUOTE)
        before = np.searchsorted(quotes, np.flatnonzero(arr == _COMMA)) + int(inside)
        seps += int(np.count_nonzero((before & 1) == 0))
        inside = bool((len(quotes) + int(inside)) & 1)
    if utf8:
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return Shape(h.hexdigest(), utf8, seps)
