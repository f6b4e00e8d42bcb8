"""A seeded generator of sample inputs in the real publisher formats, so the project runs with no other data.

Street and outcomes CSVs follow data.police.uk's columns; KPIs follow the force KPI CSV schema (docs/inputs.md).
Levels are realistic for a county force (about 3,500 crimes and 800 anti-social behaviour incidents a month) with
seasonality and a few deliberate special-cause events so the control charts have something to find.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..config import Paths
from ..hashing import atomic_write_json, sha256_file
from ..ingest.police_uk import OUTCOME_COLUMNS, STREET_COLUMNS
from ..registry import load_registry

DEFAULT_SEED = 20230331
# Annual shares of recorded crime by data.police.uk type for a county force (Wiltshire's 2025 files, rounded).
CRIME_SHARES = {
    "Violence and sexual offences": 0.466, "Criminal damage and arson": 0.102, "Public order": 0.097,
    "Shoplifting": 0.096, "Other theft": 0.064, "Vehicle crime": 0.040, "Burglary": 0.040, "Drugs": 0.032,
    "Other crime": 0.029, "Bicycle theft": 0.012, "Possession of weapons": 0.011, "Theft from the person": 0.006,
    "Robbery": 0.005,
}
# The sample's ONS tables and its street files come from one model: ONS's total recorded crime (excluding fraud)
# for a sample force is the street model's expected crimes over the same 12 months divided by this share, because
# data.police.uk's street files leave out crimes it cannot place on its map and some offences, so they hold fewer
# crimes than police recorded crime (Wiltshire's real files hold roughly this share of its ONS count).
STREET_SHARE_OF_ONS = 0.95
BURGLARY_SPIKE = (pd.Period("2022-08", "M"), 1.7)  # a deliberate special-cause month for the control charts
VIOLENCE_TREND = (pd.Period("2022-06", "M"), 0.012)  # violence rising 1.2% a month from this month on
# Final outcomes once a case is resolved; shares are illustrative of county-force published outcomes.
RESOLVED_OUTCOMES = {
    "Investigation complete; no suspect identified": 0.38, "Unable to prosecute suspect": 0.36,
    "Awaiting court outcome": 0.05, "Offender fined": 0.015, "Offender given community sentence": 0.01,
    "Offender sent to prison": 0.01, "Local resolution": 0.05, "Offender given a caution": 0.012,
    "Offender given penalty notice": 0.004, "Action to be taken by another organisation": 0.03,
    "Further investigation is not in the public interest": 0.015, "Formal action is not in the public interest": 0.005,
    "Status update unavailable": 0.054,
}
STREETS = ["High Street", "Station Road", "Church Lane", "Park Road", "Victoria Road", "Manor Road", "London Road",
           "Market Place", "The Parade", "Mill Lane", "Queens Road", "Kingsway", "Bath Road", "Westlea Drive",
           "Shopping Area", "Supermarket", "Sports/Recreation Area", "Petrol Station", "Nightclub", "Parking Area"]


@dataclass
class Profile:
    """What varies between sample forces: size, areas and the centre of their map."""

    crimes_per_month: float = 3500
    asb_per_month: float = 830
    areas: dict[str, int] = field(default_factory=lambda: {"Wiltshire": 220, "Swindon": 130})
    lon_lat: tuple[float, float] = (-1.95, 51.35)
    kpi_areas: tuple[str, ...] | None = None  # None: the sub-force areas of the force's params/<force>/kpis.yaml
    own_kpis: tuple[str, ...] = ()  # metrics from the force's params/<force>/kpis.yaml, not the national catalogue
    benchmark_areas: tuple[str, ...] = ()  # peer forces' published figures (the 'comparators' of its kpis.yaml)


PROFILES = {
    "wiltshire": Profile(kpi_areas=("County", "Swindon"), benchmark_areas=("Warwickshire", "West Mercia")),
    "dorset": Profile(crimes_per_month=3900, asb_per_month=900,
                      areas={"Dorset": 230, "Bournemouth, Christchurch and Poole": 250}, lon_lat=(-2.1, 50.75),
                      kpi_areas=("Dorset", "BCP"), own_kpis=("rural_crime_reports",)),
}


def _type_multiplier(crime_type: str, month: pd.Period) -> float:
    """The deliberate events of the sample (the burglary spike, the violence trend) as a factor on one month's count."""
    if crime_type == "Burglary" and month == BURGLARY_SPIKE[0]:
        return BURGLARY_SPIKE[1]
    if crime_type == "Violence and sexual offences" and month >= VIOLENCE_TREND[0]:
        return 1 + VIOLENCE_TREND[1] * (month - VIOLENCE_TREND[0]).n
    return 1.0


