"""Exact test for two Poisson counts: the conditional binomial test (Przyborowski & Wilenski, 1940).

Given counts ``x1`` over exposure ``t1`` and ``x0`` over ``t0``, under equal rates ``x1`` given ``x1 + x0`` is
Binomial(x1 + x0, t1 / (t1 + t0)); the two-sided p-value is the binomial exact test's (the sum of the probabilities
of outcomes no more likely than the one seen), as R's ``poisson.test`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHA = 0.05


@dataclass(frozen=True)
class PoissonChange:
    """Two counts compared: the rate ratio, the exact two-sided p-value and whether it is significant."""

    current: int
    previous: int
    rate_ratio: float | None
    p_value: float
    significant: bool


def compare_counts(current: int, previous: int, t_current: float = 1.0, t_previous: float = 1.0,
                   alpha: float = ALPHA) -> PoissonChange:
    """Exact conditional test of equal Poisson rates for ``current`` against ``previous`` (equal exposures by default)."""
    if current < 0 or previous < 0 or t_current <= 0 or t_previous <= 0:
        raise ValueError(f"counts must be >= 0 and exposures > 0; got {current}, {previous}, {t_current}, {t_previous}")
    # Imported here: scipy.stats takes about a second to import, and every notebook kernel of a build imports this
    # module (through the scorecard) but reads its figures from the build's context file, never testing a count.
    from scipy.stats import binomtest

    total = current + previous
    if total == 0:  # nothing counted in either period: no evidence of any change
        return PoissonChange(current, previous, None, 1.0, False)
    p = binomtest(int(current), int(total), t_current / (t_current + t_previous)).pvalue
    ratio = None if previous == 0 else (current / t_current) / (previous / t_previous)
    return PoissonChange(int(current), int(previous), ratio, float(p), bool(p < alpha))
