"""data.police.uk monthly street-level and outcomes CSVs (folders or the site's zip download): validate, aggregate
to month × crime type × outcome × LSOA (with local authority / CSP from the ONS lookup), write monthly Parquet
incrementally.

Speed: all new files of a force are read by one DuckDB ``read_csv`` over the list of files (explicit columns and
quoting, never auto-detection: real LSOA names such as "Bournemouth, Christchurch and Poole 040A" contain commas),
validated from the aggregate, and only a file found to be bad is read again row by row to name the rows at fault.
Incremental: a file whose size and modification time match the manifest is not re-read or re-hashed; one whose
size or time changed is hashed, and read only if its SHA-256 changed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import InputError, PccReportError, Problem
from ..hashing import atomic_write_json, sha256_file
from ..safefiles import check_regular, check_time, interrupt_at_bound, open_regular, read_chunks, time_error, time_left
from .rawfiles import check_utf8, member_chunks, member_info, open_zip, utf8_problem
from .street_checks import bad_files_sql, row_checks

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
OUTCOME_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
]
KINDS = {"street": STREET_COLUMNS, "outcomes": OUTCOME_COLUMNS}
_NAME_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-([a-z][a-z-]*)-(street|outcomes)\.csv$")
ASB = "Anti-social behaviour"
_MAX_ROWS_LISTED = 20
# data.police.uk LSOA names are "<local authority name> <3 digits><letter>", e.g. "Swindon 017B".
_LSOA_LAD_SQL = r"""regexp_extract("LSOA name", '^(.+) [0-9]{3}[A-Z]$', 1)"""
AREA_COLUMNS = ["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code"]


@dataclass
class IngestSummary:
    """What one ingest run did: files read, skipped as unchanged, rows kept and rows excluded with reasons."""

    read: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    # Rows kept whose LSOA lies outside the force area (data.police.uk publishes a few); only known with a lookup.
    outside_force_area: int = 0


@dataclass(frozen=True)
class Item:
    """One monthly file to ingest: a CSV on disk, or a member of a zip archive (read without unpacking by hand)."""

    name: str
    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def stat(self) -> tuple[int, int]:
        st = check_regular(self.path)  # a FIFO or device would hang the hash; refused with its name instead
        if self.member is None:
            return st.st_size, st.st_mtime_ns
        with open_zip(self.path) as z:
            info = member_info(z, self.path, self.member)
        return info.file_size, st.st_mtime_ns

    def sha256(self) -> str:
        import hashlib

        h = hashlib.sha256()
        if self.member is None:
            with open_regular(self.path) as f:
                for block in read_chunks(f, self.path):
                    h.update(block)
            return h.hexdigest()
        for block in member_chunks(self.path, self.member):
            h.update(block)
        return h.hexdigest()


def discover(source: Path, force: str, kind: str = "street") -> list[Path]:
    """Every ``YYYY-MM-<force>-<kind>.csv`` under ``source`` (flat or in ``YYYY-MM/`` folders), sorted by month."""
    if not source.exists():
        return []
    files = []
    for p in source.rglob(f"*-{kind}.csv"):
        m = _NAME_RE.match(p.name)
        if m and m.group(2) == force:
            files.append(p)
    return sorted(files, key=lambda p: p.name)


def discover_items(source: Path, force: str, kind: str = "street") -> list[Item]:
    """CSV files for ``force`` under ``source`` plus matching members of every ``*.zip`` there (or ``source`` itself
    if it is a zip), e.g. the data.police.uk custom download ``YYYY-MM/YYYY-MM-<force>-street.csv`` tree."""
    if not source.exists():
        return []
    items = [Item(p.name, p) for p in discover(source, force, kind)] if source.is_dir() else []
    # Every file is a regular file inside the delivered folder (once links resolve): never a FIFO, a device or a
    # link to somewhere nobody delivered data.
    within = source if source.is_dir() else source.parent
    for it in items:
        check_regular(it.path, within)
    zips = [source] if source.is_file() and source.suffix.lower() == ".zip" else sorted(source.rglob("*.zip"))
    for zp in zips:
        with open_zip(zp, within) as z:
            members = z.namelist()
        for mem in members:
            base = mem.rsplit("/", 1)[-1]
            m = _NAME_RE.match(base)
            if m and m.group(2) == force and m.group(3) == kind:
                items.append(Item(base, zp, mem))
    return sorted(items, key=lambda i: (i.name, i.label))


def _read_header(path: Path) -> list[str]:
    try:
        # The first line only, as bytes: a text-mode read would decode a whole buffer and blame line 1 for a bad
        # byte further down (that one is reported at its own line by _locate_bad_row).
        with open_regular(path) as f:
            first = f.readline(1 << 16).decode("utf-8-sig")
        return next(csv.reader([first]), [])
    except UnicodeDecodeError as exc:
        raise InputError(path, [Problem("(header)", f"line 1 is not UTF-8 text ({exc.reason} at column "
                                                    f"{exc.start + 1}); this is not a data.police.uk CSV")],
                         "data.police.uk files are UTF-8 CSV; re-download the file") from exc
    except csv.Error as exc:
        raise InputError(path, [Problem("(header)", f"line 1 is not a CSV header: {exc}")],
                         "data.police.uk files are CSV; re-download the file") from exc


def _check_name(path: Path, force: str) -> tuple[str, str]:
    m = _NAME_RE.match(path.name)
    if not m:
        raise InputError(path, [Problem("(file name)", "expected YYYY-MM-<force>-street.csv or -outcomes.csv",
                                        value=path.name)], "keep the file name data.police.uk gave it")
    if m.group(2) != force:
        raise InputError(path, [Problem("(file name)", f"file is for force {m.group(2)!r} but sits in the folder for {force!r}",
                                        value=path.name)], f"move it to the folder for {m.group(2)}")
    return m.group(1), m.group(3)


def _check_header(path: Path, kind: str) -> None:
    expected = KINDS[kind]
    header = _read_header(path)
    if header == expected:
        return
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    detail = []
    if missing:
        detail.append(Problem("(header)", f"missing column(s) {missing}"))
    if extra:
        detail.append(Problem("(header)", f"unexpected column(s) {extra}"))
    if not detail:
        detail.append(Problem("(header)", f"columns out of order; expected {expected}", value=header))
    raise InputError(path, detail, f"a data.police.uk {kind} file has exactly the columns {expected}")


def _csv_sql(kind: str, files_param: str = "?") -> str:
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in KINDS[kind]) + "}"
    return (f"read_csv({files_param}, header=true, delim=',', quote='\"', escape='\"', auto_detect=false, "
            f"columns={cols}, strict_mode=true, null_padding=false, filename=true)")


def _locate_bad_row(path: Path, kind: str) -> list[Problem]:
    """Row and field of the first record that does not have every column (truncated or ragged file).

    The csv module reads leniently here on purpose: a record cut off inside quotes comes back short, which tells
    the first field that is missing.
    """
    expected = KINDS[kind]
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            next(reader, None)
            for i, rec in enumerate(reader, start=1):
                if len(rec) < len(expected):
                    return [Problem(expected[len(rec)], f"record ends after {len(rec)} of {len(expected)} fields "
                                                        "(file truncated, or a quote not closed)", row=i)]
                if len(rec) > len(expected):
                    return [Problem(expected[-1], f"record has {len(rec)} fields, more than the {len(expected)} "
                                                  "columns (a field with a comma not quoted)", row=i)]
    except csv.Error as exc:
        return [Problem("(record)", f"{exc}", row=max(reader.line_num - 1, 1))]
    except UnicodeDecodeError as exc:
        return [utf8_problem(path) or Problem("(file)", f"not UTF-8 text ({exc.reason})")]
    return []


def _past_bound() -> bool:
    """True once the current ingest time bound has passed (a DuckDB error then is the interrupt, not bad data)."""
    left = time_left()
    return left is not None and left <= 0


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # Two cores are shared with other work; a cap keeps the peak well under 2 GB even for a whole country.
    con.execute("set memory_limit='1GB'; set preserve_insertion_order=false")
    return con


def read_file(path: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None
              ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Validate one file and return (aggregated rows, excluded-row counts by reason); see ``_read_one``."""
    table, excluded = _read_one(path, force, police_uk_name, areas)
    return table.to_pandas(), excluded


