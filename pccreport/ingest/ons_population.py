"""ONS mid-year population estimates (workbook table MYE5, local authorities) summed to CSP and police force area.

The LAD figures are ONS's; force-area and CSP figures are sums of whole local authorities through the ONS
LAD → CSP → PFA lookup. A few new unitary authorities (e.g. Cumberland, Westmorland and Furness, North
Northamptonshire) are split between several CSPs that keep old district boundaries; ONS publishes no LAD-part
populations for them, so those CSPs get no population row rather than a wrong one (the LAD and PFA rows are exact).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from .parquet import read_parquets
from .xlsx import find_header_row, open_sheet, sheet_rows

POPULATION_COLUMNS = ["area_type", "area_code", "area_name", "force", "year", "population"]
_YEAR_COL = re.compile(r"^Estimated Population mid-(\d{4})$")
_SHEETS = ("MYE5",)
# The largest local authority (Birmingham) is about 1.2 million; a figure far past this is not one authority.
MAX_LAD_POPULATION = 20_000_000


def empty_population() -> pd.DataFrame:
    """The population table with no rows (the shape every loader returns when nothing was ingested)."""
    return pd.DataFrame({"area_type": pd.Series(dtype=str), "area_code": pd.Series(dtype=str),
                         "area_name": pd.Series(dtype=str), "force": pd.Series(dtype=str),
                         "year": pd.Series(dtype="int64"), "population": pd.Series(dtype=float)})


def read_lad_population(path: Path) -> pd.DataFrame:
    """Long table (lad_code, lad_name, year, population) from table MYE5 of an ONS mid-year estimates workbook."""
    rows = sheet_rows(open_sheet(path, _SHEETS), path)
    hdr_i = find_header_row(rows, lambda r: len(r) > 1 and r[0] == "Code" and r[1] == "Name", path, "MYE5",
                            "a header row starting 'Code, Name'")
    header = [str(c).strip() if c is not None else "" for c in rows[hdr_i]]
    years = {i: int(m.group(1)) for i, c in enumerate(header) if (m := _YEAR_COL.match(c))}
    if not years:
        raise InputError(path, [Problem("MYE5 header", "no 'Estimated Population mid-YYYY' columns",
                                        row=hdr_i + 1)], "use the ONS 'Mid-Year Population Estimates' workbook")
    out, problems = [], []
    first_at: dict[str, int] = {}
    for r_i, row in enumerate(rows[hdr_i + 1:], start=hdr_i + 2):
        code = str(row[0]).strip() if row and row[0] is not None else ""
        if not re.fullmatch(r"[EW]0[6-9]\d{6}", code):
            continue  # countries, regions, counties and blank/footnote rows: not local authorities
        if code in first_at:  # both rows would be summed into the force area's population
            problems.append(Problem("MYE5 Code", f"the same local authority as row {first_at[code]}", row=r_i,
                                    value=code))
            continue
        first_at[code] = r_i
        for c_i, year in years.items():
            v = row[c_i] if c_i < len(row) else None
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                problems.append(Problem(f"MYE5 {header[c_i]}", "not a number", row=r_i, value=v))
                continue
            # A population is a whole number of people, more than none (a rate per 1,000 divides by it).
            if not (0 < v <= MAX_LAD_POPULATION) or v != int(v):
                problems.append(Problem(f"MYE5 {header[c_i]}", f"a population is a whole number from 1 to "
                                        f"{MAX_LAD_POPULATION:,}", row=r_i, value=v))
                continue
            out.append((code, str(row[1]).strip(), year, float(v)))
    if problems:
        raise InputError(path, problems, "population cells must be numbers; re-download the workbook")
    return pd.DataFrame(out, columns=["lad_code", "lad_name", "year", "population"])


def population_by_area(lad_pop: pd.DataFrame, lookup: pd.DataFrame, force_by_ons: dict[str, str],
                       source: str = "") -> pd.DataFrame:
    """LAD populations plus sums to CSP (whole LADs only) and PFA, in ``POPULATION_COLUMNS``.

    Raises InputError if a LAD in the lookup has no population (a force-area sum would silently be too small).
    """
    lads = lookup.drop_duplicates("lad_code")
    missing = sorted(set(lads["lad_code"]) - set(lad_pop["lad_code"]))
    if missing:
        raise InputError(source or "population workbook",
                         [Problem("Code", "local authority in the lookup has no population estimate", value=c)
                          for c in missing],
                         "use a population workbook on the same LAD boundaries as the lookup")
    pop = lad_pop.merge(lads[["lad_code", "pfa_code", "pfa_name"]], on="lad_code", how="inner")
    pop["force"] = pop["pfa_code"].map(force_by_ons).fillna("")
    lad = pop.assign(area_type="lad", area_code=pop["lad_code"], area_name=pop["lad_name"])
    pfa = (pop.groupby(["pfa_code", "pfa_name", "force", "year"], as_index=False)["population"].sum()
           .assign(area_type="pfa").rename(columns={"pfa_code": "area_code", "pfa_name": "area_name"}))
    split = lookup.groupby("lad_code")["csp_code"].transform("nunique") > 1
    whole = lookup.loc[~split, ["lad_code", "csp_code", "csp_name"]]
    partial_csps = set(lookup.loc[split, "csp_code"])
    csp_pop = pop.merge(whole, on="lad_code")
    csp_pop = csp_pop[~csp_pop["csp_code"].isin(partial_csps)]
    csp = (csp_pop.groupby(["csp_code", "csp_name", "force", "year"], as_index=False)["population"].sum()
           .assign(area_type="csp").rename(columns={"csp_code": "area_code", "csp_name": "area_name"}))
    res = pd.concat([df[POPULATION_COLUMNS] for df in (pfa, csp, lad)], ignore_index=True)
    res["year"] = res["year"].astype("int64")
    return res.sort_values(["area_type", "area_code", "year"], ignore_index=True)


def load_population(paths: list[Path] | Path) -> pd.DataFrame:
    """Read processed population Parquet file(s); an empty frame with ``POPULATION_COLUMNS`` if there are none."""
    return read_parquets(paths, empty_population)