def expected_crimes(profile: "Profile", month: pd.Period) -> float:
    """The street model's expected crimes (anti-social behaviour excluded) in one month: what ``_month`` draws around."""
    return sum(profile.crimes_per_month * s * _month_factor(month, 1.0) * _type_multiplier(t, month)
               for t, s in CRIME_SHARES.items())


def _month_factor(month: pd.Period, rng_noise: float) -> float:
    seasonal = 1 + 0.08 * np.sin((month.month - 4) / 12 * 2 * np.pi)
    covid = 0.78 if pd.Period("2021-01", "M") <= month <= pd.Period("2021-03", "M") else 1.0
    return seasonal * covid * rng_noise


def generate(paths: Paths, force: str = "wiltshire", start: str = "2020-01", end: str = "2023-12",
             seed: int = DEFAULT_SEED) -> list[str]:
    """Write sample street, outcomes and KPI files for ``force`` under data/raw/; returns the files written."""
    reg = load_registry(paths)
    f = reg[force]
    profile = _resolved(PROFILES.get(force, Profile()), paths, force)
    rng = np.random.default_rng([seed, sum(map(ord, force))])
    months = pd.period_range(start, end, freq="M")
    lsoas = _lsoas(profile, rng)
    written = []
    snapshot = months[-1]
    for month in months:
        street, outcomes = _month(month, snapshot, f.police_uk_name, profile, lsoas, rng)
        folder = paths.police_uk_raw(force) / str(month)
        folder.mkdir(parents=True, exist_ok=True)
        for kind, df in (("street", street), ("outcomes", outcomes)):
            path = folder / f"{month}-{force}-{kind}.csv"
            df.to_csv(path, index=False)
            written.append(path)
    kdir = paths.kpi_raw(force)
    kdir.mkdir(parents=True, exist_ok=True)
    kpath = kdir / "kpis.csv"
    _kpis(force, months, profile, rng).to_csv(kpath, index=False)
    written.append(kpath)
    manifest = paths.raw / "SAMPLE.json"
    import json

    known = json.loads(manifest.read_text()) if manifest.exists() else {}
    known.update({str(p.relative_to(paths.raw)): sha256_file(p) for p in written})
    atomic_write_json(manifest, known)
    return [str(p) for p in written]


def _resolved(profile: Profile, paths: Paths, force: str) -> Profile:
    """The profile cut to the areas and metrics this root's params accept for ``force``.

    A force's params/<force>/ belong to their root: a sample written into a root without them is built with the
    default plan and the national catalogue, which refuse the sample plan's sub-force areas, peer forces and own
    metrics, so the sample writes none of those (the project's own sample is unchanged)."""
    from ..ingest.kpis import CATALOGUE_FILE, load_catalogue
    from ..yamlfile import load_yaml

    cat = load_catalogue(paths.params, force)
    national = set((load_yaml(paths.param_file(CATALOGUE_FILE)) or {}).get("areas") or [])
    # The sub-force areas of params/<force>/kpis.yaml (none without one): KPI rows for any other area are refused.
    sub = tuple(a for a in cat.areas if a not in national and a not in cat.comparators)
    areas = sub if profile.kpi_areas is None else tuple(a for a in profile.kpi_areas if a in sub)
    return replace(profile, kpi_areas=areas,
                   benchmark_areas=tuple(a for a in profile.benchmark_areas if a in cat.comparators),
                   own_kpis=tuple(k for k in profile.own_kpis if k in cat.metrics))