def _read_one(path: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None
              ) -> tuple[pa.Table, dict[str, int]]:
    """Validate one file and return (aggregated rows, excluded-row counts by reason).

    Street files aggregate to month, crime type, last outcome category and LSOA (plus local authority and CSP when
    ``areas`` from ``ons_geography.area_table`` is given); outcomes files to month and outcome type. Rows without a
    Crime ID (anti-social behaviour) and without a location are kept, as data.police.uk intends. Every problem is
    reported with its data row and field.
    """
    month, kind = _check_name(path, force)
    _check_header(path, kind)
    check_utf8(path, "data.police.uk files are UTF-8; re-download the file")
    check_time(path)
    con = _con()
    try:
        with interrupt_at_bound(con.interrupt):  # the ingest's time bound reaches inside DuckDB's read too
            con.execute(f"create temp table t as select row_number() over () as rownum, * from {_csv_sql(kind)}",
                        [str(path)])
    except duckdb.Error as exc:
        if _past_bound():
            con.close()
            raise time_error(path) from exc
        first = str(exc).strip().splitlines()[0]
        problems = _locate_bad_row(path, kind) or [Problem("(file)", f"could not be read as CSV: {first}")]
        for p in problems:
            p.message = f"could not be read as CSV: {p.message}"
        raise InputError(path, problems, "the file may be truncated or not a CSV; re-download it") from exc
    try:
        with interrupt_at_bound(con.interrupt):
            problems = _row_problems(con, "t", month, police_uk_name, kind, areas)
            if problems:
                raise InputError(path, problems, "each file holds one month of one force; check you have the right file")
            agg, excluded = _aggregate(con, "t", kind, areas)
    except duckdb.Error as exc:
        if _past_bound():
            raise time_error(path) from exc
        raise
    finally:
        con.close()
    return agg.drop_columns(["filename"]), excluded.get(str(path), {})


