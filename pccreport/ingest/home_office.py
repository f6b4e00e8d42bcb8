"""Home Office "Police recorded crime open data tables" by police force area (quarterly rows), to 12-month totals.

Layout (one row per force, financial quarter and offence code): ``Financial Year`` ('2023/24'), ``Financial
Quarter`` (1–4; quarter 1 is April–June), ``Force Name``, ``Offence Description``, ``Offence Group``, ``Offence
Subgroup``, ``Offence Code``, ``Number of Offences``. Files may be CSV, xlsx or the published .ods (every sheet with
that header is read; the header may sit below title rows).

Output is the recorded-crime table of ``recorded_crime`` (``RECORDED_CRIME_COLUMNS``): for every quarter that closes
four consecutive quarters present for a force, the 12-month sum per ``Offence Group`` and the total
``recorded_crime.TOTAL`` (every group except fraud, which ONS also leaves out of force-area totals). There is no
population in this layout, so ``population`` and ``ons_rate`` are NaN. Rows for bodies that are not one of the 43
territorial forces (British Transport Police, Action Fraud, CIFAS, UK Finance) are left out and counted by reason in
``df.attrs["excluded"]``.
"""

from __future__ import annotations

import io
import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .rawfiles import check_workbook, read_table
from ..registry import Force
from . import recorded_crime as rc

HOME_OFFICE_COLUMNS = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
                       "Offence Subgroup", "Offence Code", "Number of Offences"]
NOT_TERRITORIAL = ("british transport police", "action fraud", "cifas", "uk finance")
_FY_RE = re.compile(r"^(\d{4})/(\d{2})$")


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("&", "and")).strip().lower()


def force_names(registry: dict[str, Force]) -> dict[str, Force]:
    """Every name a publisher prints for a force (normalised: lower case, '&' → 'and') → the Force."""
    out: dict[str, Force] = {}
    for f in registry.values():
        for n in (f.name, f.ons_name, f.police_uk_name, f.home_office_name, *f.ons_table_names):
            if n:
                out[_norm(n)] = f
    return out


def _frames(path: Path) -> list[tuple[str, pd.DataFrame, int]]:
    """(sheet, rows under the header, header row number) for every sheet/CSV with the Home Office header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            # csv.reader, not pandas: a title row above the header has fewer fields than the table.
            text = read_table(path).decode("utf-8-sig")
            recs = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            width = max((len(r) for r in recs), default=0)
            sheets = {"(csv)": pd.DataFrame([r + [""] * (width - len(r)) for r in recs], dtype=str)}
        elif suffix in (".xlsx", ".ods"):
            data = read_table(path)
            check_workbook(path, data)
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str,
                                   engine="odf" if suffix == ".ods" else "openpyxl")
        else:
            raise InputError(path, [Problem("(file name)", "expected .csv, .xlsx or .ods", value=path.name)],
                             "save the Home Office open data table as CSV, or keep the published .ods")
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pandas/odf/openpyxl raise many types for an unreadable file
        raise InputError(path, [Problem("(file)", f"could not be read: {type(exc).__name__}: {exc}")],
                         "the file may be truncated or in another format; re-download it") from exc
    found = []
    for name, df in sheets.items():
        df = df.fillna("")
        for i in range(min(len(df), 30)):
            cells = [str(c).strip() for c in df.iloc[i]]
            if "Force Name" in cells and "Number of Offences" in cells:
                body = df.iloc[i + 1:].copy()
                body.columns = cells
                found.append((name, body, i + 1))
                break
    if not found:
        raise InputError(path, [Problem("(header)", f"no sheet has the columns {HOME_OFFICE_COLUMNS}")],
                         "use the Home Office 'police recorded crime by police force area' open data table")
    return found


def read_home_office(path: Path, registry: dict[str, Force]) -> pd.DataFrame:
    """Validate a Home Office open data table and return 12-month totals by force and offence group."""
    names = force_names(registry)
    parts, problems = [], []
    excluded: dict[str, int] = {}
    for sheet, body, hdr in _frames(path):
        missing = [c for c in HOME_OFFICE_COLUMNS if c not in body.columns]
        if missing:
            problems.append(Problem(f"{sheet} header", f"missing column(s) {missing}", row=None))
            continue
        body = body[HOME_OFFICE_COLUMNS].astype(str).apply(lambda s: s.str.strip())
        body = body[(body != "").any(axis=1)]
        for idx, r in body.iterrows():
            row = int(idx) - hdr + 1  # 1-based data row under the header
            fy, q, name, n = r["Financial Year"], r["Financial Quarter"], r["Force Name"], r["Number of Offences"]
            where = f"{sheet}: " if sheet != "(csv)" else ""
            m = _FY_RE.match(fy)
            if not m or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
                problems.append(Problem(f"{where}Financial Year", "expected a financial year like 2023/24", row, fy))
                continue
            if q not in {"1", "2", "3", "4", "1.0", "2.0", "3.0", "4.0"}:
                problems.append(Problem(f"{where}Financial Quarter", "expected 1, 2, 3 or 4", row, q))
                continue
            value = rc._number(n)
            if value is None or value < 0:
                problems.append(Problem(f"{where}Number of Offences", "expected a whole number ≥ 0", row, n))
                continue
            force = names.get(_norm(name))
            if force is None:
                if _norm(name).startswith(NOT_TERRITORIAL):
                    reason = f"not a territorial force ({name})"
                    excluded[reason] = excluded.get(reason, 0) + 1
                    continue
                problems.append(Problem(f"{where}Force Name", "not a force name in params/forces.yaml (add it as "
                                        "home_office_name if it is a known spelling)", row, name))
                continue
            start = int(m.group(1))
            qn = int(float(q))
            # Financial quarter 1 = April–June of the start year; quarter 4 = January–March of the next.
            end_month = {1: 6, 2: 9, 3: 12, 4: 3}[qn]
            end_year = start + (1 if qn == 4 else 0)
            parts.append((force.slug, force.ons_code, end_year * 12 + end_month - 1, r["Offence Group"], value))
        if len(problems) > 200:
            break
    if problems:
        raise InputError(path, problems, "fix the rows listed (nothing was written)")
    if not parts:
        return rc.empty_recorded_crime()
    q = pd.DataFrame(parts, columns=["force", "ons_code", "qindex", "offence_group", "count"])
    q = q.groupby(["force", "ons_code", "qindex", "offence_group"], as_index=False)["count"].sum()
    not_fraud = ~q["offence_group"].str.lower().str.contains("fraud")
    total = (q[not_fraud].groupby(["force", "ons_code", "qindex"], as_index=False)["count"].sum()
             .assign(offence_group=rc.TOTAL))
    q = pd.concat([q, total], ignore_index=True)
    out = []
    for (force, code, group), g in q.groupby(["force", "ons_code", "offence_group"]):
        s = g.set_index("qindex")["count"]
        for end in s.index:
            window = [end - 3 * k for k in range(4)]
            if all(w in s.index for w in window):
                out.append((f"{end // 12}-{end % 12 + 1:02d}", force, code, group, float(s[window].sum())))
    df = pd.DataFrame(out, columns=["period_end", "force", "ons_code", "offence_group", "count"])
    df["suppressed"], df["population"], df["population_basis"] = "", np.nan, ""
    df["ons_rate"], df["rate_suppressed"], df["source"] = np.nan, "", path.name
    df = rc._typed(df)
    df.attrs["excluded"] = excluded
    return df
