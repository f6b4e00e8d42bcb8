"""ONS "Local Authority District to CSPs to Police Force Areas" lookup: read, validate, and map LSOA names to areas."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem

LOOKUP_COLUMNS = ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"]
OUT_COLUMNS = ["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
_CODE_PATTERNS = {"LAD23CD": r"^[EW]0[6-9]\d{6}$", "CSP23CD": r"^(E22|W14|W22)\d{6}$", "PFA23CD": r"^(E23|W15)\d{6}$"}
# data.police.uk LSOA names are "<local authority name> <3 digits><letter>", e.g. "Swindon 017B".
_LSOA_NAME_RE = re.compile(r"^(?P<lad>.+) \d{3}[A-Z]$")


def read_lookup(path: Path) -> pd.DataFrame:
    """The LAD → CSP → PFA lookup with columns ``OUT_COLUMNS``; raises InputError naming row and field if malformed.

    The columns are matched by prefix (``LAD``/``CSP``/``PFA`` + ``CD``/``NM``) so a later edition (e.g. LAD24CD)
    reads the same way.
    """
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, [Problem("(file)", f"could not be read as CSV: {exc}")],
                         "re-download the lookup CSV from the ONS Open Geography Portal") from exc
    rename: dict[str, str] = {}
    problems: list[Problem] = []
    for want, out in zip(LOOKUP_COLUMNS, OUT_COLUMNS):
        prefix, suffix = want[:3], want[-2:]
        found = [c for c in raw.columns if re.fullmatch(fr"{prefix}\d\d{suffix}", c.strip())]
        if not found:
            problems.append(Problem("(header)", f"missing column {prefix}YY{suffix} (e.g. {want})"))
        else:
            rename[found[0]] = out
    if problems:
        raise InputError(path, problems, "use the ONS 'Local Authority District to CSPs to Police Force Areas' lookup")
    df = raw.rename(columns=rename)[OUT_COLUMNS].apply(lambda s: s.str.strip())
    for want, out in zip(LOOKUP_COLUMNS, OUT_COLUMNS):
        if want in _CODE_PATTERNS:
            bad = ~df[out].str.match(_CODE_PATTERNS[want])
            problems += [Problem(want, "not a valid ONS code", row=int(i) + 1, value=df.at[i, out])
                         for i in df.index[bad][:20]]
    if problems:
        raise InputError(path, problems, "the lookup must have an ONS code on every row")
    return df


def lad_from_lsoa_name(lsoa_name: pd.Series) -> pd.Series:
    """The local authority name at the start of each data.police.uk LSOA name (NaN where the name has no suffix)."""
    return lsoa_name.str.extract(_LSOA_NAME_RE)["lad"]


def area_table(lookup: pd.DataFrame) -> pd.DataFrame:
    """One row per local authority: codes and names of its LAD, CSP and PFA, for joining to LSOA names.

    A LAD split between several CSPs (new unitaries whose CSPs keep old district boundaries) gets csp_code and
    csp_name '' because an LSOA name only tells the LAD; its PFA is still exact.
    """
    n_csp = lookup.groupby("lad_code")["csp_code"].transform("nunique")
    t = lookup.assign(csp_code=lookup["csp_code"].where(n_csp == 1, ""),
                      csp_name=lookup["csp_name"].where(n_csp == 1, ""))
    return t.drop_duplicates("lad_code")[OUT_COLUMNS].reset_index(drop=True)