def _row_problems(con, table: str, month: str, police_uk_name: str, kind: str, areas) -> list[Problem]:
    checks = [
        ("Month", f"\"Month\" is distinct from '{month}'", f"must be {month}, the month in the file name"),
        ("Falls within", f"\"Falls within\" is distinct from '{police_uk_name.replace(chr(39), chr(39) * 2)}'",
         f"must be {police_uk_name!r}, the force of this folder"),
    ]
    if kind == "street":
        checks += row_checks(table)
    if areas is not None:
        con.register("prefixes", areas[["prefix"]])
        checks.append(("LSOA name", f""""LSOA name" is not null and {_LSOA_LAD_SQL} not in (select prefix
                       from prefixes)""", "LSOA name does not start with a local authority in the ONS lookup "
                       "(expected e.g. 'Swindon 017B'); update data/raw/ons/geography/ to the lookup for these "
                       "LSOA boundaries"))
    problems: list[Problem] = []
    for col, cond, msg in checks:
        bad = con.execute(f'select rownum, "{col}" from {table} where {cond} order by rownum '
                          f'limit {_MAX_ROWS_LISTED + 1}').fetchall()
        problems += [Problem(col, msg, row=r, value=v) for r, v in bad[:_MAX_ROWS_LISTED]]
    return problems


def _aggregate(con, source_sql: str, kind: str, areas) -> tuple[pa.Table, dict[str, dict[str, int]]]:
    """Aggregate rows of ``source_sql`` per file in one pass over the CSVs; returns (aggregate incl. filename,
    excluded counts per file). Leaves table ``g`` (the first-level aggregate, with "Month", "Falls within" and
    unknown-LSOA flags per group) for ``_file_checks``."""
    reason = "no crime type" if kind == "street" else "no outcome type"
    if kind == "street":
        if areas is None:
            area_sql, unknown = ", ".join(f"'' as {c}" for c in AREA_COLUMNS), "false"
            names_cte, names_join = "", ""
        else:
            # The LSOA name → area match runs once per distinct LSOA name, not once per group.
            con.register("areas", areas[["prefix", *AREA_COLUMNS]])
            area_sql = ", ".join(f"coalesce(m.{c}, '') as {c}" for c in AREA_COLUMNS)
            unknown = "m.prefix is null and g0.lsoa_name is not null"
            names_cte = f""", m as (
                  select nm.lsoa_name, a.* from (select distinct lsoa_name from g0) nm
                  left join areas a on a.prefix = regexp_extract(nm.lsoa_name, '^(.+) [0-9]{{3}}[A-Z]$', 1))"""
            names_join = "left join m on m.lsoa_name = g0.lsoa_name"
        con.execute(
            f"""create or replace temp table g as
                with g0 as (
                  select filename, "Month" as month, "Falls within" as falls_within, "Crime type" as crime_type,
                         coalesce("Last outcome category", '') as outcome,
                         "LSOA code" as lsoa_code, "LSOA name" as lsoa_name,
                         count(*)::BIGINT as n, count("Crime ID")::BIGINT as n_with_id,
                         count("Longitude")::BIGINT as n_located
                  from {source_sql} group by all){names_cte}
                select g0.*, {area_sql}, {unknown} as unknown_lsoa
                from g0 {names_join}""")
        keys = "month, crime_type, outcome, lsoa_code, lsoa_name"
        cols = f"{keys}, n, n_with_id, n_located, " + ", ".join(AREA_COLUMNS)
    else:
        con.execute(
            f"""create or replace temp table g as
                select filename, "Month" as month, "Falls within" as falls_within, "Outcome type" as outcome_type,
                       count(*)::BIGINT as n, false as unknown_lsoa
                from {source_sql} group by all""")
        keys = "month, outcome_type"
        cols = f"{keys}, n"
    excluded: dict[str, dict[str, int]] = {}
    col = "crime_type" if kind == "street" else "outcome_type"
    for fname, n in con.execute(f"select filename, sum(n) from g where {col} is null group by all").fetchall():
        excluded.setdefault(fname, {})[reason] = int(n)
    # Sorted by file first: each file's rows are then one contiguous slice (see _split_by_file).
    agg = con.sql(f"select filename, {cols} from g where {col} is not null "
                  f"order by filename, {keys}").to_arrow_table()
    return agg, excluded


