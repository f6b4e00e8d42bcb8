"""Force-internal KPIs as a tidy CSV (schema in docs/inputs.md): validate with pandera, write Parquet."""

from __future__ import annotations

import difflib
import io
import re
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputError, Problem
from ..hashing import atomic_write_json, atomic_write_parquet, sha256_file
from ..safefiles import read_bounded
from ..yamlfile import AnalystModel, load_yaml, pydantic_problems

KPI_COLUMNS = ["force", "metric", "area", "period", "value", "numerator", "denominator", "unit"]
UNITS = ["count", "percent", "seconds", "days"]
KPI_HINT = "see docs/inputs.md, 'Force KPI CSV', for the columns and one example row per metric kind"
CATALOGUE_FILE = "kpi_catalogue.yaml"
KINDS = ("count", "duration", "proportion", "survey", "percent", "published_survey")
# Which units each kind may be measured in; a catalogue entry pairing them otherwise is refused.
KIND_UNITS = {"count": {"count"}, "duration": {"seconds", "days"}, "proportion": {"percent"}, "survey": {"percent"},
              "percent": {"percent"}, "published_survey": {"percent"}}
QUARTER_END_MONTHS = ("03", "06", "09", "12")
# The largest plausible value per unit, unless a catalogue entry sets its own ``max``: a percentage cannot pass 100; a
# month of any force's recorded events is far below ten million; no average time to answer or respond reaches a
# week; no average time to charge reaches ten years. A value past these is a typing or export error (1.8e308 would
# draw limits from -inf to inf).
UNIT_MAX = {"count": 10_000_000.0, "percent": 100.0, "seconds": 7 * 24 * 3600.0, "days": 3650.0}
MAX_COUNT_PART = 1_000_000_000.0  # numerator and denominator: people or events, never more than a billion
MAX_KPI_CSV_BYTES = 50 * 1024 * 1024  # a force's KPIs are a few thousand rows (well under 1 MB)
MAX_KPI_ROWS = 200_000  # ten years of 100 metrics in 100 areas is 120,000; more is an export gone wrong
FOLLOW_ON = {"give a value, or both numerator and denominator", "numerator and denominator come together",
             "a denominator alone needs the published value it is the base of"}


class KpiDef(AnalystModel):
    """One catalogued KPI: its name, kind (which columns a row must fill), unit and how often it is reported."""

    model_config = ConfigDict(extra="forbid")
    name: str
    kind: Literal["count", "duration", "proportion", "survey", "percent", "published_survey"]
    unit: Literal["count", "percent", "seconds", "days"]
    frequency: Literal["monthly", "quarterly"] = "monthly"
    description: str = ""
    max: float | None = Field(default=None, gt=0)  # largest plausible value; default by unit (UNIT_MAX)
    # published_survey: the survey's design factor (ONS publishes one per CSEW measure); widens the Wilson interval
    design_factor: float = Field(default=1.0, ge=1.0, le=5.0)

    @property
    def bound(self) -> float:
        """The largest plausible value of this KPI."""
        return self.max if self.max is not None else UNIT_MAX[self.unit]

    @model_validator(mode="after")
    def _unit_fits_kind(self) -> "KpiDef":
        if self.unit not in KIND_UNITS[self.kind]:
            raise ValueError(f"a {self.kind} KPI is measured in {sorted(KIND_UNITS[self.kind])}, not {self.unit!r}")
        return self


class _CatalogueFile(AnalystModel):
    model_config = ConfigDict(extra="forbid")
    areas: list[str] = []
    # other forces whose published figures a force reports beside its own (e.g. a peer force's satisfaction)
    comparators: list[str] = []
    metrics: dict[str, KpiDef] = Field(default_factory=dict)


class KpiCatalogue(BaseModel):
    """The KPIs a force may supply (national catalogue plus the force's own) and the areas it may report them for."""

    areas: list[str]
    metrics: dict[str, KpiDef]
    # areas that hold another body's published figure (England and Wales, MSG average, peer forces): a survey row for
    # them may give the published percentage alone, as the force has no counts behind it
    comparators: list[str] = []

    def known(self) -> list[str]:
        return sorted(self.metrics)


