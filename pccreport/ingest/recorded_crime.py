"""ONS "Police force area data tables" (police recorded crime): tables P1 and P3 of the xlsx workbooks, and the
table P1 / C2 sheets of the year ending June 2025 edition saved as CSV, to one tidy table.

Output (``RECORDED_CRIME_COLUMNS``), one row per (period_end, force, offence_group):

- ``period_end``: 'YYYY-MM', the last month of the 12 months ("year ending December 2019" → '2019-12').
- ``offence_group``: the column heading as ONS prints it, with footnote markers removed. The total row is
  ``TOTAL`` = 'Total recorded crime (excluding fraud)' (the same words in every edition read here).
- ``offence_key``: the group in lower case with ONS's wording variants folded together, for joining editions
  ('Miscellaneous crimes against society' and 'Miscellaneous crimes' → 'miscellaneous crimes';
  'All other theft offences' → 'other theft offences'; the total → 'total recorded crime excluding fraud').
- ``count``: from table P1; NaN when ONS withheld it ('..'), with ``suppressed`` holding ONS's reason (the legend
  note, plus any note attached to the force's name, e.g. Greater Manchester's 2019 IT-system note). Never 0.
- ``population`` / ``population_basis`` / ``ons_rate``: from table P3 (the population ONS divided by, rounded to 100
  as published, and its rate per 1,000) where the edition has P3; NaN and '' otherwise. A rate ONS suppressed
  (City of London's '+') is NaN with the reason in ``rate_suppressed``.

Only the 43 territorial force areas are kept (national, regional and British Transport Police rows are not forces);
they are matched by ONS code and the printed name is checked against the registry.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..registry import Force
from .parquet import read_parquets
from .rawfiles import read_table
from .xlsx import clean_label, find_header_row, open_sheet, sheet_rows

TOTAL = "Total recorded crime (excluding fraud)"
RECORDED_CRIME_COLUMNS = ["period_end", "force", "ons_code", "offence_group", "offence_key", "count", "suppressed",
                          "population", "population_basis", "ons_rate", "rate_suppressed", "source"]
CSP_COLUMNS = ["period_end", "force", "ons_code", "csp_code", "csp_name", "lad_code", "lad_name", "offence_group",
               "offence_key", "count", "suppressed", "source"]
_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], start=1)}
_PERIOD_RE = re.compile(r"year ending (january|february|march|april|may|june|july|august|september|october|"
                        r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\w*\s+(\d{4}|\d{2})(?!\d{2})",
                        re.I)
_FORCE_CODE = re.compile(r"^(E23|W15)\d{6}$")
_NOTE_ROW = re.compile(r"^\s*(\d+)\.\s*(.+)$", re.S)
_NAME_NOTES = re.compile(r"(?<=[A-Za-z\)])\s*(\d+(?:,\s*\d+)*)\s*$")


def empty_recorded_crime() -> pd.DataFrame:
    """The recorded-crime table with no rows."""
    return _typed(pd.DataFrame({c: [] for c in RECORDED_CRIME_COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    if "offence_key" not in df or df["offence_key"].isna().any():
        df["offence_key"] = df["offence_group"].map(_canon) if len(df) else pd.Series(dtype=str)
    for c in ("count", "population", "ons_rate"):
        df[c] = df[c].astype(float)
    for c in set(RECORDED_CRIME_COLUMNS) - {"count", "population", "ons_rate"}:
        df[c] = df[c].astype(str)
    return df[RECORDED_CRIME_COLUMNS]


def period_end(titles: Iterable[str], path: Path) -> str:
    """'YYYY-MM' from the first title that says "year ending <Month> <year>" (the year may carry note digits)."""
    for t in titles:
        for m in _PERIOD_RE.finditer(t or ""):
            month = next(v for k, v in _MONTHS.items() if k.startswith(m.group(1).lower()[:3]))
            year = m.group(2)
            year = int(year) + (2000 if len(year) == 2 else 0)
            if 2000 <= year <= 2099:
                return f"{year}-{month:02d}"
    raise InputError(path, [Problem("(title)", "no 'year ending <Month> <year>' in the table titles")],
                     "keep the ONS title row above the table; it says which 12 months the figures cover")


def _canon(label: str) -> str:
    """A key that matches the same offence group across P1 and P3 headings ('All other theft offences' ≡ 'Other…')."""
    s = label.lower().replace("against society", "").replace("caused by illegal driving", "- unlawful driving")
    s = re.sub(r"^all ", "", s.strip())
    return re.sub(r"[^a-z]+", " ", s).strip()


def _join(texts: list[str]) -> str:
    """ONS notes joined once each, in order (a legend note is often also the note on the force's name)."""
    return " ".join(dict.fromkeys(t for t in texts if t))


def _number(v: object) -> float | None:
    """A published number (int/float, or text with thousands separators and stray spaces); None if not a number."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and not (isinstance(v, float) and np.isnan(v)):
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        if re.fullmatch(r"-?\d+(\.\d+)?", s):
            return float(s)
    return None


class _Table:
    """One ONS table as published: title rows, a header row (with a group-heading row above), data rows, notes."""

    def __init__(self, rows: list[tuple], path: Path, sheet: str, header_test):
        self.path, self.sheet = path, sheet
        rows = [tuple(c.strip() if isinstance(c, str) and not c.strip() == "" else (None if isinstance(c, str) else c)
                      for c in r) for r in rows]
        self.hdr = find_header_row(rows, header_test, path, sheet, "header row starting 'Area Code'/'Police Force'")
        width = max(len(r) for r in rows)
        rows = [r + (None,) * (width - len(r)) for r in rows]
        self.titles = [str(c) for r in rows[:self.hdr] for c in r if isinstance(c, str)]
        self.raw_header = list(rows[self.hdr])
        above = rows[self.hdr - 1] if self.hdr else (None,) * width
        # A heading that spans the header row (P1's total column) is printed only in the row above it.
        self.header = [clean_label(h if h is not None else above[i]) for i, h in enumerate(rows[self.hdr])]
        self.body: list[tuple[int, tuple]] = []
        self.notes: dict[str, str] = {}
        for i, r in enumerate(rows[self.hdr + 1:], start=self.hdr + 2):
            first = r[0]
            if isinstance(first, str) and (m := _NOTE_ROW.match(first)) and all(c is None for c in r[1:]):
                self.notes[m.group(1)] = " ".join(m.group(2).split())
            self.body.append((i, r))

    def legend(self, symbol: str) -> str:
        """ONS's own note explaining a symbol such as '..' or '+', else a plain description."""
        texts = list(self.notes.values()) + self.titles
        for t in texts:
            if f"'{symbol}'" in t or f"{symbol} indicates" in t:
                return " ".join(t.split())
        return f"ONS published {symbol!r} instead of a figure"

    def explains(self, symbol: str) -> bool:
        """Whether the table's own notes or titles say what ``symbol`` means."""
        return any(f"'{symbol}'" in t or f"{symbol} indicates" in t for t in [*self.notes.values(), *self.titles])

    def name_notes(self, raw_name: object) -> list[str]:
        m = _NAME_NOTES.search(str(raw_name or ""))
        if not m:
            return []
        return [self.notes[n.strip()] for n in m.group(1).split(",") if n.strip() in self.notes]


def _match_force(code: str, raw_name: object, by_code: dict[str, Force], path: Path, row: int,
                 field: str) -> tuple[Force | None, Problem | None]:
    force = by_code.get(code)
    if force is None:
        return None, Problem(field, "ONS code of a police force area is not in params/forces.yaml", row=row, value=code)
    name = clean_label(raw_name)
    known = {force.name, force.ons_name, *force.ons_table_names}
    if name.lower() not in {k.lower() for k in known}:
        return None, Problem(field, f"name does not match force {force.slug!r} for code {code} (known names: "
                                    f"{sorted(known)})", row=row, value=name)
    return force, None


def _cell(sheet: str, col: int, excel_row: int, header: str) -> str:
    """A field name that points at the cell: "Table P1 C54 (Total recorded crime (excluding fraud))"."""
    letters, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{sheet} {letters}{excel_row} ({header})"


# The symbols ONS prints in place of a figure (its statistical-symbols guidance): not available, suppressed,
# confidential, not applicable, low reliability, and P3's '+' for City of London's rate. Anything else that is not
# a number is refused, unless the table's own notes explain it: read as "withheld", a stray "NaN", "1e308" or
# "=HYPERLINK(…)" silently replaced a published figure.
ONS_SYMBOLS = {"..", ":", "-", "*", "+", "[x]", "[c]", "[z]", "[u]", "[w]", "[low]"}


def _p1_records(t: _Table, by_code: dict[str, Force], first_value_col: int, code_col: int, name_col: int,
                source: str, period: str, excusable=None, key_cols: tuple[int, ...] | None = None
                ) -> tuple[list[dict], list[Problem], list[str]]:
    """Count records for every force row. A row-level problem is an error, unless ``excusable(row)`` says ONS's own
    table is known to carry such rows (C2's "Unassigned …" rows): those are left out and listed with the reason.

    Each count is a whole number of 0 or more, or a symbol ONS uses for a withheld figure; a row whose ``key_cols``
    (default: the area code) repeat an earlier row's is an error, as either figure could be the published one."""
    records, problems, excluded = [], [], []
    cols = [(i, h) for i, h in enumerate(t.header) if i >= first_value_col and h]
    first_at: dict[tuple, int] = {}
    for excel_row, r in t.body:
        code = str(r[code_col] or "").strip()
        if not _FORCE_CODE.match(code):
            continue
        row = excel_row - t.hdr - 1  # 1-based data row under the header
        force, prob = _match_force(code, r[name_col], by_code, t.path, row,
                                   _cell(t.sheet, name_col, excel_row, t.header[name_col] or "Area Name"))
        row_problems = [prob] if prob else []
        key = tuple(" ".join(str(r[c] or "").split()) for c in (key_cols or (code_col,)))
        if key in first_at:
            row_problems.append(Problem(_cell(t.sheet, code_col, excel_row, t.header[code_col] or "Area Code"),
                                        f"the same area as row {first_at[key]}: only one can be the published "
                                        "figure", row=row, value=code))
        first_at.setdefault(key, row)
        row_records = []
        extra = t.name_notes(r[name_col])
        for i, h in cols:
            if force is None:
                break
            v = r[i]
            n = _number(v)
            if n is None and v is None:
                row_problems.append(Problem(_cell(t.sheet, i, excel_row, h),
                                            "blank where ONS publishes a figure or a symbol", row=row))
                continue
            if n is None and str(v).strip() not in ONS_SYMBOLS and not t.explains(str(v).strip()):
                row_problems.append(Problem(_cell(t.sheet, i, excel_row, h), "neither a number nor a symbol ONS "
                                            "prints for a withheld figure ('..', '[x]', '[c]')", row=row,
                                            value=str(v).strip()[:40]))
                continue
            if n is not None and (n < 0 or n != int(n)):
                row_problems.append(Problem(_cell(t.sheet, i, excel_row, h),
                                            "a count of offences is a whole number of 0 or more", row=row, value=v))
                continue
            reason = "" if n is not None else _join([t.legend(str(v).strip())] + extra)
            row_records.append(dict(period_end=period, force=force.slug, ons_code=code, offence_group=h,
                                    count=np.nan if n is None else n, suppressed=reason, _row=r, source=source))
        if row_problems and excusable and excusable(r):
            excluded.append(f"{source} row {row} ({', '.join(str(c) for c in r[:4] if c)}): left out, "
                            + "; ".join(p.message + (f" (got {p.value!r})" if p.value else "")
                                        for p in row_problems[:1]))
            continue
        problems += row_problems
        records += row_records
    return records, problems, excluded


def read_workbook(path: Path, registry: dict[str, Force]) -> pd.DataFrame:
    """Tables P1 (counts) and P3 (population and rate per 1,000) of one ONS PFA data tables workbook."""
    by_code = {f.ons_code: f for f in registry.values()}
    is_hdr = lambda r: len(r) > 1 and r[0] == "Area Code"  # noqa: E731
    p1 = _Table(sheet_rows(open_sheet(path, ["Table P1"]), path), path, "Table P1", is_hdr)
    period = period_end(p1.titles, path)
    recs, problems, _ = _p1_records(p1, by_code, 2, 0, 1, path.name, period)
    try:
        p3 = _Table(sheet_rows(open_sheet(path, ["Table P3"]), path), path, "Table P3", is_hdr)
    except InputError:
        p3 = None
    pop_by_code: dict[str, tuple[float, str]] = {}
    rate_by_code: dict[tuple[str, str], tuple[float, str]] = {}
    if p3 is not None:
        if period_end(p3.titles, path) != period:
            problems.append(Problem("Table P3 title", f"covers a different year from Table P1 ({period})"))
        pop_i = next((i for i, h in enumerate(p3.raw_header) if h and str(h).startswith("Population")), None)
        if pop_i is None:
            problems.append(Problem("Table P3 header", "no 'Population figures' column", row=p3.hdr + 1))
        else:
            m = re.search(r"mid-(\d{4})", str(p3.raw_header[pop_i]))
            basis = f"mid-{m.group(1)} estimate" if m else clean_label(p3.raw_header[pop_i])
            rate_cols = {}
            for i, h in enumerate(p3.header):
                if i > pop_i and h and "household" not in h.lower():
                    rate_cols.setdefault(_canon(h), i)
            for rownum, r in p3.body:
                code = str(r[0] or "").strip()
                if not _FORCE_CODE.match(code):
                    continue
                pop = _number(r[pop_i])
                pop_by_code[code] = (np.nan if pop is None else pop, basis)
                for key, i in rate_cols.items():
                    v = _number(r[i])
                    reason = "" if v is not None else _join([p3.legend(str(r[i]).strip())] + p3.name_notes(r[1]))
                    rate_by_code[(code, key)] = (np.nan if v is None else v, reason)
    if problems:
        raise InputError(path, problems, "the workbook must be the ONS PFA data tables as published")
    df = pd.DataFrame(recs).drop(columns="_row")
    df["population"] = [pop_by_code.get(c, (np.nan, ""))[0] for c in df["ons_code"]]
    df["population_basis"] = [pop_by_code.get(c, (np.nan, ""))[1] for c in df["ons_code"]]
    rates = [rate_by_code.get((c, _canon(g)), (np.nan, "")) for c, g in zip(df["ons_code"], df["offence_group"])]
    df["ons_rate"] = [r[0] for r in rates]
    df["rate_suppressed"] = [r[1] for r in rates]
    return _typed(df)


def _csv_rows(path: Path) -> list[tuple]:
    try:
        raw = pd.read_csv(io.BytesIO(read_table(path)), header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          skip_blank_lines=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, [Problem("(file)", f"could not be read as CSV: {exc}")],
                         "save the ONS sheet as CSV (UTF-8) or use the published xlsx") from exc
    return [tuple(None if v == "" else v for v in r) for r in raw.itertuples(index=False)]


def read_p1_csv(path: Path, registry: dict[str, Force]) -> pd.DataFrame:
    """Table P1 (counts by offence group and PFA) saved from an ONS workbook as CSV (thousands separators)."""
    by_code = {f.ons_code: f for f in registry.values()}
    t = _Table(_csv_rows(path), path, "Table P1", lambda r: len(r) > 1 and r[0] == "Area Code")
    recs, problems, _ = _p1_records(t, by_code, 2, 0, 1, path.name, period_end(t.titles, path))
    if problems:
        raise InputError(path, problems, "the file must be ONS Table P1 as published, saved as CSV")
    df = pd.DataFrame(recs).drop(columns="_row")
    df["population"], df["population_basis"], df["ons_rate"], df["rate_suppressed"] = np.nan, "", np.nan, ""
    return _typed(df)


def read_c2_csv(path: Path, registry: dict[str, Force]) -> pd.DataFrame:
    """Table C2 (headline offences by community safety partnership) saved as CSV, in ``CSP_COLUMNS``.

    The force total row has empty CSP columns and gets csp_code ''; "Unassigned …" rows keep their name.
    """
    by_code = {f.ons_code: f for f in registry.values()}
    t = _Table(_csv_rows(path), path, "Table C2",
               lambda r: len(r) > 1 and clean_label(r[0]) == "Police Force Area code")
    period = period_end(t.titles, path)
    # ONS's own year ending June 2025 C2 carries two "Unassigned" rows under another force's code (e.g.
    # "E23000032, Surrey, unassigned Surrey", blank): they are left out and listed, not guessed at.
    recs, problems, excluded = _p1_records(t, by_code, 6, 0, 1, path.name, period,
                                           excusable=lambda r: clean_label(r[3]).lower().startswith("unassigned"),
                                           key_cols=(0, 2, 3, 4, 5))  # force, CSP and local authority
    if problems:
        raise InputError(path, problems, "the file must be ONS Table C2 as published, saved as CSV")
    for r in recs:
        row = r.pop("_row")
        r.update(csp_code=str(row[2] or "").strip(), csp_name=clean_label(row[3]),
                 lad_code=str(row[4] or "").strip(), lad_name=clean_label(row[5]))
    df = pd.DataFrame(recs)
    if len(df):
        df["offence_key"] = df["offence_group"].map(_canon)
    df = df[CSP_COLUMNS] if len(df) else pd.DataFrame({c: [] for c in CSP_COLUMNS})
    df.attrs["excluded"] = excluded
    return df


def read_any(path: Path, registry: dict[str, Force]) -> tuple[str, pd.DataFrame]:
    """('pfa' | 'csp', table) for any ONS PFA tables file: an xlsx workbook, or a P1 or C2 sheet saved as CSV."""
    if path.suffix.lower() == ".xlsx":
        return "pfa", read_workbook(path, registry)
    if path.suffix.lower() == ".csv":
        head = read_table(path)[:400].decode("utf-8", "replace")
        if "Table C2" in head:
            return "csp", read_c2_csv(path, registry)
        if "Table P1" in head:
            return "pfa", read_p1_csv(path, registry)
        raise InputError(path, [Problem("(title)", "not ONS Table P1 or Table C2", value=head[:80])],
                         "only tables P1 and C2 are read from CSV exports; use the xlsx workbook for the rest")
    raise InputError(path, [Problem("(file name)", "expected .xlsx or .csv", value=path.name)],
                     "put ONS PFA tables workbooks (.xlsx) or sheet exports (.csv) in data/raw/ons/recorded_crime/")


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack tables from several editions; where two files give the same (period, force, group) keep the one with
    a published rate (the full workbook), else the first by file name."""
    if not frames:
        return empty_recorded_crime()
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["ons_rate", "source"], na_position="last", kind="stable")
    df = df.drop_duplicates(["period_end", "force", "offence_group"], keep="first")
    return _typed(df.sort_values(["period_end", "force", "offence_group"], ignore_index=True))


def load_recorded_crime(paths: list[Path] | Path) -> pd.DataFrame:
    """Processed recorded-crime Parquet file(s); an empty frame with ``RECORDED_CRIME_COLUMNS`` if there are none."""
    return read_parquets(paths, empty_recorded_crime)