def _file_checks(con) -> list[tuple]:
    """(filename, distinct months, distinct 'Falls within', rows with an unknown LSOA) from table ``g``."""
    return con.execute("""select filename, list(distinct month), list(distinct falls_within),
                                 sum(n) filter (where unknown_lsoa)
                          from g group by filename""").fetchall()


def _read_batch(files: list[Path], kind: str, force: str, police_uk_name: str, areas, labels: dict[str, str]
                ) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]], list[InputError]]:
    """Read many files of one kind in one DuckDB pass; a file that fails is re-read alone for exact rows."""
    errors: list[InputError] = []
    good = []
    for p in files:
        try:
            _check_header(p, kind)
            check_utf8(p, "data.police.uk files are UTF-8; re-download the file")
            good.append(p)
        except InputError as exc:
            exc.path = labels.get(str(p), exc.path)
            errors.append(exc)
    if not good:
        return {}, {}, errors
    check_time(good[0].parent)
    con = _con()
    # The file list is written as SQL string literals (quotes doubled) so the same text works in any statement.
    src = _csv_sql(kind, "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in good) + "]")
    try:
        with interrupt_at_bound(con.interrupt):  # the ingest's time bound reaches inside DuckDB's read too
            agg, excluded = _aggregate(con, src, kind, areas)
            checks = _file_checks(con)
            meaning_bad = {r[0] for r in con.execute(bad_files_sql(src)).fetchall()} if kind == "street" else set()
    except duckdb.Error as exc:
        con.close()
        if _past_bound():
            names = ", ".join(labels.get(str(p), p.name) for p in good[:5]) + (" …" if len(good) > 5 else "")
            raise time_error(f"{len(good)} {kind} file(s): {names}") from exc
        # One bad file fails the whole pass: read each file alone to find it and its rows.
        return _read_each(good, kind, force, police_uk_name, areas, labels, errors)
    bad = []
    for fname, months, falls, unknown in checks:
        month = Path(fname).name[:7]
        if months != [month] or falls != [police_uk_name] or unknown or fname in meaning_bad:
            bad.append(fname)
    frames = _split_by_file(agg, [str(p) for p in good])
    con.close()
    if bad:
        _, _, errors = _read_each([Path(b) for b in bad], kind, force, police_uk_name, areas, labels, errors)
    return frames, excluded, errors


def _split_by_file(agg: pa.Table, files: list[str]) -> dict[str, pa.Table]:
    """The rows of each file (``agg`` is sorted by filename, so each file is one contiguous slice)."""
    names = agg.column("filename")
    body = agg.drop_columns(["filename"])
    out, start = {}, 0
    # value_counts lists values in order of first appearance, which is the order of the slices.
    for c in (pc.value_counts(names).to_pylist() if len(agg) else []):
        out[c["values"]] = body.slice(start, c["counts"])
        start += c["counts"]
    for f in files:
        out.setdefault(f, body.slice(0, 0))
    return out


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write Parquet atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_each(files, kind, force, police_uk_name, areas, labels, errors):
    frames, excluded = {}, {}
    for p in files:
        try:
            agg, exc_counts = _read_one(p, force, police_uk_name, areas)
            frames[str(p)] = agg
            excluded[str(p)] = exc_counts
        except InputError as exc:
            exc.path = labels.get(str(p), exc.path)
            errors.append(exc)
    return frames, excluded, errors