def load_catalogue(params: Path, force: str) -> KpiCatalogue:
    """Merge params/kpi_catalogue.yaml with params/<force>/kpis.yaml (areas, extra metrics); InputError if invalid."""
    parts = []
    from ..config import DEFAULT_ROOT

    national = params / CATALOGUE_FILE
    if not national.exists():  # a data root without its own catalogue uses the project's
        national = DEFAULT_ROOT / "params" / CATALOGUE_FILE
    for path in (national, params / force / "kpis.yaml"):
        if not path.exists():
            if path.name == CATALOGUE_FILE:
                raise InputError(path, [Problem("(file)", "the KPI catalogue is missing")],
                                 "restore params/kpi_catalogue.yaml from the repository")
            continue
        try:
            parts.append((path, _CatalogueFile.model_validate(load_yaml(path) or {})))
        except ValidationError as exc:
            raise InputError(path, pydantic_problems(exc), "see docs/inputs.md, 'KPI catalogue'") from exc
    (_, national), *own = parts
    areas, metrics = list(national.areas), dict(national.metrics)
    comparators = [a for a in national.areas if a != "force"] + list(national.comparators)
    for path, extra in own:
        clash = sorted(set(extra.metrics) & set(metrics))
        if clash:
            raise InputError(path, [Problem(f"metrics.{c}", "already defined in params/kpi_catalogue.yaml") for c in clash],
                             "use the national definition, or give the force's own metric a different id")
        bad = [i for i in extra.metrics if not re.fullmatch(r"[a-z0-9_]{1,60}", i)]
        if bad:
            raise InputError(path, [Problem(f"metrics.{b}", "a metric id is lower-case letters, digits and _") for b in bad])
        areas += [a for a in extra.areas + extra.comparators if a not in areas]
        comparators += [a for a in extra.comparators if a not in comparators]
        metrics.update(extra.metrics)
    return KpiCatalogue(areas=areas, metrics=metrics, comparators=comparators)


_KPI_MONTH = r"(20\d\d|2100)-(0[1-9]|1[0-2])"


def _schema(force: str) -> pa.DataFrameSchema:
    import pandera.pandas as pa  # imported by the ingest's validation only, not by the report reading KPIs back

    nonneg = pa.Check.ge(0, error="must be 0 or more")
    return pa.DataFrameSchema(
        {
            "force": pa.Column(str, pa.Check.eq(force, error=f"must be {force!r}, the force of this folder")),
            "metric": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]{1,60}$",
                                                          error="must be a metric id: lower-case letters, digits, _")),
            "area": pa.Column(str, pa.Check.str_length(1, 60, error="must be an area name, e.g. 'force' or 'Swindon'")),
            # ASCII digits to the end of the text (a bare "\d" takes "٢٠٢٣", "$" a trailing newline: each a second
            # spelling of a month the duplicate check would miss), in the years reports are made for.
            "period": pa.Column(str, pa.Check(lambda s: s.str.fullmatch(_KPI_MONTH, flags=re.ASCII),
                                              error="must be a month written YYYY-MM, e.g. 2023-03, in the years 2000 "
                                                    "to 2100")),
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
            # A denominator alone is a published survey estimate's unweighted base (value = the estimate).
            pa.Check(lambda d: d["numerator"].isna() | d["denominator"].notna(),
                     error="denominator: numerator and denominator come together"),
            pa.Check(lambda d: d["numerator"].notna() | d["denominator"].isna() | d["value"].notna(),
                     error="value: a denominator alone needs the published value it is the base of"),
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
    import pandera.pandas as pa

    return pa.Check(lambda s: s.isna() | (s == s.round()), error="must be a whole number")


