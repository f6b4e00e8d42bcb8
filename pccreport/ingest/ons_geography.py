"""ONS "Local Authority District to CSPs to Police Force Areas" lookup: read, validate, and map LSOA names to areas."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from .rawfiles import read_table

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
        raw = pd.read_csv(io.BytesIO(read_table(path)), dtype=str, encoding="utf-8-sig", keep_default_na=False)
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


# Local authorities abolished in the 2019-2023 reorganisations whose names data.police.uk still prints at the start of
# LSOA names (its LSOA names predate them), mapped to the successor in the lookup. Names that survive as a CSP in the
# lookup (e.g. "Barrow-in-Furness", "Wycombe", "Shepway") are matched through the CSP instead and are not listed here.
FORMER_LAD_NAMES = {
    # Somerset, April 2023 (Taunton Deane and West Somerset merged in 2019 first)
    "Mendip": "Somerset", "Sedgemoor": "Somerset", "South Somerset": "Somerset",
    "Somerset West and Taunton": "Somerset", "Taunton Deane": "Somerset", "West Somerset": "Somerset",
    # North Yorkshire, April 2023
    "Craven": "North Yorkshire", "Hambleton": "North Yorkshire", "Harrogate": "North Yorkshire",
    "Richmondshire": "North Yorkshire", "Ryedale": "North Yorkshire", "Scarborough": "North Yorkshire",
    "Selby": "North Yorkshire",
    # Northamptonshire, April 2021 (the CSP joins the two)
    "Daventry": "West Northamptonshire", "South Northamptonshire": "West Northamptonshire",
    # Dorset, April 2019
    "Christchurch": "Bournemouth, Christchurch and Poole", "East Dorset": "Dorset", "North Dorset": "Dorset",
    "Purbeck": "Dorset", "West Dorset": "Dorset", "Weymouth and Portland": "Dorset",
    # Suffolk, April 2019
    "Forest Heath": "West Suffolk", "St Edmundsbury": "West Suffolk",
}


def area_table(lookup: pd.DataFrame) -> pd.DataFrame:
    """Areas keyed by the local-authority part of a data.police.uk LSOA name (``prefix``), with LAD, CSP and PFA.

    ``prefix`` is matched, in this order, to: the LAD name; the CSP name of a LAD split between CSPs (old districts,
    e.g. "Barrow-in-Furness" → CSP Barrow-in-Furness in Westmorland and Furness); the LAD name without ", City of" /
    ", County of" ("Bristol" → "Bristol, City of"); a former LAD name in ``FORMER_LAD_NAMES``. A LAD split between
    CSPs and matched by its own name gets csp_code '' (the LSOA name does not say which CSP); its PFA is exact.
    """
    n_csp = lookup.groupby("lad_code")["csp_code"].transform("nunique")
    split = n_csp > 1
    by_lad = lookup.assign(csp_code=lookup["csp_code"].where(~split, ""),
                           csp_name=lookup["csp_name"].where(~split, "")).drop_duplicates("lad_code")
    frames = [by_lad.assign(prefix=by_lad["lad_name"]),
              lookup[split].assign(prefix=lookup.loc[split, "csp_name"])]
    short = by_lad["lad_name"].str.replace(r", (City|County) of$", "", regex=True)
    frames.append(by_lad[short != by_lad["lad_name"]].assign(prefix=short[short != by_lad["lad_name"]]))
    lad_by_name = by_lad.set_index("lad_name")
    former = [lad_by_name.loc[[new]].assign(prefix=old).reset_index()
              for old, new in FORMER_LAD_NAMES.items() if new in lad_by_name.index]
    frames += former
    t = pd.concat(frames, ignore_index=True).drop_duplicates("prefix", keep="first")
    return t[["prefix"] + OUT_COLUMNS].reset_index(drop=True)