def _lsoas(profile: Profile, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    code = 31000
    for area, count in profile.areas.items():
        for i in range(count):
            code += 1
            rows.append((f"E01{code:06d}", f"{area} {i // 4 + 1:03d}{'ABCD'[i % 4]}"))
    df = pd.DataFrame(rows, columns=["LSOA code", "LSOA name"])
    lon0, lat0 = profile.lon_lat
    df["lon"] = lon0 + rng.normal(0, 0.18, len(df))
    df["lat"] = lat0 + rng.normal(0, 0.12, len(df))
    df["weight"] = rng.gamma(2.0, 1.0, len(df))
    df["weight"] /= df["weight"].sum()
    return df


def _month(month: pd.Period, snapshot: pd.Period, force_name: str, profile: Profile, lsoas: pd.DataFrame,
           rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    factor = _month_factor(month, rng.normal(1, 0.03))
    counts = {t: rng.poisson(profile.crimes_per_month * s * factor) for t, s in CRIME_SHARES.items()}
    for t in ("Burglary", "Violence and sexual offences"):  # the deliberate spike and trend (_type_multiplier)
        if _type_multiplier(t, month) != 1.0:
            counts[t] = int(counts[t] * _type_multiplier(t, month))
    asb_season = 1 + 0.25 * np.sin((month.month - 4) / 12 * 2 * np.pi)
    counts["Anti-social behaviour"] = rng.poisson(profile.asb_per_month * asb_season)
    types = np.concatenate([np.repeat(t, n) for t, n in counts.items()])
    rng.shuffle(types)
    n = len(types)
    pick = rng.choice(len(lsoas), size=n, p=lsoas["weight"].to_numpy())
    loc = lsoas.iloc[pick].reset_index(drop=True)
    located = rng.random(n) > 0.012  # about 1% of records carry no location, as published
    is_asb = types == "Anti-social behaviour"
    ids = np.array([rng.bytes(32).hex() for _ in range(n)], dtype=object)
    ids[is_asb] = ""
    age = (snapshot - month).n
    outcome = _outcomes(types, age, month, rng)
    street = pd.DataFrame({
        "Crime ID": ids,
        "Month": str(month),
        "Reported by": force_name,
        "Falls within": force_name,
        "Longitude": np.where(located, (loc["lon"] + rng.normal(0, 0.004, n)).round(6).astype(str), ""),
        "Latitude": np.where(located, (loc["lat"] + rng.normal(0, 0.004, n)).round(6).astype(str), ""),
        "Location": np.where(located, "On or near " + pd.Series(rng.choice(STREETS, n)), "No Location"),
        "LSOA code": np.where(located, loc["LSOA code"], ""),
        "LSOA name": np.where(located, loc["LSOA name"], ""),
        "Crime type": types,
        "Last outcome category": np.where(is_asb, "", outcome),
        "Context": "",
    }, columns=STREET_COLUMNS)
    # Outcomes file: outcomes recorded this month (for simplicity, for crimes recorded this month and resolved).
    resolved = (~is_asb) & ~np.isin(outcome, ["Under investigation", "Status update unavailable"])
    o = street[resolved]
    outcomes = pd.DataFrame({c: o[c] for c in OUTCOME_COLUMNS if c in o.columns})
    outcomes["Outcome type"] = o["Last outcome category"].replace({"Awaiting court outcome": "Suspect charged"})
    return street, outcomes[OUTCOME_COLUMNS]


def _outcomes(types: np.ndarray, age: int, month: pd.Period, rng: np.random.Generator) -> np.ndarray:
    n = len(types)
    names = list(RESOLVED_OUTCOMES)
    probs = np.array(list(RESOLVED_OUTCOMES.values()))
    probs = probs / probs.sum()
    out = rng.choice(names, size=n, p=probs).astype(object)
    # Shoplifting and drugs are solved far more often; positive outcomes drift up slowly over time.
    boost = np.isin(types, ["Shoplifting", "Drugs", "Possession of weapons"])
    drift = 0.0012 * max(0, (month - pd.Period("2020-01", "M")).n)
    extra = rng.random(n) < np.where(boost, 0.16, drift)
    out[extra] = rng.choice(["Awaiting court outcome", "Local resolution", "Offender given a caution"], size=int(extra.sum()))
    pending = rng.random(n) < 0.65 * np.exp(-age / 3) + 0.02
    out[pending] = "Under investigation"
    return out


def _kpis(force: str, months: pd.PeriodIndex, profile: Profile, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly (and quarterly) KPIs of every kind in params/kpi_catalogue.yaml, with seasonality and special causes."""
    rows = []

    def add(metric, area, period, value=None, num=None, den=None, unit="count"):
        rows.append({"force": force, "metric": metric, "area": area, "period": str(period),
                     "value": "" if value is None else round(float(value), 2),
                     "numerator": "" if num is None else int(num), "denominator": "" if den is None else int(den),
                     "unit": unit})

    def count(metric, area, period, mean):
        add(metric, area, period, rng.poisson(max(0.0, mean)))

    def survey(metric, period, n, p, area="force"):
        add(metric, area, period, None, rng.binomial(n, min(max(p, 0.0), 1.0)), n, "percent")

    size = profile.crimes_per_month / 3500  # KPI volumes scale with the force's crime volume
    # The measures added for the seed's sections draw from their own stream, so earlier measures keep their values.
    x = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    new_model = pd.Period("2022-09", "M")  # a new 101 operating model: a planned step change
    for i, m in enumerate(months):
        season = 1 + 0.06 * np.sin((m.month - 4) / 12 * 2 * np.pi)
        summer = 1 + 0.15 * np.sin((m.month - 4) / 12 * 2 * np.pi)  # violence and ASB-like summer peak
        add("calls_999_answer", "force", m, max(3, rng.normal(9.5, 1.6)), unit="seconds")
        add("calls_101_answer", "force", m, max(20, rng.normal(150 if m < new_model else 430, 35)), unit="seconds")
        calls = int(rng.normal(21000, 1200) * season * size)
        add("calls_101_abandonment", "force", m, None, rng.binomial(calls, 0.06 if m < new_model else 0.085), calls, "percent")
        audits = int(rng.integers(180, 230))
        # A deliberate special cause: a month of poor THRIVE recording while new staff were trained.
        add("call_quality_audit", "force", m, None, rng.binomial(audits, 0.74 if m == pd.Period("2022-11", "M") else 0.89),
            audits, "percent")
        add("emergency_response_mean", "force", m, rng.normal(745, 40), unit="seconds")
        add("emergency_response_median", "force", m, rng.normal(610, 30), unit="seconds")
        add("priority_response_mean", "force", m, rng.normal(4800 + 60 * i, 500), unit="seconds")
        add("priority_response_median", "force", m, rng.normal(2300 + 15 * i, 150), unit="seconds")
        total = rng.normal(1300 + 5 * i, 35) * size
        add("outstanding_suspects", "force", m, round(total))
        add("outstanding_suspects_over_4_days", "force", m, round(total * rng.normal(0.82, 0.01)))
        add("outstanding_suspects_over_12_months", "force", m, round(total * (0.10 + 0.001 * i) * rng.normal(1, 0.03)))
        if len(profile.kpi_areas) >= 2:  # sub-force areas only where the force's kpis.yaml names two or more
            a, b = profile.kpi_areas[:2]
            add("intelligence_reports", a, m, round(rng.normal(1460, 40) * size))
            low = 0.85 if len(months) >= 10 and m == months[-10] else 1.0  # a deliberate low month for one area
            add("intelligence_reports", b, m, round(rng.normal(1130, 35) * size * low))
            add("emergency_response_mean", a, m, rng.normal(840, 45), unit="seconds")  # rural area: further to travel
            add("emergency_response_mean", b, m, rng.normal(610, 35), unit="seconds")
        n = int(rng.integers(130, 175))
        p = 0.78 if m < pd.Period("2022-10", "M") else 0.72
        survey("victim_satisfaction", m, n, p)
        # Components of satisfaction, from the same monthly survey sample: being kept informed drives the fall.
        for comp, base in (("actions", 0.74), ("ease_of_contact", 0.90), ("investigation", 0.70),
                           ("time_to_arrive", 0.81), ("treatment", 0.92)):
            survey(f"victim_satisfaction_{comp}", m, n, base)
        survey("victim_satisfaction_kept_informed", m, n, 0.66 if m < pd.Period("2022-10", "M") else 0.57)
        add("days_to_charge", "force", m, max(5, rng.normal(22 + 0.1 * i, 2.5)), unit="days")
        count("complaints", "force", m, 105 * size * (1.35 if 2022 == m.year and 8 <= m.month <= 11 else 1))
        complaints = int(rows[-1]["value"])
        rasso = rng.poisson(140 * size * summer)
        add("rasso_crimes", "force", m, rasso)
        add("rasso_outcome_rate", "force", m, None, rng.binomial(rasso, 0.055 + 0.0008 * i), rasso, "percent")
        add("rasso_days_to_charge", "force", m, max(30, rng.normal(165, 28)), unit="days")
        add("rasso_outstanding_suspects", "force", m, round(rng.normal(210 + 1.5 * i, 9) * size))
        count("stalking_harassment_crimes", "force", m, 450 * size * season)
        da = rng.poisson(700 * size * summer * (1.25 if m.month == 12 else 1))  # the Christmas peak
        add("domestic_abuse_crimes", "force", m, da)
        add("domestic_abuse_outcome_rate", "force", m, None, rng.binomial(da, 0.12), da, "percent")
        count("cyber_crimes", "force", m, 60 * size)
        # A deliberate special cause: a spike in hate crime after a national event.
        hate = rng.poisson(85 * size * (1.8 if m == pd.Period("2022-06", "M") else 1))
        add("hate_crimes", "force", m, hate)
        add("hate_crime_outcome_rate", "force", m, None, rng.binomial(hate, 0.14), hate, "percent")
        count("drink_drug_driving_arrests", "force", m, 95 * size * (1.6 if m.month == 12 else 1))  # December campaign
        _seed_sections(add, x, m, i, size, profile, complaints)
        if "rural_crime_reports" in profile.own_kpis:
            count("rural_crime_reports", "force", m, 120 * (1 + 0.3 * np.sin((m.month - 3) / 12 * 2 * np.pi)))
        if m.month % 3 == 0:  # quarterly measures, dated by the quarter's last month, with a national comparator
            for area, level in (("force", 1.0), ("England and Wales", 1.06)):
                add("cjs_timeliness", area, m, rng.normal(330 * level, 12), unit="days")
            for metric, own, nat in (("cjs_victim_engagement", 78, 76), ("cjs_quality_of_justice", 84, 83)):
                add(metric, "force", m, min(100, rng.normal(own, 1.5)), unit="percent")
                add(metric, "England and Wales", m, min(100, rng.normal(nat, 0.5)), unit="percent")
    _csew(add, x, months)
    return pd.DataFrame(rows)


# The nine CJS dashboard measures: (metric, unit, force level, national level, quarterly noise).
CJS_NINE = [("cjs_days_police_charge", "days", 55, 49, 6), ("cjs_days_cps_charge", "days", 70, 47, 14),
            ("cjs_days_crown_court", "days", 190, 250, 10), ("cjs_victim_no_support_investigation", "percent", 22, 28, 2),
            ("cjs_victim_no_support_trial_day", "percent", 1.6, 1.1, 0.4),
            ("cjs_victim_no_support_after_charge", "percent", 11, 15, 1), ("cjs_successful_outcome", "percent", 10, 8, 1),
            ("cjs_trial_or_guilty_plea", "percent", 92, 86, 1.5), ("cjs_correct_decisions", "percent", 99, 97, 0.6)]
# CSEW measures: force level, England and Wales level (rolling-year estimates from quarterly samples).
CSEW = [("csew_confidence", 0.76, 0.685), ("csew_good_job", 0.62, 0.525), ("csew_relied_on", 0.57, 0.537)]


def _seed_sections(add, x: np.random.Generator, m: pd.Period, i: int, size: float, profile: Profile,
                   complaints: int) -> None:
    """One month of the measures the seed's sections show: outcome rates by crime type, satisfaction by crime type
    with peer benchmarks, complaints resolved, and (at quarter ends) the nine CJS dashboard measures."""
    if complaints:
        add("complaints_resolved", "force", m, None, x.binomial(complaints, 0.6), complaints, "percent")
    for metric, volume, rate in (("violence_with_injury_outcome_rate", 420, 0.19 + 0.0006 * i),
                                 ("rape_outcome_rate", 45, 0.04 + 0.0012 * i),
                                 ("stalking_harassment_outcome_rate", 450, 0.07),
                                 ("cyber_crime_outcome_rate", 60, 0.095)):
        n = max(1, int(x.poisson(volume * size)))
        add(metric, "force", m, None, x.binomial(n, min(rate, 1.0)), n, "percent")
    for crime, p, peers in (("burglary", 0.78, (0.74, 0.838)), ("hate", 0.80, (0.69, 0.734)),
                            ("vehicle", 0.72 if m < pd.Period("2022-11", "M") else 0.64, (0.64, None)),
                            ("violent", 0.76, (None, None))):
        n = int(x.integers(30, 50))
        add(f"victim_satisfaction_{crime}", "force", m, None, x.binomial(n, p), n, "percent")
        if m.month % 3 == 0:
            for area, level in zip(profile.benchmark_areas, peers):
                if level is not None:
                    add(f"victim_satisfaction_{crime}", area, m, round(100 * min(1.0, x.normal(level, 0.01)), 1),
                        unit="percent")
    if m.month % 3 == 0:
        for metric, unit, own, nat, noise in CJS_NINE:
            for area, level, sd in (("force", own, noise), ("England and Wales", nat, noise / 4)):
                v = max(0.0, x.normal(level, sd))
                add(metric, area, m, min(100.0, v) if unit == "percent" else v, unit=unit)


def _csew(add, x: np.random.Generator, months: pd.PeriodIndex) -> None:
    """CSEW rolling-year estimates at each quarter end, as ONS publishes them: the year's percentage and its base."""
    quarters = [m for m in months if m.month % 3 == 0]
    for metric, own, nat in CSEW:
        for area, level, per_q in (("force", own, 110), ("England and Wales", nat, 8500)):
            draws = []  # each quarter's interviews; a published year pools the last four quarters
            for q in range(len(quarters) + 3):
                n = int(x.integers(int(per_q * 0.9), int(per_q * 1.1)))
                draws.append((x.binomial(n, level), n))
            for j, m in enumerate(quarters):
                year = draws[j:j + 4]
                k, n = sum(d[0] for d in year), sum(d[1] for d in year)
                add(metric, area, m, round(100 * k / n, 1), None, n, "percent")


def main(argv: list[str] | None = None) -> int:
    """Command line: write the sample inputs for one or more forces."""
    ap = argparse.ArgumentParser(prog="python -m pccreport.inputs.sample", description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="append", help="force slug (repeatable); default wiltshire")
    ap.add_argument("--start", default="2020-01")
    ap.add_argument("--end", default="2023-12")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--root", help="project root holding data/ and params/ (default: this project)")
    args = ap.parse_args(argv)
    paths = Paths.discover(args.root)
    for force in args.force or ["wiltshire"]:
        files = generate(paths, force, args.start, args.end, args.seed)
        print(f"sample data for {force}: {len(files)} files under {paths.raw}")
    files = generate_national(paths, seed=args.seed)
    print(f"sample national tables (ONS layouts, all 43 forces): {len(files)} files under {paths.raw / 'ons'}")
    return 0


# --- National sample: ONS police force area tables, mid-year population and the LAD→CSP→PFA lookup ---------------
# Offence groups in the column order of ONS table P1, with rough rates per 1,000 people for a typical force area.
# Sub-groups (indented in ONS's table) are listed after their group and are generated to add up to it.
SAMPLE_P1_GROUPS: list[tuple[str, float, list[tuple[str, float]]]] = [
    ("Violence against the person", 30.0, [("Homicide", 0.01), ("Death or serious injury - unlawful driving", 0.03),
                                          ("Violence with injury", 9.0), ("Violence without injury", 12.0),
                                          ("Stalking and harassment", 8.96)]),
    ("Sexual offences", 3.2, []),
    ("Robbery", 1.2, []),
    ("Theft offences", 28.0, [("Burglary", 4.0), ("Vehicle offences", 5.5), ("Theft from the person", 1.5),
                              ("Bicycle theft", 1.0), ("Shoplifting", 8.0), ("Other theft offences", 8.0)]),
    ("Criminal damage and arson", 7.5, []),
    ("Drug offences", 3.0, []),
    ("Possession of weapons offences", 0.9, []),
    ("Public order offences", 7.0, []),
    ("Miscellaneous crimes against society", 2.0, []),
]
_SAMPLE_LADS = {"wiltshire": ["Wiltshire", "Swindon"], "dorset": ["Dorset", "Bournemouth, Christchurch and Poole"]}
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"]


def generate_national(paths: Paths, period_ends: tuple[str, ...] = ("2022-03", "2023-03"),
                      seed: int = DEFAULT_SEED) -> list[str]:
    """Write a sample ONS LAD→CSP→PFA lookup, a mid-year population workbook (MYE5) and ONS police force area
    tables workbooks (P1 counts, P3 population and rates) for all 43 forces under data/raw/ons/, in the real
    layouts (title rows, footnote markers, '+' for City of London's suppressed rate), marked in SAMPLE.json.

    Local authorities other than the sample forces' own (named as in their sample LSOAs) are one per force, named
    after it, with codes in an unused range (E06/W06 9xxxxx) so they cannot be mistaken for real ones.
    """
    import json

    import openpyxl

    reg = load_registry(paths)
    rng = np.random.default_rng([seed, 4343])
    ons = paths.raw / "ons"
    lookup_rows, lads = [], []
    for i, f in enumerate(sorted(reg.values(), key=lambda f: f.ons_code)):
        wales = f.ons_code.startswith("W")
        size = float(np.exp(rng.normal(np.log(1.2e6), 0.55)))
        if f.slug == "city-of-london":
            size = 8600.0
        names = _SAMPLE_LADS.get(f.slug, [f.name])
        shares = rng.dirichlet(np.ones(len(names)) * 4)
        for j, (name, share) in enumerate(zip(names, shares)):
            code = f"{'W' if wales else 'E'}0690{i:02d}{j:02d}"
            csp = f"{'W' if wales else 'E'}2290{i:02d}{j:02d}"
            lookup_rows.append([code, name, csp, name, f.ons_code, f.ons_name, len(lookup_rows) + 1])
            lads.append((code, name, size * share, f))
    written = []
    lookup_path = ons / "geography" / "SAMPLE_LAD_to_CSP_to_PFA_lookup.csv"
    lookup_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(lookup_rows, columns=["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM", "ObjectId"]
                 ).to_csv(lookup_path, index=False, encoding="utf-8-sig")
    written.append(lookup_path)

    years = list(range(2023, 2010, -1))
    growth = {y: 1 - 0.006 * (2023 - y) for y in years}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "MYE5"
    ws.append(["MYE5: Population density for local authorities in England and Wales, mid-2011 to mid-2023 "
               "(SAMPLE DATA, not ONS figures)"])
    ws.append(["This worksheet contains one table."])
    header = ["Code", "Name", "Geography", "Area (sq km)"]
    for y in years:
        header += [f"Estimated Population mid-{y}", f"{y} people per sq. km"]
    ws.append(header)
    pop_by_force: dict[str, dict[int, float]] = {}
    for code, name, size, f in lads:
        area = max(size / 400, 3.0)
        row = [code, name, "Unitary Authority", round(area, 1)]
        for y in years:
            p = round(size * growth[y])
            pop_by_force.setdefault(f.slug, {}).setdefault(y, 0)
            pop_by_force[f.slug][y] += p
            row += [p, round(p / area)]
        ws.append(row)
    pop_path = ons / "population" / "SAMPLE_Mid_Year_pop_2011_to_2023.xlsx"
    pop_path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(pop_path)
    written.append(pop_path)

    force_rate = {f.slug: float(np.exp(rng.normal(0, 0.18))) for f in reg.values()}
    for k, end in enumerate(period_ends):
        # A force with a street-file profile gets the ONS total its street model implies (STREET_SHARE_OF_ONS).
        months = pd.period_range(pd.Period(end, "M") - 11, end, freq="M")
        modelled = {slug: sum(expected_crimes(p, m) for m in months) / STREET_SHARE_OF_ONS
                    for slug, p in PROFILES.items() if slug in reg}
        written.append(_sample_pfa_workbook(ons / "recorded_crime", end, reg, pop_by_force, force_rate,
                                            np.random.default_rng([seed, 4343, k]), modelled))
    manifest = paths.raw / "SAMPLE.json"
    known = json.loads(manifest.read_text()) if manifest.exists() else {}
    known.update({str(p.relative_to(paths.raw)): sha256_file(p) for p in written})
    atomic_write_json(manifest, known)
    return [str(p) for p in written]


def _sample_pfa_workbook(folder, end: str, reg, pop_by_force, force_rate, rng, modelled=None) -> "Path":
    """One sample 'Police force area data tables' workbook (tables P1 and P3) in the ONS layout.

    ``modelled`` gives, for the forces with sample street files, the expected total recorded crime the street
    model implies; their offence groups are scaled so the table's total has that expectation.
    """
    import openpyxl

    year, month = int(end[:4]), int(end[5:])
    label = f"year ending {_MONTH_NAMES[month - 1]} {year}"
    pop_year = year - 1 if month < 6 else year  # ONS divides by the latest mid-year estimate before the period ends
    cols: list[str] = ["Total recorded crime (excluding fraud)"]
    for g, _, subs in SAMPLE_P1_GROUPS:
        cols += [g] + [s for s, _ in subs]
    counts: dict[str, dict[str, int]] = {}
    per_1000 = sum(sum(r for _, r in subs) if subs else rate for _, rate, subs in SAMPLE_P1_GROUPS)
    for f in reg.values():
        pop = pop_by_force[f.slug][min(pop_year, 2023)]
        if modelled and f.slug in modelled:
            force_rate = {**force_rate, f.slug: modelled[f.slug] / (per_1000 * pop / 1000)}
        c: dict[str, int] = {}
        for g, rate, subs in SAMPLE_P1_GROUPS:
            if subs:
                parts = {s: int(rng.poisson(r * pop / 1000 * force_rate[f.slug])) for s, r in subs}
                c.update(parts)
                c[g] = sum(parts.values())
            else:
                c[g] = int(rng.poisson(rate * pop / 1000 * force_rate[f.slug]))
        c["Total recorded crime (excluding fraud)"] = sum(c[g] for g, _, _ in SAMPLE_P1_GROUPS)
        counts[f.slug] = c
    forces = sorted(reg.values(), key=lambda f: f.ons_code)
    wb = openpyxl.Workbook()
    p1 = wb.active
    p1.title = "Table P1"
    p1.append([f"Table P1: Police recorded crime by offence group and police force area, number of offences, "
               f"{label}1,2 (SAMPLE DATA, not ONS figures)"])
    p1.append([])
    p1.append(["England and Wales"])
    p1.append([None, None, "Total recorded crime (excluding fraud3)", None, "Victim-based crime"])
    p1.append(["Area Code", "Area Name", None, None] + cols[1:])
    p1.append([None, None, "Numbers"])
    ew = {c: sum(counts[f.slug][c] for f in forces) for c in cols}
    p1.append(["K04000001", "ENGLAND AND WALES4", ew[cols[0]], None] + [ew[c] for c in cols[1:]])
    for f in forces:
        p1.append([f.ons_code, f.ons_name, counts[f.slug][cols[0]], None] + [counts[f.slug][c] for c in cols[1:]])
    p1.append(["Source: SAMPLE DATA generated by pccreport.sample (layout of ONS table P1)"])
    for n, text in enumerate(["Police recorded crime data are not designated as National Statistics.",
                              "Sample figures, seeded; not published statistics.",
                              "Offences of fraud are excluded from subnational breakdowns.",
                              "Includes British Transport Police in the published tables."], start=1):
        p1.append([f"{n}. {text}"])
    p3 = wb.create_sheet("Table P3")
    p3.append([f"Table P3: Police recorded crime by offence group and police force area, rate of offences, "
               f"{label}1,2 (SAMPLE DATA, not ONS figures)"])
    p3.append([])
    p3.append(["England and Wales"])
    p3.append([None, None, None, None, None, "Victim-based crime"])
    p3.append(["Area Code", "Area Name", f"Population figures\n (mid-{pop_year})3  rounded to 100", None,
               "Total recorded crime (excluding fraud)", None] + cols[1:])
    p3.append([None, None, None, None, "Rate per 1,000 population"])
    for f in forces:
        pop = pop_by_force[f.slug][min(pop_year, 2023)]
        name = f.name + "5" if f.slug == "city-of-london" else f.ons_name
        if f.slug == "city-of-london":
            rates = ["+"] * len(cols)
        else:
            rates = [counts[f.slug][c] / pop * 1000 for c in cols]
        p3.append([f.ons_code, name, round(pop, -2), None, rates[0], None] + rates[1:])
    p3.append(["Source: SAMPLE DATA generated by pccreport.sample (layout of ONS table P3)"])
    for n, text in enumerate(["Police recorded crime data are not designated as National Statistics.",
                              "Sample figures, seeded; not published statistics.",
                              f"Based on sample mid-{pop_year} population estimates.",
                              "Rates for London include 'City of London'.",
                              "'+' indicates that rate per 1,000 population data for City of London have been "
                              "suppressed due to the small population size of the police force area."], start=1):
        p3.append([f"{n}. {text}"])
    path = folder / f"SAMPLE_pfa_tables_ye_{_MONTH_NAMES[month - 1].lower()}{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


if __name__ == "__main__":
    raise SystemExit(main())
