"""The national ingest entry point: real ONS files and the sample national files, into data/processed/national/."""

import shutil

import pandas as pd
import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.errors import InputError
from pccreport.ingest import national, ons_population, pipeline, recorded_crime
from pccreport.inputs import sample
from tests.conftest import shared


def _root(tmp_path) -> Paths:
    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    paths = Paths(tmp_path)
    for d in national.raw_dirs(paths).values():
        d.mkdir(parents=True)
    return paths


def test_real_files_into_processed_national(tmp_path):
    paths = _root(tmp_path)
    dirs = national.raw_dirs(paths)
    shutil.copy(next(shared("ons_geography").glob("*.csv")), dirs["geography"])
    shutil.copy(shared("ons_population", "LAD23_Mid_Year_pop_2011_to_2023.xlsx"), dirs["population"])
    for name in ("policeforceareatablesyejune25final_TableP1.csv", "policeforceareatablesyejune25final_TableC2.csv"):
        shutil.copy(shared("police_recorded_crime", name), dirs["recorded_crime"])
    shutil.copy(shared("police_recorded_crime", "ons_pfa_tables_2018_2019", "pfatablesdec19.xlsx"),
                dirs["recorded_crime"])
    summary = pipeline.ingest_national(paths)
    assert not summary.unchanged and len(summary.excluded) == 2  # C2's two misfiled "Unassigned" rows
    out = national.out_dir(paths)
    crime = recorded_crime.load_recorded_crime(out / "recorded_crime.parquet")
    assert sorted(crime["period_end"].unique()) == ["2019-12", "2025-06"]
    assert crime.groupby("period_end")["force"].nunique().tolist() == [43, 43]
    key = crime.set_index(["period_end", "force", "offence_group"])
    assert key.index.is_unique
    assert key.loc[("2025-06", "wiltshire", recorded_crime.TOTAL), "count"] == 41090
    pop = ons_population.load_population(out / "population.parquet")
    assert set(pop["area_type"]) == {"pfa", "csp", "lad"} and pop["year"].between(2011, 2023).all()
    assert set(pop.loc[pop.area_type == "pfa", "force"]) == set(crime["force"])
    csp = pd.read_parquet(out / "recorded_crime_csp.parquet")
    assert "Swindon" in set(csp["csp_name"])
    again = pipeline.ingest_national(paths)
    assert again.unchanged


def test_bad_national_file_writes_nothing(tmp_path):
    paths = _root(tmp_path)
    dirs = national.raw_dirs(paths)
    shutil.copy(shared("police_recorded_crime", "policeforceareatablesyejune25final_TableP1.csv"),
                dirs["recorded_crime"])
    pipeline.ingest_national(paths)
    out = national.out_dir(paths)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (dirs["recorded_crime"] / "broken.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="broken.xlsx"):
        pipeline.ingest_national(paths)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sample_national_files_in_the_real_layouts(tmp_path):
    paths = _root(tmp_path)
    files = sample.generate_national(paths)
    assert len(files) == 4
    marked = (paths.raw / "SAMPLE.json").read_text()
    assert all(p.split("/data/raw/")[1] in marked for p in files)
    pipeline.ingest_national(paths)
    out = national.out_dir(paths)
    crime = recorded_crime.load_recorded_crime(out / "recorded_crime.parquet")
    assert crime.groupby("period_end")["force"].nunique().to_dict() == {"2022-03": 43, "2023-03": 43}
    total = crime[crime.offence_group == recorded_crime.TOTAL]
    # Groups add up to the total, and rates follow from the count and the (unrounded) population.
    groups = crime[crime.offence_group.isin([g for g, _, _ in sample.SAMPLE_P1_GROUPS])]
    sums = groups.groupby(["period_end", "force"])["count"].sum()
    assert (sums == total.set_index(["period_end", "force"])["count"]).all()
    ok = total.dropna(subset=["ons_rate"])
    assert len(ok) == 84 and ((ok["count"] / ok["population"] * 1000 / ok["ons_rate"] - 1).abs() < 50 / 8000).all()
    city = total[total.force == "city-of-london"]
    assert city["ons_rate"].isna().all() and city["rate_suppressed"].str.contains("small population").all()
    pop = ons_population.load_population(out / "population.parquet")
    assert pop[pop.area_type == "pfa"].groupby("year")["force"].nunique().eq(43).all()
    # Seeded: a second generation gives the same figures.
    other = _root(tmp_path / "again")
    sample.generate_national(other)
    pipeline.ingest_national(other)
    again = recorded_crime.load_recorded_crime(national.out_dir(other) / "recorded_crime.parquet")
    pd.testing.assert_frame_equal(crime.drop(columns="source"), again.drop(columns="source"))
