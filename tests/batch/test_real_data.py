"""Every force from public data alone: the real files in ../shared/data, a root holding only data/raw/, one run.

The run (``--force all --quarter 2025-Q4``) is made once per session; each test checks one thing against it, and
every figure is recomputed here from the raw files with csv/openpyxl, not through the package.
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


@pytest.fixture(scope="session")
def real_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """run_all.py --root R --force all --quarter 2025-Q4 on a root with only data/raw/ (the real public files)."""
    root = _raw_root(tmp_path_factory.mktemp("real"))
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(root), "--force", "all",
                           "--quarter", QUARTER, "--jobs", "2"], capture_output=True, text=True, timeout=1500)
    return root, proc


def _scorecard(root: Path, force: str) -> dict[str, dict]:
    with open(root / "reports" / force / QUARTER / "scorecard.csv", encoding="utf-8", newline="") as fh:
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
    root, proc = real_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout.split("Summary", 1)[1]
    assert len(re.findall(rf"^\S+\s+{QUARTER}\s+no data\s", summary, re.M)) == 41
    for force in ("wiltshire", "city-of-london"):
        assert re.search(rf"^{force}\s+{QUARTER}\s+built\s", summary, re.M), summary
        assert (root / "reports" / force / QUARTER / f"{force}-{QUARTER}-report.pdf").stat().st_size > 0
    assert not (root / "params").exists()  # the project's params/ were the defaults: nothing was copied in


def test_wiltshire_rate_rank_and_peer_average_recomputed_from_the_ons_files(real_run):
    root, _ = real_run
    counts, pop = _p1_totals(), _pfa_population_2023()
    rates = {code: counts[code] / pop[code] * 1000 for code in counts if code in pop}
    wilts = "E23000038"
    ranked = sorted(v for code, v in rates.items() if code != "E23000034")  # City of London is not ranked, as ONS
    assert len(ranked) == 42
    row = _scorecard(root, "wiltshire")["crime_rate"]
    assert float(row["value"]) == pytest.approx(rates[wilts], abs=1e-9)
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
    root, _ = real_run
    crimes = asb = 0
    for p in sorted(shared("police_uk_street", "wiltshire").glob("2025-*-wiltshire-street.csv")):
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] == "Anti-social behaviour":
                    asb += 1
                else:
                    crimes += 1
    card = _scorecard(root, "wiltshire")
    assert float(card["all_crime"]["value"]) == crimes
    assert float(card["asb_incidents"]["value"]) == asb


def test_city_of_london_is_not_ranked_but_has_its_rate(real_run):
    root, _ = real_run
    counts, pop = _p1_totals(), _pfa_population_2023()
    row = _scorecard(root, "city-of-london")["crime_rate"]
    assert float(row["value"]) == pytest.approx(counts["E23000034"] / pop["E23000034"] * 1000, abs=1e-9)
    assert row["verdict"].startswith("not ranked")


def _report_text(root: Path, force: str) -> str:
    html = (root / "reports" / force / QUARTER / f"{force}-{QUARTER}-report.html").read_text(encoding="utf-8")
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    import html as h

    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_wiltshire_csp_rows_recomputed_from_table_c2_and_the_lad_populations(real_run):
    root, _ = real_run
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
    text = _report_text(root, "wiltshire")
    assert {r[3] for r in c2} == {"Swindon", "Wiltshire"}  # the seed report's County / Swindon split
    for r in c2:
        count = _number(r[6].strip())
        line = f"{r[3]} {count:,} {pop[r[2]]:,} {count / pop[r[2]] * 1000:.2f}"
        assert line in text, line


def test_outcome_breakdown_recomputed_from_the_raw_street_files(real_run):
    root, _ = real_run
    plan = yaml.safe_load((DEFAULT_ROOT / "params" / "default_plan.yaml").read_text())
    by: dict[str, int] = {}
    for month in ("2025-10", "2025-11", "2025-12"):
        with open(shared("police_uk_street", "wiltshire", f"{month}-wiltshire-street.csv"), encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] != "Anti-social behaviour":
                    by[r["Last outcome category"]] = by.get(r["Last outcome category"], 0) + 1
    total = sum(by.values())
    positive = sum(n for k, n in by.items() if k in plan["positive_outcomes"])
    text = _report_text(root, "wiltshire")
    assert f"Of the {total:,} crimes recorded in {QUARTER}, {positive / total * 100:.1f}%" in text
    top = max(by, key=by.get)
    assert f"{top} {by[top]:,} {by[top] / total * 100:.1f}%" in text
