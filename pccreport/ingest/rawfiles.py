"""Reading raw delivered files safely: zip members bounded in size and ratio, damage reported as an InputError naming
the archive, the member and the place, and the line of a byte that is not UTF-8."""

from __future__ import annotations

import codecs
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, Problem
from ..safefiles import MAX_INPUT_BYTES, check_regular, check_time, open_regular, read_bounded, read_chunks

# A data.police.uk CSV deflates about 5 to 10 times; a member far beyond that is a zip bomb, not a month of crime.
MAX_ZIP_RATIO = 100
# data.police.uk's largest download (every force, three years, three kinds) has about 5,000 members; zipfile reads
# the whole central directory into memory when it opens an archive (about 0.5 KB a member), so the count is checked
# from the end record first.
MAX_ZIP_MEMBERS = 100_000
# A national table is read whole: the ONS workbooks are about 1 MB, the Home Office open data table about 5 MB.
MAX_TABLE_BYTES = 64 * 1024 * 1024


def read_table(path: Path, within: Path | None = None) -> bytes:
    """The bytes of a national table (ONS, Home Office): a regular file of at most ``MAX_TABLE_BYTES``."""
    check_time(path)
    return read_bounded(path, within, MAX_TABLE_BYTES)


def check_workbook(path: Path, data: bytes) -> None:
    """Refuse an xlsx/ods (a zip) with a member that would inflate past the size or ratio limits, before it is opened.

    A workbook that is not a zip at all is left to the reader, which names it as unreadable.
    """
    import io

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return
    with z:
        total = 0
        for info in z.infolist():
            member_info(z, path, info.filename)
            total += info.file_size
        if total > MAX_INPUT_BYTES:
            raise InputError(path, [Problem("(file)", f"inflates to {total:,} bytes, more than the limit of "
                                                      f"{MAX_INPUT_BYTES:,}")],
                             "check it is the published workbook; re-download it")
        # Every part inflated once, its CRC checked (a few MB for a published workbook): damage is named here, by
        # part, for every reader (openpyxl, pandas), instead of surfacing from inside theirs as zlib.error.
        for info in z.infolist():
            done = 0
            try:
                with z.open(info) as f:
                    while block := f.read(1 << 20):
                        done += len(block)
                        check_time(path)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise InputError(f"{path}!{info.filename}", [Problem("(member)", f"damaged after byte {done:,} of "
                                                                     f"{info.file_size:,}: {exc}")],
                                 "the workbook is corrupt; re-download it from the publisher") from exc


def open_zip(zp: Path, within: Path | None = None) -> zipfile.ZipFile:
    """Open an archive that is a regular file (not a FIFO or a link out of ``within``); InputError if unreadable."""
    with open_regular(zp, within) as f:
        try:
            end = zipfile._EndRecData(f)  # noqa: SLF001 - the end record zipfile itself reads first (zip64 too)
        except OSError:
            end = None  # not a zip: said below
    members = end[zipfile._ECD_ENTRIES_TOTAL] if end else 0  # noqa: SLF001
    if members > MAX_ZIP_MEMBERS:
        raise InputError(zp, [Problem("(file)", f"holds {members:,} members, more than the limit of "
                                                f"{MAX_ZIP_MEMBERS:,} (not a data.police.uk download)")],
                         "check it is the right archive; unpack the months you need and deliver those")
    try:
        return zipfile.ZipFile(zp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(zp, [Problem("(file)", f"not a readable zip archive: {exc}")],
                         "re-download the archive from data.police.uk") from exc


def member_info(z: zipfile.ZipFile, zp: Path, member: str) -> zipfile.ZipInfo:
    """The member's entry, refused before any byte is inflated if it is too large or compressed too well."""
    info = z.getinfo(member)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MAX_INPUT_BYTES:
        raise InputError(f"{zp}!{member}", [Problem("(member)", f"expands to {info.file_size:,} bytes, more than the "
                                                                  f"limit of {MAX_INPUT_BYTES:,}")],
                         "check it is the right archive; unpack it and deliver the CSVs if it really is this large")
    if ratio > MAX_ZIP_RATIO:
        raise InputError(f"{zp}!{member}", [Problem("(member)", f"compressed {ratio:.0f} to 1, more than the limit of "
                                                                  f"{MAX_ZIP_RATIO} to 1 (a zip bomb, not a CSV)")],
                         "re-download the archive from data.police.uk")
    return info


def member_chunks(zp: Path, member: str, within: Path | None = None, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The member's bytes in blocks, within the size, ratio and time bounds; damage is an InputError naming the
    archive, the member and the byte of the member where reading failed."""
    done = 0
    with open_zip(zp, within) as z:
        info = member_info(z, zp, member)
        try:
            with z.open(info) as f:
                for block in read_chunks(f, Path(f"{zp}!{member}"), chunk):
                    done += len(block)
                    if done > info.file_size:  # zipfile stops at the declared size; this is belt and braces
                        raise zipfile.BadZipFile("member is longer than its declared size")
                    yield block
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputError(f"{zp}!{member}", [Problem("(member)", f"damaged after byte {done:,} of "
                                                                      f"{info.file_size:,}: {exc}")],
                             "the archive is corrupt; re-download it from data.police.uk") from exc


def check_members(zp: Path, members: list[str], within: Path | None = None) -> None:
    """Inflate every listed member once (CRC checked) so a damaged archive is found by ``--check`` too."""
    for m in members:
        for _ in member_chunks(zp, m, within):
            pass


def utf8_problem(path: Path, header_lines: int = 1) -> Problem | None:
    """The first byte that is not UTF-8, at its data row, line and column (not the decoder's buffer offset)."""
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                row = lineno - header_lines if lineno > header_lines else None
                msg = (f"byte 0x{raw[exc.start]:02x} at line {lineno}, column {exc.start + 1} is not UTF-8 text "
                       "(saved as Latin-1 or Windows-1252?)")
                return Problem("(text)" if row is None else "(record)", msg, row=row)
    return None


def check_utf8(path: Path, hint: str = "save the file as UTF-8, or re-download it") -> None:
    """InputError naming the line and column of the first byte that is not UTF-8; a CSV reader would otherwise
    replace it silently (DuckDB does) and the value would no longer be what was delivered."""
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_regular(path) as f:
            for block in read_chunks(f, path):
                dec.decode(block)
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        problem = utf8_problem(path) or Problem("(file)", "ends inside a UTF-8 character (file truncated?)")
        raise InputError(path, [problem], hint) from None
