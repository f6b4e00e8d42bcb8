"""Force-internal KPIs as a tidy CSV (schema in docs/inputs.md): validate with pandera, write Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..errors import InputError, Problem
from ..hashing import atomic_write_json, atomic_write_parquet, sha256_file

KPI_COLUMNS = ["force", "metric", "area", "period", "value", "numerator", "denominator", "unit"]
UNITS = ["count", "percent", "seconds", "days"]
KPI_HINT = "see docs/inputs.md, 'Force KPI CSV', for the columns and one example row per metric kind"


def _schema(force: str) -> pa.DataFrameSchema:
    nonneg = pa.Check.ge(0, error="must be 0 or more")
    return pa.DataFrameSchema(
        {
            "force": pa.Column(str, pa.Check.eq(force, error=f"must be {force!r}, the force of this folder")),
            "metric": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]{1,60}$",
                                                          error="must be a metric id: lower-case letters, digits, _")),
            "area": pa.Column(str, pa.Check.str_length(1, 60, error="must be an area name, e.g. 'force' or 'Swindon'")),
            "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                          error="must be a month written YYYY-MM, e.g. 2023-03")),
            "value": pa.Column(float, nonneg, nullable=True),
            "numerator": pa.Column(float, [nonneg, _whole()], nullable=True),
            "denominator": pa.Column(float, [nonneg, _whole()], nullable=True),
            "unit": pa.Column(str, pa.Check.isin(UNITS, error=f"must be one of {UNITS}")),
        },
        # Row-level checks; the text before ':' names the field the message is reported against.
        checks=[
            pa.Check(lambda d: d["numerator"].isna() | d["denominator"].isna() | (d["numerator"] <= d["denominator"]),
                     error="numerator: must not exceed denominator"),
            pa.Check(lambda d: d["value"].notna() | (d["numerator"].notna() & d["denominator"].notna()),
                     error="value: give a value, or both numerator and denominator"),
            pa.Check(lambda d: d["numerator"].notna() == d["denominator"].notna(),
                     error="denominator: numerator and denominator come together"),
            pa.Check(lambda d: (d["unit"] != "percent") | d["value"].isna() | (d["value"] <= 100),
                     error="value: a percent value must be 100 or less"),
            pa.Check(lambda d: d["denominator"].isna() | (d["denominator"] > 0),
                     error="denominator: must be more than 0"),
        ],
        strict=True,
        ordered=False,
        unique=["force", "metric", "area", "period"],
        report_duplicates="all",
    )


def _whole() -> pa.Check:
    return pa.Check(lambda s: s.isna() | (s == s.round()), error="must be a whole number")


def read_kpi_csv(path: Path, force: str) -> pd.DataFrame:
    """Read and validate one KPI CSV; raises InputError listing every problem with its row and field."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
                         "save the file as UTF-8 CSV") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, [Problem("(file)", "the file is empty")], f"a KPI CSV has a header row: {KPI_COLUMNS}") from exc
    except pd.errors.ParserError as exc:
        raise InputError(path, [Problem("(file)", f"not a valid CSV: {exc}")], KPI_HINT) from exc
    missing = [c for c in KPI_COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in KPI_COLUMNS]
    if missing or extra:
        probs = []
        if missing:
            probs.append(Problem("(header)", f"missing column(s) {missing}"))
        if extra:
            probs.append(Problem("(header)", f"unexpected column(s) {extra}"))
        raise InputError(path, probs, f"the header must be exactly {KPI_COLUMNS}")
    if raw.empty:
        raise InputError(path, [Problem("(file)", "no data rows")], KPI_HINT)
    df = raw.copy()
    problems: list[Problem] = []
    for col in ("value", "numerator", "denominator"):
        text = df[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        for idx in df.index[(text != "") & num.isna()]:
            problems.append(Problem(col, "must be a number", row=int(idx) + 1, value=raw.at[idx, col]))
        df[col] = num.astype(float)
    try:
        valid = _schema(force).validate(df, lazy=True)
    except SchemaErrors as exc:
        problems += _problems(exc)
    if problems:
        raise InputError(path, _dedupe(problems), KPI_HINT)
    valid["period"] = pd.PeriodIndex(valid["period"], freq="M")
    return valid


def _problems(exc: SchemaErrors) -> list[Problem]:
    out = []
    for rec in exc.failure_cases.itertuples(index=False):
        row = None if rec.index is None or pd.isna(rec.index) else int(rec.index) + 1
        msg = str(rec.check)
        column = rec.column if isinstance(rec.column, str) else "(row)"
        value = rec.failure_case
        if "unique" in msg:
            column, msg, value = "force/metric/area/period", "duplicate row: this KPI month appears more than once", None
        elif ": " in msg and msg.split(": ", 1)[0] in KPI_COLUMNS:
            column, msg = msg.split(": ", 1)
            value = None
        out.append(Problem(column, msg, row=row, value=value))
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    # A row-level check is reported by pandera once per column; keep one line per row, field and message.
    seen, uniq = set(), []
    for p in sorted(problems, key=lambda p: (p.row or 0, p.field)):
        key = (p.row, p.field, p.message)
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    return uniq


def ingest(source: Path, out: Path, force: str) -> list[str]:
    """Validate every KPI CSV under ``source`` and write one kpis.parquet; nothing is written if any file is bad."""
    files = sorted(source.glob("*.csv")) if source.exists() else []
    if not files:
        return []
    frames, errors, hashes = [], [], {}
    for f in files:
        try:
            frames.append(read_kpi_csv(f, force))
            hashes[f.name] = sha256_file(f)
        except InputError as exc:
            errors.append(exc)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputError(source, [Problem(str(e.path), "; ".join(p.describe() for p in e.problems)) for e in errors],
                         "fix the files listed; nothing was written")
    df = pd.concat(frames, ignore_index=True)
    dup = df.duplicated(["metric", "area", "period"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise InputError(source, [Problem("metric/area/period", "the same KPI appears in more than one file",
                                          value=f"{first.metric} {first.area} {first.period}")],
                         "keep each KPI month in one file only")
    out_df = df.assign(period=df["period"].astype(str))
    atomic_write_parquet(out_df, out / "kpis.parquet")
    atomic_write_json(out / "kpis_manifest.json", {name: {"sha256": h, "source": str(source / name)} for name, h in hashes.items()})
    return [f.name for f in files]


def load(out: Path) -> pd.DataFrame:
    """The processed KPIs for a force (period as a monthly Period); empty if none were supplied."""
    path = out / "kpis.parquet"
    if not path.exists():
        return pd.DataFrame(columns=KPI_COLUMNS)
    df = pd.read_parquet(path)
    df["period"] = pd.PeriodIndex(df["period"], freq="M")
    return df