def read_kpi_csv(path: Path, force: str, catalogue: KpiCatalogue | None = None) -> pd.DataFrame:
    """Read and validate one KPI CSV; raises InputError listing every problem with its row and field.

    With a ``catalogue`` each row is also checked against its metric's definition (known metric, allowed area,
    unit, the columns its kind must fill, frequency); without one only the structure is checked.
    """
    # One bounded read: no FIFO, device or runaway file, and no link out of the force's KPI folder (a link to a file
    # nobody delivered would be read, and its cells quoted in errors).
    data = read_bounded(path, path.parent, MAX_KPI_CSV_BYTES)
    try:
        # utf-8-sig: Excel's "CSV UTF-8" adds a byte-order mark, which is still UTF-8 and fine.
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                        f"{_guess_encoding(data)}")],
                         "open it and save as 'CSV UTF-8 (comma delimited)', then run again") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, [Problem("(file)", "the file is empty")], f"a KPI CSV has a header row: {KPI_COLUMNS}") from exc
    except pd.errors.ParserError as exc:
        raise InputError(path, [Problem("(file)", f"not a valid CSV: {exc}")], KPI_HINT) from exc
    if len(raw) > MAX_KPI_ROWS:  # refused before the row-by-row checks, which would take minutes
        raise InputError(path, [Problem("(file)", f"{len(raw):,} rows, more than the limit of {MAX_KPI_ROWS:,}")],
                         "check the export: a force's KPI file holds one row per metric, area and month")
    missing = [c for c in KPI_COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in KPI_COLUMNS]
    if missing or extra:
        probs = []
        if missing:
            probs.append(Problem("(header)", f"missing column(s) {missing}"))
        for col in extra:
            near = difflib.get_close_matches(col.strip().lower(), missing, n=1, cutoff=0.5)
            probs.append(Problem("(header)", "unexpected column" + (f"; did you mean {near[0]!r}?" if near else ""),
                                 value=col))
        raise InputError(path, probs, f"the header must be exactly {KPI_COLUMNS}")
    if raw.empty:
        raise InputError(path, [Problem("(file)", "no data rows")], KPI_HINT)
    df = raw.copy()
    problems: list[Problem] = []
    for col in ("value", "numerator", "denominator"):
        text = df[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        num = num.where(num.abs() != float("inf"))  # 'inf' parses as a number but is not a figure
        for idx in df.index[(text != "") & num.isna()]:
            problems.append(Problem(col, "must be a number", row=int(idx) + 1, value=raw.at[idx, col]))
        df[col] = num.astype(float)
    import pandera.errors  # with _schema's pandera: imported where a KPI file is validated, not where one is read back

    try:
        valid = _schema(force).validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        problems += _problems(exc)
        valid = None
    hint = KPI_HINT
    # A cell that is not a number is read as empty; the row checks would then blame the row again for it.
    bad_rows = {p.row for p in problems if p.message == "must be a number"}
    problems = [p for p in problems if not (p.row in bad_rows and p.message in FOLLOW_ON)]
    if catalogue is not None:
        # One message per row and field: a cell that is not a number is reported as such, not again as "empty";
        # the catalogue's specific "X is a count: give a value" replaces the generic structural one.
        typed = {(p.row, p.field) for p in problems if p.message == "must be a number"}
        cat_problems = [p for p in catalogue_problems(df, catalogue) if (p.row, p.field) not in typed]
        flagged = {(p.row, p.field) for p in cat_problems}
        problems = [p for p in problems if not (p.message.startswith("give a value") and (p.row, p.field) in flagged)]
        if any(p.field == "metric" and "not in the KPI catalogue" in p.message for p in cat_problems):
            hint += f"; known metrics: {', '.join(catalogue.known())}"
        problems += cat_problems
    if problems:
        raise InputError(path, _dedupe(problems), hint)
    valid["period"] = pd.PeriodIndex(valid["period"], freq="M")
    return valid


def catalogue_problems(df: pd.DataFrame, catalogue: KpiCatalogue) -> list[Problem]:
    """Rows that break their metric's catalogue entry: unknown metric or area, wrong unit, missing columns, frequency."""
    out: list[Problem] = []
    defs = pd.DataFrame([{"metric": k, "kind": d.kind, "cat_unit": d.unit, "frequency": d.frequency, "bound": d.bound}
                         for k, d in catalogue.metrics.items()],
                        columns=["metric", "kind", "cat_unit", "frequency", "bound"])
    rows = df.reset_index(names="_i").merge(defs, on="metric", how="left").set_index("_i")

    def flag(mask: pd.Series, field: str, message, value_col: str | None = None) -> None:
        for i in rows.index[mask.fillna(False).to_numpy(bool)]:
            msg = message(rows.loc[i]) if callable(message) else message
            val = rows.at[i, value_col] if value_col else None
            out.append(Problem(field, msg, row=int(i) + 1, value=None if val is None or pd.isna(val) else val))

    known = rows["kind"].notna()
    flag(~known, "metric", "not in the KPI catalogue (params/kpi_catalogue.yaml, or params/<force>/kpis.yaml for "
                           "a force's own metrics)", "metric")
    flag(~rows["area"].isin(catalogue.areas), "area", f"must be one of {catalogue.areas} (add sub-force areas to "
                                                       "params/<force>/kpis.yaml)", "area")
    flag(known & rows["unit"].isin(UNITS) & (rows["unit"] != rows["cat_unit"]), "unit",
         lambda r: f"{r['metric']} is measured in {r['cat_unit']!r}", "unit")
    has_val, has_num, has_den = rows["value"].notna(), rows["numerator"].notna(), rows["denominator"].notna()
    comparator = rows["area"].isin(catalogue.comparators)
    counted = rows["kind"].isin(["proportion", "survey"])
    # Another body's published percentage (a peer force, England and Wales) comes without counts.
    flag(counted & ~(has_num & has_den) & ~(comparator & has_val & ~has_num & ~has_den), "numerator",
         lambda r: f"{r['metric']} is a {r['kind']}: give numerator and denominator"
                   + (" (respondents answering positively, and the sample size)" if r["kind"] == "survey" else ""))
    rate = 100 * rows["numerator"] / rows["denominator"].where(rows["denominator"] > 0)
    flag(counted & has_val & rate.notna() & ((rows["value"] - rate).abs() > 0.1), "value",
         lambda r: f"does not match numerator/denominator ({100 * r['numerator'] / r['denominator']:.1f}%); "
                   "leave value empty or correct it", "value")
    published = rows["kind"] == "published_survey"
    flag(published & ~(has_val & has_den), "denominator",
         lambda r: f"{r['metric']} is a published survey estimate: give the percentage as value and the unweighted "
                   "base (respondents) as denominator")
    flag(published & has_num, "numerator",
         lambda r: f"{r['metric']} is a published survey estimate: leave numerator empty (value is the estimate)")
    flag(rows["kind"].isin(["count", "duration", "percent"]) & has_den & ~has_num, "denominator",
         lambda r: f"{r['metric']} is a {r['kind']}: leave denominator empty")
    flag(rows["kind"].isin(["count", "duration", "percent"]) & ~has_val, "value",
         lambda r: f"{r['metric']} is a {r['kind']}: give a value")
    flag((rows["kind"] == "count") & (has_num | has_den), "numerator",
         lambda r: f"{r['metric']} is a count: leave numerator and denominator empty")
    flag((rows["kind"] == "count") & has_val & (rows["value"] != rows["value"].round()), "value",
         lambda r: f"{r['metric']} is a count: must be a whole number", "value")
    flag(known & has_val & (rows["value"] > rows["bound"]), "value",
         lambda r: f"{r['metric']} above {r['bound']:g} {r['cat_unit']} is not plausible (a typing or export error?); "
                   "set 'max' for it in the KPI catalogue if it really can be", "value")
    for part in ("numerator", "denominator"):
        flag(rows[part] > MAX_COUNT_PART, part, f"more than {MAX_COUNT_PART:,.0f} is not plausible", part)
    quarterly = (rows["frequency"] == "quarterly") & rows["period"].str.fullmatch(r"\d{4}-\d{2}")
    flag(quarterly & ~rows["period"].str[-2:].isin(QUARTER_END_MONTHS), "period",
         lambda r: f"{r['metric']} is quarterly: date it by the quarter's last month (03, 06, 09 or 12)", "period")
    return out


def _guess_encoding(data: bytes) -> str:
    """A hint at which encoding a non-UTF-8 file is in (Windows-1252 from Excel is the usual one)."""
    for name, label in (("utf-16", "UTF-16"), ("cp1252", "Windows-1252 (Excel's plain 'CSV')")):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        if name == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return f"it looks like {label}"
    return "its encoding is not recognised"


def _problems(exc: pandera.errors.SchemaErrors) -> list[Problem]:
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


def ingest(source: Path, out: Path, force: str, catalogue: KpiCatalogue | None = None) -> list[str]:
    """Validate every KPI CSV under ``source`` and write one kpis.parquet; nothing is written if any file is bad."""
    files = sorted(source.glob("*.csv")) if source.exists() else []
    if not files:
        return []
    frames, errors, hashes = [], [], {}
    for f in files:
        try:
            frames.append(read_kpi_csv(f, force, catalogue))
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
