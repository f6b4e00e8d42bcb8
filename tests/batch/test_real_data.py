"""Every force from public data alone: the real files in ../shared/data, a root holding only data/raw/.

Two runs in one root, made once per module: ``--force all --quarter 2025-Q4`` (both forces with data, 41 listed as
no data), then Wiltshire 2025-Q1 (the gap quarter: 2024-05..2024-12 were never published in this copy) and 2025-Q2,
which reuse the first run's ingest. Each test checks one thing against them, and every figure is recomputed here
from the raw files with csv/openpyxl, not through the package.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from pccreport.config import DEFAULT_ROOT

from tests.conftest import shared

QUARTER = "2025-Q4"
WILTSHIRE_QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q4")
QUARTER_MONTHS = {"2025-Q1": ("2025-01", "2025-02", "2025-03"), "2025-Q2": ("2025-04", "2025-05", "2025-06"),
                  "2025-Q4": ("2025-10", "2025-11", "2025-12")}


def _raw_root(root: Path) -> Path:
    """data/raw/ laid out as docs/real-data.md says, from copies of the real files (no params/ of its own)."""
    raw = root / "data" / "raw"
    for force in ("wiltshire", "city-of-london"):
        shutil.copytree(shared("police_uk_street", force), raw / "police_uk" / force)
    for sub, src, pattern in (("geography", "ons_geography", "*.csv"), ("population", "ons_population", "*.xlsx"),
                              ("recorded_crime", "police_recorded_crime", "*.csv")):
        (raw / "ons" / sub).mkdir(parents=True)
        for p in shared(src).glob(pattern):
            shutil.copy(p, raw / "ons" / sub / p.name)
    return root


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """run_all.py --force all for 2025-Q4, then Wiltshire 2025-Q1 and 2025-Q2, in one root with only data/raw/."""
    root = _raw_root(tmp_path_factory.mktemp("real"))
    run = [sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(root), "--jobs", "2"]
    proc = subprocess.run(run + ["--force", "all", "--quarter", QUARTER], capture_output=True, text=True, timeout=1500)
    more = subprocess.run(run + ["--force", "wiltshire", "--quarter", "2025-Q1", "--quarter", "2025-Q2"],
                          capture_output=True, text=True, timeout=1500)
    return root, proc, more


def _scorecard(root: Path, force: str, quarter: str = QUARTER) -> dict[str, dict]:
    with open(root / "reports" / force / quarter / "scorecard.csv", encoding="utf-8", newline="") as fh:
        return {r["metric_id"]: r for r in csv.DictReader(fh)}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _p1_totals() -> dict[str, int]:
    """ONS table P1 (year ending June 2025): total recorded crime excluding fraud, by PFA code."""
    with open(shared("police_recorded_crime", "policeforceareatablesyejune25final_TableP1.csv"), encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {r[0]: _number(r[2]) for r in rows if re.fullmatch(r"(E23|W15)\d{6}", r[0] or "")}


def _pfa_population_2023() -> dict[str, int]:
    """Mid-2023 population by PFA code: MYE5 local authorities summed through the ONS LAD → PFA lookup."""
    lookup = next(shared("ons_geography").glob("*.csv"))
    with open(lookup, encoding="utf-8-sig", newline="") as fh:
        lad_pfa = {r["LAD23CD"]: r["PFA23CD"] for r in csv.DictReader(fh)}
    wb = openpyxl.load_workbook(next(shared("ons_population").glob("*.xlsx")), read_only=True)
    rows = wb["MYE5"].iter_rows(values_only=True)
    header = next(r for r in rows if r[:2] == ("Code", "Name"))
    col = header.index("Estimated Population mid-2023")
    out: dict[str, int] = {}
    for r in rows:
        if r[0] in lad_pfa:
            out[lad_pfa[r[0]]] = out.get(lad_pfa[r[0]], 0) + int(r[col])
    return out


def test_all_builds_the_two_forces_with_data_and_lists_41_as_no_data(real_run):
    root, proc, _ = real_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout.split("Summary", 1)[1]
    assert len(re.findall(rf"^\S+\s+{QUARTER}\s+no data\s", summary, re.M)) == 41
    for force in ("wiltshire", "city-of-london"):
        assert re.search(rf"^{force}\s+{QUARTER}\s+built\s", summary, re.M), summary
        assert (root / "reports" / force / QUARTER / f"{force}-{QUARTER}-report.pdf").stat().st_size > 0
    assert not (root / "params").exists()  # the project's params/ were the defaults: nothing was copied in


def test_wiltshire_2025_q1_and_q2_built_from_the_first_runs_ingest(real_run):
    root, _, more = real_run
    assert more.returncode == 0, more.stdout[-3000:] + more.stderr[-3000:]
    summary = more.stdout.split("Summary", 1)[1]
    for q in ("2025-Q1", "2025-Q2"):
        assert re.search(rf"^wiltshire\s+{q}\s+built", summary, re.M), summary
        assert (root / "reports" / "wiltshire" / q / f"wiltshire-{q}-report.pdf").stat().st_size > 0


@pytest.mark.parametrize("quarter", WILTSHIRE_QUARTERS)
def test_wiltshire_rate_rank_and_peer_average_recomputed_from_the_ons_files(real_run, quarter):
    root, *_ = real_run
    counts, pop = _p1_totals(), _pfa_population_2023()
    rates = {code: counts[code] / pop[code] * 1000 for code in counts if code in pop}
    wilts = "E23000038"
    ranked = sorted(v for code, v in rates.items() if code != "E23000034")  # City of London is not ranked, as ONS
    assert len(ranked) == 42
    row = _scorecard(root, "wiltshire", quarter)["crime_rate"]
    assert float(row["value"]) == pytest.approx(rates[wilts], abs=1e-9)
    assert row["period"] == "Jun-25"  # the only ONS table: year ending June 2025
    if quarter == "2025-Q1":  # no table ends by Mar-25: the 12 months that include it, and the report says so
        assert "no ONS table supplied ends by Mar-25; the 12 months to Jun-25 are the nearest that include Mar-25" \
            in row["statement"]
    place = ranked.index(rates[wilts]) + 1
    assert row["verdict"].startswith({1: "lowest", 2: "2nd lowest", 3: "3rd lowest"}.get(place, f"{place}th lowest"))
    assert row["verdict"].endswith("of 42")
    # The population basis is said beside the figure: mid-2023 is the latest estimate, ONS would use mid-2024.
    assert "mid-2023 estimate, the latest available; ONS uses mid-2024" in row["statement"]
    forces = yaml.safe_load((DEFAULT_ROOT / "params" / "forces.yaml").read_text())["forces"]
    code = {f["slug"]: f["ons_code"] for f in forces}
    peers = next(f["peers"] for f in forces if f["slug"] == "wiltshire")
    peer = sum(counts[code[p]] for p in peers) / sum(pop[code[p]] for p in peers) * 1000
    assert f"{peer:.2f} per 1,000" in row["statement"]


def test_street_file_totals_recomputed_from_the_raw_csvs(real_run):
    root, *_ = real_run
    months = {m: v for m, v in _street_counts().items() if m.startswith("2025")}
    crimes, asb = sum(v[0] for v in months.values()), sum(v[1] for v in months.values())
    card = _scorecard(root, "wiltshire")
    assert float(card["all_crime"]["value"]) == crimes
    assert float(card["asb_incidents"]["value"]) == asb


def test_city_of_london_is_not_ranked_but_has_its_rate(real_run):
    root, *_ = real_run
    counts, pop = _p1_totals(), _pfa_population_2023()
    row = _scorecard(root, "city-of-london")["crime_rate"]
    assert float(row["value"]) == pytest.approx(counts["E23000034"] / pop["E23000034"] * 1000, abs=1e-9)
    assert row["verdict"].startswith("not ranked")


def _report_text(root: Path, force: str, quarter: str = QUARTER) -> str:
    html = (root / "reports" / force / quarter / f"{force}-{quarter}-report.html").read_text(encoding="utf-8")
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    import html as h

    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("quarter", WILTSHIRE_QUARTERS)
def test_wiltshire_csp_rows_recomputed_from_table_c2_and_the_lad_populations(real_run, quarter):
    root, *_ = real_run
    with open(shared("police_recorded_crime", "policeforceareatablesyejune25final_TableC2.csv"), encoding="utf-8") as fh:
        c2 = [r for r in csv.reader(fh) if r and r[0] == "E23000038" and r[2]]
    lookup = next(shared("ons_geography").glob("*.csv"))
    with open(lookup, encoding="utf-8-sig", newline="") as fh:
        lad_csp = {r["LAD23CD"]: r["CSP23CD"] for r in csv.DictReader(fh)}
    wb = openpyxl.load_workbook(next(shared("ons_population").glob("*.xlsx")), read_only=True)
    rows = wb["MYE5"].iter_rows(values_only=True)
    col = next(r for r in rows if r[:2] == ("Code", "Name")).index("Estimated Population mid-2023")
    pop: dict[str, int] = {}
    for r in rows:
        if r[0] in lad_csp:
            pop[lad_csp[r[0]]] = pop.get(lad_csp[r[0]], 0) + int(r[col])
    text = _report_text(root, "wiltshire", quarter)
    assert {r[3] for r in c2} == {"Swindon", "Wiltshire"}  # the seed report's County / Swindon split
    for r in c2:
        count = _number(r[6].strip())
        line = f"{r[3]} {count:,} {pop[r[2]]:,} {count / pop[r[2]] * 1000:.2f}"
        assert line in text, line


@pytest.mark.parametrize("quarter", WILTSHIRE_QUARTERS)
def test_outcome_breakdown_recomputed_from_the_raw_street_files(real_run, quarter):
    root, *_ = real_run
    plan = yaml.safe_load((DEFAULT_ROOT / "params" / "default_plan.yaml").read_text())
    by: dict[str, int] = {}
    for month in QUARTER_MONTHS[quarter]:
        with open(shared("police_uk_street", "wiltshire", f"{month}-wiltshire-street.csv"), encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] != "Anti-social behaviour":
                    by[r["Last outcome category"]] = by.get(r["Last outcome category"], 0) + 1
    total = sum(by.values())
    positive = sum(n for k, n in by.items() if k in plan["positive_outcomes"])
    text = _report_text(root, "wiltshire", quarter)
    assert f"Of the {total:,} crimes recorded in {quarter}, {positive / total * 100:.1f}%" in text
    top = max(by, key=by.get)
    assert f"{top} {by[top]:,} {by[top] / total * 100:.1f}%" in text


def _street_counts(force: str = "wiltshire") -> dict[str, tuple[int, int]]:
    """(crimes, ASB incidents) per month 'YYYY-MM' of the raw street files, counted with csv."""
    out = {}
    for p in sorted(shared("police_uk_street", force).glob(f"*-{force}-street.csv")):
        crimes = asb = 0
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] == "Anti-social behaviour":
                    asb += 1
                else:
                    crimes += 1
        out[p.name[:7]] = (crimes, asb)
    return out


def test_wiltshire_gap_quarter_compares_the_quarter_and_the_month_with_a_year_before(real_run):
    root, *_ = real_run
    n = _street_counts()
    q25 = sum(n[m][0] for m in QUARTER_MONTHS["2025-Q1"])
    q24 = sum(n[m.replace("2025", "2024")][0] for m in QUARTER_MONTHS["2025-Q1"])
    row = _scorecard(root, "wiltshire", "2025-Q1")["all_crime"]
    assert float(row["value"]) == q25 and row["unit"] == "crimes (quarter)"
    assert float(row["change"]) == pytest.approx((q25 - q24) / q24 * 100)
    assert row["comparison"] == "quarter to the same quarter last year"
    # March 2025 against March 2024, both present.
    mar = (n["2025-03"][0] - n["2024-03"][0]) / n["2024-03"][0] * 100
    assert f"Mar-25 alone: {n['2025-03'][0]:,}, {'up' if mar > 0 else 'down'} {abs(mar):.1f}% on Mar-24" in row["statement"]
    assert row["rating"] in ("Red", "Green", "No change")  # judged by the exact test on the two quarters
    asb25 = sum(n[m][1] for m in QUARTER_MONTHS["2025-Q1"])
    asb24 = sum(n[m.replace("2025", "2024")][1] for m in QUARTER_MONTHS["2025-Q1"])
    asb = _scorecard(root, "wiltshire", "2025-Q1")["asb_incidents"]
    assert float(asb["value"]) == asb25 and float(asb["change"]) == pytest.approx((asb25 - asb24) / asb24 * 100)


@pytest.mark.parametrize("quarter", ("2025-Q2", "2025-Q4"))
def test_wiltshire_measures_with_no_comparison_are_not_scored_never_amber(real_run, quarter):
    root, *_ = real_run
    n = _street_counts()
    card = _scorecard(root, "wiltshire", quarter)
    row = card["all_crime"]
    if quarter == "2025-Q2":
        # Q2 2024 is incomplete (May-24, Jun-24 missing), so no quarter comparison; Apr-25 against Apr-24 (both
        # present) is the one comparison whose inputs exist: shown, but one month is no evidence for a rating.
        assert float(row["value"]) == sum(n[m][0] for m in QUARTER_MONTHS[quarter])
        apr = (n["2025-04"][0] - n["2024-04"][0]) / n["2024-04"][0] * 100
        assert float(row["change"]) == pytest.approx(apr) and row["comparison"] == "Apr-25 to the same month last year"
        assert (f"Apr-25 alone: {n['2025-04'][0]:,}, {'up' if apr > 0 else 'down'} {abs(apr):.1f}% on Apr-24"
                in row["statement"])
    else:  # a complete R12 (Jan-25..Dec-25) with no R12 a year before
        assert float(row["value"]) == sum(v[0] for m, v in n.items() if m.startswith("2025"))
        assert row["change"] == ""
    assert row["rating"] == "Not scored: no comparison"
    volumes = [r for r in card.values() if r["unit"].startswith(("crimes", "incidents"))]
    assert volumes and all(r["rating"] == "Not scored: no comparison" for r in volumes)
    assert not any(r["rating"] == "Amber" for r in card.values())


@pytest.mark.parametrize("quarter", WILTSHIRE_QUARTERS)
def test_the_gap_is_named_once_per_report_as_a_gap_not_as_not_supplied(real_run, quarter):
    root, *_ = real_run
    months = set(_street_counts())
    missing = [str(p) for p in __import__("pandas").period_range("2024-05", "2024-12", freq="M")]
    assert not months & set(missing) and {"2024-04", "2025-01"} <= months  # the gap in this copy of the data
    text = _report_text(root, "wiltshire", quarter)
    assert text.count("Gap in the data: data.police.uk street files for May-24 to Dec-24 are missing.") == 1
    card = _scorecard(root, "wiltshire", quarter)
    assert not any("Gap in the data" in r["statement"] for r in card.values())  # not repeated on every measure
    # A measure the gap leaves without a value says "gap in the data", not "data not supplied".
    for r in card.values():
        if r["value"] == "" and r["metric_id"] != "crime_rate":
            assert r["verdict"] == "gap in the data" and r["rating"] == "Not scored: gap in the data", r
    if quarter == "2025-Q1":
        assert "Gap in the data (May-24 to Dec-24 missing): fewer than 12 consecutive months" in text
    assert "Data not supplied: fewer than 12" not in text


def test_city_of_london_has_no_gap_named(real_run):
    root, *_ = real_run
    assert "Gap in the data" not in _report_text(root, "city-of-london")


def _positive_share(months: tuple[str, ...]) -> tuple[int, int]:
    """(crimes with a positive last outcome, crimes) over ``months`` of the raw Wiltshire street files, with csv."""
    positive = set(yaml.safe_load((DEFAULT_ROOT / "params" / "default_plan.yaml").read_text())["positive_outcomes"])
    k = n = 0
    for month in months:
        with open(shared("police_uk_street", "wiltshire", f"{month}-wiltshire-street.csv"), encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] != "Anti-social behaviour":
                    n += 1
                    k += r["Last outcome category"] in positive
    return k, n


def test_gap_quarter_outcome_rate_is_the_quarter_on_the_same_quarter_tested(real_run):
    """2025-Q1 has no complete 12 months, but Q1 2025 and Q1 2024 are both complete: compared and tested."""
    root, *_ = real_run
    row = _scorecard(root, "wiltshire", "2025-Q1")["positive_outcome_rate"]
    k1, n1 = _positive_share(QUARTER_MONTHS["2025-Q1"])
    k0, n0 = _positive_share(tuple(m.replace("2025", "2024") for m in QUARTER_MONTHS["2025-Q1"]))
    assert float(row["value"]) == pytest.approx(k1 / n1 * 100)
    assert float(row["change"]) == pytest.approx((k1 / n1 - k0 / n0) * 100)
    assert row["comparison"] == "quarter to the same quarter last year"
    pooled = (k1 + k0) / (n1 + n0)
    z = (k1 / n1 - k0 / n0) / (pooled * (1 - pooled) * (1 / n1 + 1 / n0)) ** 0.5
    p = __import__("math").erfc(abs(z) / 2 ** 0.5)
    assert row["test"] == f"two-proportion test on the quarters, p = {p:.3f}"
    assert row["rating"] in (("Green", "Red") if p < 0.05 else ("No change",))
