import csv
from collections import Counter

from pccreport.config import Paths
from pccreport.hashing import sha256_file
from pccreport.ingest.kpis import read_kpi_csv
from pccreport.ingest.police_uk import OUTCOME_COLUMNS, STREET_COLUMNS
from pccreport.inputs.sample import generate


def test_same_seed_same_files(tmp_path, sample_root):
    import shutil

    shutil.copytree(sample_root.params, tmp_path / "params")
    paths = Paths(tmp_path)
    files = generate(paths, "wiltshire", "2020-10", "2023-06")
    ref = sample_root.raw
    for f in files:
        rel = __import__("pathlib").Path(f).relative_to(paths.raw)
        assert sha256_file(paths.raw / rel) == sha256_file(ref / rel), rel


def test_sample_is_in_publisher_format_with_county_force_magnitudes(sample_root):
    folder = sample_root.police_uk_raw("wiltshire") / "2023-03"
    with open(folder / "2023-03-wiltshire-street.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == STREET_COLUMNS
        rows = list(reader)
    with open(folder / "2023-03-wiltshire-outcomes.csv", newline="") as f:
        assert csv.DictReader(f).fieldnames == OUTCOME_COLUMNS
    crimes = [r for r in rows if r["Crime type"] != "Anti-social behaviour"]
    assert 3000 <= len(crimes) <= 5000
    assert {r["Month"] for r in rows} == {"2023-03"} and {r["Falls within"] for r in rows} == {"Wiltshire Police"}
    assert all(r["Crime ID"] == "" for r in rows if r["Crime type"] == "Anti-social behaviour")
    assert any(r["LSOA code"] == "" for r in rows), "a few rows carry no location, as published"
    assert len(Counter(r["Crime type"] for r in rows)) == 14


def test_sample_kpis_validate(sample_root):
    df = read_kpi_csv(sample_root.kpi_raw("wiltshire") / "kpis.csv", "wiltshire")
    assert {"victim_satisfaction", "calls_999_answer", "intelligence_reports"} <= set(df["metric"])
    assert set(df.loc[df.metric == "intelligence_reports", "area"]) == {"County", "Swindon"}


def test_a_force_without_its_own_params_gets_kpi_rows_its_validation_accepts(tmp_path, sample_root):
    """Kent has no sample profile and no kpis.yaml: no sub-force rows; with a kpis.yaml, rows for its own areas."""
    import shutil

    shutil.copytree(sample_root.params, tmp_path / "params")
    paths = Paths(tmp_path)
    generate(paths, "kent", "2022-10", "2023-03")
    df = read_kpi_csv(paths.kpi_raw("kent") / "kpis.csv", "kent")
    assert set(df["area"]) <= {"force", "England and Wales"}
    assert "intelligence_reports" not in set(df["metric"])
    (paths.params / "kent").mkdir()
    (paths.params / "kent" / "kpis.yaml").write_text("areas: [North Kent, Medway]\n")
    generate(paths, "kent", "2022-10", "2023-03")
    df = read_kpi_csv(paths.kpi_raw("kent") / "kpis.csv", "kent")
    assert set(df.loc[df.metric == "intelligence_reports", "area"]) == {"North Kent", "Medway"}


def test_a_sample_written_into_a_root_without_params_passes_that_roots_check(tmp_path):
    """A root holding no params/ builds Wiltshire with the default plan and the national catalogue: the sample it is
    given carries no County/Swindon rows, peer-force benchmarks or force-only metrics that those refuse."""
    import subprocess
    import sys

    from pccreport.config import DEFAULT_ROOT

    paths = Paths(tmp_path)
    generate(paths, "wiltshire", "2021-10", "2023-03")
    df = read_kpi_csv(paths.kpi_raw("wiltshire") / "kpis.csv", "wiltshire")  # raises on a refused area or metric
    assert set(df["area"]) <= {"force", "England and Wales", "MSG average"} and len(df) > 0
    proc = subprocess.run([sys.executable, str(DEFAULT_ROOT / "run_all.py"), "--root", str(tmp_path), "--check",
                           "--force", "wiltshire", "--quarter", "2023-Q1"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "wiltshire 2023-Q1: OK" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def _p1_total(path, ons_code: str) -> int:
    """Total recorded crime for one force from a sample P1 sheet, read with openpyxl (not the package's reader)."""
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)["Table P1"]
    return next(int(r[2]) for r in ws.iter_rows(values_only=True) if r and r[0] == ons_code)


def test_the_sample_ons_total_and_the_street_files_come_from_one_model(sample_root):
    """The sample's ONS count is the street files' 12-month crimes divided by STREET_SHARE_OF_ONS (the stated reason
    they differ), within the model's noise: not two unrelated totals side by side."""
    from pccreport.inputs.sample import STREET_SHARE_OF_ONS

    for end in ("2022-03", "2023-03"):
        year, month = int(end[:4]), int(end[5:])
        months = [f"{y}-{m:02d}" for y, m in ((year - 1 + (month + k) // 12, (month + k) % 12 + 1) for k in range(12))]
        assert months[-1] == end and len(set(months)) == 12
        street = 0
        for m in months:
            with open(sample_root.police_uk_raw("wiltshire") / m / f"{m}-wiltshire-street.csv", newline="") as f:
                street += sum(1 for r in csv.DictReader(f) if r["Crime type"] != "Anti-social behaviour")
        book = next((sample_root.raw / "ons" / "recorded_crime").glob(f"SAMPLE_pfa_tables_ye_*{year}.xlsx"))
        ons = _p1_total(book, "E23000038")
        assert abs(street / ons - STREET_SHARE_OF_ONS) < 0.03, (end, street, ons)


def test_the_report_says_in_one_sentence_why_the_two_counts_differ():
    from pccreport.report import statements as st

    same = st.render("counts_differ", ons="41,090", ons_period="Mar-23", street="39,000", street_period="Mar-23",
                     months="")
    other = st.render("counts_differ", ons="41,090", ons_period="Jun-25", street="52,005", street_period="Dec-25",
                      months=" (they also cover different months)")
    for s in (same, other):
        assert s.count(". ") == 0 and s.endswith(".")  # one sentence
        assert "leave out crimes it cannot place on its map" in s
    assert "different months" in other and "different months" not in same
