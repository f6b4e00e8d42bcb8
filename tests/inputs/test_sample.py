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