def ingest(source: Path, out: Path, force: str, police_uk_name: str, areas: pd.DataFrame | None = None,
           ons_code: str = "", verify: bool = False) -> IngestSummary:
    """Ingest every street and outcomes file for ``force`` under ``source`` (folders and zip archives) into
    ``out``, skipping unchanged files.

    Every file is validated before anything is written; bad files raise one InputError naming each file, row and
    field, and leave ``out`` as it was. ``areas`` (``ons_geography.area_table``) adds local authority and CSP
    columns and makes an LSOA outside the lookup an error; with the force's ``ons_code`` too, rows in LSOAs of
    another force area are counted (and kept) in ``outside_force_area``. ``verify`` re-hashes every file even when its size and
    modification time are unchanged.
    """
    manifest_path = out / "manifest.json"
    manifest = _read_manifest(manifest_path)
    summary = IngestSummary()
    pending: dict[str, list[tuple[Item, str, tuple[int, int]]]] = {k: [] for k in KINDS}
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    refreshed = False  # a touched-but-identical file: record its new size/time so the next run skips hashing
    for kind in KINDS:
        for item in discover_items(source, force, kind):
            if item.name in seen:
                errors.append(InputError(item.label, [Problem("(file name)", f"the same month and force is also in "
                                                              f"{seen[item.name]}", value=item.name)],
                                         "keep one copy of each monthly file"))
                continue
            seen[item.name] = item.label
            prev = manifest.get(item.name)
            stat = item.stat()
            parquet_ok = prev is not None and processed_intact(out / kind / f"{prev['month']}.parquet", prev)
            if parquet_ok and not verify and prev.get("size") == stat[0] and prev.get("mtime_ns") == stat[1] \
                    and prev.get("source") == item.label:
                _count_unchanged(summary, item.name, prev)
                continue
            digest = item.sha256()
            if parquet_ok and prev["sha256"] == digest:
                _count_unchanged(summary, item.name, prev)
                prev.update(size=stat[0], mtime_ns=stat[1], source=item.label)
                refreshed = True
                continue
            pending[kind].append((item, digest, stat))
    results: list[tuple[Item, str, str, tuple[int, int], pd.DataFrame, dict[str, int]]] = []
    tmpdir = Path(tempfile.mkdtemp(prefix="pccreport-police-uk-"))
    try:
        for kind, items in pending.items():
            if not items:
                continue
            paths, labels = [], {}
            for item, _, _ in items:
                try:
                    _check_name(Path(item.name), force)
                except InputError as exc:
                    exc.path = item.label
                    errors.append(exc)
                    continue
                p = _materialise(item, tmpdir)
                paths.append(p)
                labels[str(p)] = item.label
            frames, excluded, errs = _read_batch(paths, kind, force, police_uk_name, areas, labels)
            errors += errs
            by_label = {labels[k]: k for k in labels}
            for item, digest, stat in items:
                key = by_label.get(item.label)
                if key in frames:
                    results.append((item, kind, digest, stat, frames[key], excluded.get(key, {})))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputError(source, [Problem(str(e.path), "; ".join(p.describe() for p in e.problems)) for e in errors],
                         "fix or remove the files listed; nothing was written")
    dirty = bool(results) or refreshed
    for item, kind, digest, stat, agg, excluded in results:
        month = item.name[:7]
        _write_parquet(agg, out / kind / f"{month}.parquet")
        parquet_sha = sha256_file(out / kind / f"{month}.parquet")
        rows = int(pc.sum(agg.column("n")).as_py() or 0)
        outside = 0
        if ons_code and kind == "street" and "pfa_code" in agg.column_names:
            pfa = agg.column("pfa_code")
            mask = pc.and_(pc.not_equal(pfa, ""), pc.not_equal(pfa, ons_code))
            outside = int(pc.sum(pc.filter(agg.column("n"), mask)).as_py() or 0)
        manifest[item.name] = {"sha256": digest, "month": month, "kind": kind, "rows": rows, "excluded": excluded,
                               "source": item.label, "size": stat[0], "mtime_ns": stat[1],
                               "outside_force_area": outside, "parquet_sha256": parquet_sha}
        summary.read.append(item.name)
        summary.rows += rows
        summary.outside_force_area += outside
        for reason, n in excluded.items():
            summary.excluded[reason] = summary.excluded.get(reason, 0) + n
    if dirty:
        atomic_write_json(manifest_path, manifest)
    return summary


