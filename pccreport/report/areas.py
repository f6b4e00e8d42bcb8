"""The report's area and outcome section: crime by community safety partnership beside the force and England and
Wales (ONS table C2), and the quarter's crimes by outcome category (data.police.uk)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..ingest.processed import ASB, load_national_csp
from ..metrics import areas, rates
from . import comparison, sections
from . import statements as st

# The report context (notebook.ReportContext) is typed loosely here: notebook.py imports this module.
ReportContext = Any


def _fmt(v: float, spec: str) -> str:
    return "—" if pd.isna(v) else format(v, spec)


def csp_block(ctx: ReportContext) -> tuple[dict | None, str]:
    """Rows for each CSP of the force, the force and England and Wales, or None and the reason."""
    crime_csp = load_national_csp(ctx.paths)
    nat = ctx.national
    if crime_csp is None or crime_csp.empty or nat is None:
        return None, "ONS table C2 (recorded crime by community safety partnership) has not been supplied"
    group = comparison.total_group(nat)
    mine = crime_csp[(crime_csp["force"] == ctx.force.slug) & (crime_csp["offence_group"] == group)]
    end = str(ctx.quarter.end_month)
    have = mine["period_end"].astype(str).unique()
    periods = sorted(p for p in have if p <= end)
    # As the force's rate: with no table ending by the quarter's end, the 12 months that include it, said so.
    period = periods[-1] if periods else rates.covering_period(have, end)
    if period is None:
        return None, f"ONS table C2 has no figures for {ctx.force.name} for a period ending by {ctx.quarter.end_month.strftime('%b-%y')}"
    nearest = "" if periods else (f" (no ONS table supplied ends by {ctx.quarter.end_month.strftime('%b-%y')}; these "
                                  f"12 months are the nearest that include it)")
    table = areas.csp_rates(crime_csp, ctx.data.population, ctx.force.slug, period, group)
    rows = [{"area": r.csp_name if r.csp_code else f"{r.csp_name} (not assigned to a partnership by ONS)", "count": _fmt(r.count, ",.0f"), "population": _fmt(r.population, ",.0f"),
             "rate": _fmt(r.rate, ".2f"), "basis": r.population_basis, "cls": ""} for r in table.itertuples()]
    force_rates = rates.force_rates(nat, period, group, ctx.data.population)
    if ctx.force.slug in force_rates.index:
        me = force_rates.loc[ctx.force.slug]
        rows.append({"area": f"{ctx.force.name} (force area)", "count": _fmt(me["count"], ",.0f"),
                     "population": _fmt(me["population"], ",.0f"), "rate": _fmt(me["rate"], ".2f"),
                     "basis": me["population_basis"], "cls": "me"})
    ok = force_rates[force_rates["rate"].notna()]
    if len(ok):
        c, p = float(ok["count"].sum()), float(ok["population"].sum())
        rows.append({"area": f"England and Wales ({len(ok)} forces with a rate)", "count": f"{c:,.0f}",
                     "population": f"{p:,.0f}", "rate": f"{rates.rate_per_1000(c, p):.2f}", "basis": "", "cls": "total"})
    label = pd.Period(period, freq="M").strftime("%b-%y")
    return {"rows": rows, "period": label, "statement": st.render("csp_intro", period=label + nearest, n=int((table["csp_code"] != "").sum())),
            "frame": table}, ""


def outcome_block(ctx: ReportContext) -> tuple[dict | None, str]:
    """The quarter's crimes by latest outcome category, with the positive-outcome rate, or None and the reason."""
    street = ctx.data.street
    q = ctx.quarter
    months = pd.period_range(q.first_month, q.end_month, freq="M")
    if street is None or not months.isin(street["month"].unique()).any():
        return None, f"no data.police.uk street data for {q.label}"
    shares = areas.outcome_shares(street, months, ctx.plan.positive_outcomes, ASB)
    if shares.empty:
        return None, f"no crimes recorded in {q.label}"
    pos = shares.loc[shares["positive"], "crimes"].sum() / shares["crimes"].sum() * 100
    rows = [{"outcome": r.outcome, "crimes": f"{r.crimes:,.0f}", "share": f"{r.share:.1f}%",
             "positive": "yes" if r.positive else ""} for r in shares.itertuples()]
    return {"rows": rows, "statement": st.render("outcome_intro", quarter=q.label, total=f"{shares['crimes'].sum():,.0f}",
                                                 rate=f"{pos:.1f}"), "frame": shares}, ""


def section_html(ctx: ReportContext) -> str:
    """The 'Areas and outcomes' section."""
    return section(ctx)[0]


def section(ctx: ReportContext) -> tuple[str, dict[str, pd.DataFrame]]:
    """The 'Areas and outcomes' section's HTML and the frames behind it (CSP rates, outcome shares)."""
    csp, csp_reason = csp_block(ctx)
    out, out_reason = outcome_block(ctx)
    frames = {name: block["frame"] for name, block in (("csp_rates", csp), ("outcome_shares", out)) if block}
    return sections.render("areas.html.j2", plan=ctx.plan, quarter=ctx.quarter, csp=csp, csp_reason=csp_reason,
                           outcomes=out, outcome_reason=out_reason), frames