def processed_intact(path: Path, prev: dict) -> bool:
    """True if the processed Parquet exists and is the file the ingest wrote (its SHA-256 as recorded; for a
    manifest from before hashes were recorded, its footer must at least read). A truncated or corrupt file is
    False, so the month is rebuilt from data/raw/ instead of being used."""
    if not path.is_file():
        return False
    if prev.get("parquet_sha256"):
        return sha256_file(path) == prev["parquet_sha256"]
    try:
        pq.read_metadata(path)
    except Exception:  # pyarrow raises several types for a damaged file; any of them means rebuild
        return False
    return True


def _count_unchanged(summary: IngestSummary, name: str, prev: dict) -> None:
    summary.unchanged.append(name)
    summary.rows += prev["rows"]
    summary.outside_force_area += prev.get("outside_force_area", 0)
    for reason, n in prev["excluded"].items():
        summary.excluded[reason] = summary.excluded.get(reason, 0) + n


def _materialise(item: Item, tmpdir: Path) -> Path:
    """A path DuckDB can read: the file itself, or the zip member streamed to a private temp folder."""
    if item.member is None:
        return item.path
    import hashlib

    dest = tmpdir / hashlib.sha1(item.label.encode()).hexdigest()[:12] / item.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as dst:
        for block in member_chunks(item.path, item.member):
            dst.write(block)
    return dest


def read_item(item: Item, tmpdir: Path, force: str, police_uk_name: str) -> pd.DataFrame:
    """Validate one file or zip member as the ingest would (nothing written); errors name the member."""
    path = _materialise(item, tmpdir)
    try:
        return read_file(path, force, police_uk_name)[0]
    except InputError as exc:
        exc.path = item.label
        raise


def _read_manifest(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # an unreadable manifest only costs a full re-read


def load_street(out: Path) -> pd.DataFrame:
    """All processed street rows for a force (month as a monthly Period)."""
    return _load_kind(out, "street")


def load_outcomes(out: Path) -> pd.DataFrame:
    """All processed outcome counts for a force."""
    return _load_kind(out, "outcomes")


def _load_kind(out: Path, kind: str) -> pd.DataFrame:
    files = sorted((out / kind).glob("*.parquet"))
    if not files:
        raise InputError(out / kind, [Problem("(folder)", f"no processed {kind} files")],
                         f"put data.police.uk {kind} CSVs in data/raw/police_uk/<force>/ and run the ingest")
    frames = []
    for f in files:
        try:
            frames.append(pd.read_parquet(f))
        except Exception as exc:  # pyarrow raises several types for a damaged file
            # Not InputError: ReportData reads that as "no street data", and a damaged file must stop the report.
            raise PccReportError(f"{f}: processed file cannot be read ({type(exc).__name__}: {exc}); run the ingest "
                                 "again, which rebuilds it from data/raw/") from exc
    df = pd.concat(frames, ignore_index=True)
    df["month"] = _monthly_periods(df["month"])
    return df


def _monthly_periods(months: pd.Series) -> pd.PeriodIndex:
    """'2023-01' strings as monthly Periods, each distinct month parsed once (pandas parses every row otherwise: 1.8
    s of a report's 2-5 s context on 137,000 sample rows, the largest single cost of a build's context step)."""
    codes, uniques = pd.factorize(months)
    if (codes < 0).any():  # a missing month: let pandas handle it row by row, as before
        return pd.PeriodIndex(months, freq="M")
    return pd.PeriodIndex(uniques, freq="M").take(codes)


def area_counts(street: pd.DataFrame, level: str = "lad") -> pd.DataFrame:
    """Monthly counts by crime type and local area (``level`` 'lad' or 'csp') from processed street rows.

    Rows with no location, and rows in a LAD split between CSPs (at CSP level), have area code '' and stay in as
    their own row, so the counts still add up to the force total.
    """
    if level not in ("lad", "csp"):
        raise ValueError("level must be 'lad' or 'csp'")
    cols = [f"{level}_code", f"{level}_name"]
    if not set(cols) <= set(street.columns):
        raise InputError("processed street data", [Problem(cols[0], "no local-area columns")],
                         "put the ONS LAD→CSP→PFA lookup in data/raw/ons/geography/ and run the ingest again")
    return (street.groupby(["month", "crime_type", *cols], as_index=False, observed=True)["n"].sum()
            .sort_values(["month", "crime_type", *cols], ignore_index=True))
