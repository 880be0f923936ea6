"""Tolerance arithmetic: a stated figure is an interval (everything it can mean at its stated
precision), and two figures disagree only when their intervals cannot meet. Works on floats, numpy
arrays and Series alike. The only constant is a guard against float noise, never a tolerance in the
reporting sense.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import pandas as pd

# Float noise only: 1e-6 absolute plus ~20 ulps relative, so sums of large yuan figures don't trip on
# binary rounding.
FLOAT_NOISE_ABS = 1e-6
FLOAT_NOISE_REL = 4e-15

Numbers = TypeVar("Numbers", float, np.ndarray, pd.Series)


def float_noise(a: Numbers, b: Numbers) -> Numbers:
    return FLOAT_NOISE_ABS + FLOAT_NOISE_REL * np.maximum(np.abs(a), np.abs(b))


def amount_bounds(value: Numbers, half_width: Numbers) -> tuple[Numbers, Numbers]:
    """A figure stated at some precision stands for value +/- half a unit of its last digit."""
    return value - half_width, value + half_width


def rate_bounds(value_pct: Numbers, half_width_pct: Numbers) -> tuple[Numbers, Numbers]:
    """A stated rate may be rounded or truncated (99% for 99.98%): one extra unit upward."""
    return value_pct - half_width_pct, value_pct + 2 * half_width_pct


def ratio_bounds(numerator: Numbers, numerator_half: Numbers, denominator: Numbers,
                 denominator_half: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """Every percentage numerator/denominator can take when both are intervals (denominator > 0)."""
    n, hn, d, hd = (np.asarray(x, dtype="float64") for x in (numerator, numerator_half, denominator,
                                                               denominator_half))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.clip(n - hn, 0, None) / (d + hd) * 100
        # A denominator interval reaching 0 bounds nothing above; a missing one bounds nothing at all.
        high = np.where(d - hd > 0, (n + hn) / (d - hd) * 100, np.where(np.isnan(d), np.nan, np.inf))
    return low, high


def exceeds(low: Numbers, other_high: Numbers) -> Numbers:
    """True where the first interval lies entirely above the second: a real excess, not rounding."""
    return low > other_high + float_noise(low, other_high)


def intervals_agree(a_low: Numbers, a_high: Numbers, b_low: Numbers, b_high: Numbers) -> Numbers:
    return ~exceeds(a_low, b_high) & ~exceeds(b_low, a_high)


def amounts_agree(a: float, a_half: float, b: float, b_half: float) -> bool:
    """Two stated amounts agree when |a - b| <= ha + hb (both in yuan)."""
    return bool(intervals_agree(*amount_bounds(a, a_half), *amount_bounds(b, b_half)))


def comparison_holds(columns: Mapping[str, np.ndarray | pd.Series]) -> np.ndarray:
    """The check of every comparison (one per row): the stated interval is compatible with the
    computed one (or with the alternative, e.g. final/budget when final/adjusted_budget fails), in the
    directions flagged for that row. Missing bounds (NaN) hold nothing."""
    stated_low, stated_high = (np.asarray(columns[name], dtype="float64") for name in ("stated_low", "stated_high"))
    above, below = (np.asarray(columns[name], dtype=bool) for name in ("flag_above", "flag_below"))

    def holds(prefix: str) -> np.ndarray:
        low, high = (np.asarray(columns[f"{prefix}_{end}"], dtype="float64") for end in ("low", "high"))
        too_high = above & exceeds(stated_low, high)
        too_low = below & exceeds(low, stated_high)
        return ~np.isnan(low) & ~np.isnan(high) & ~too_high & ~too_low

    return holds("computed") | holds("alt")


# --- the same arithmetic on one pair of Python floats ----------------------------------------------
# The rules compare report by report in plain Python (expectations.rules) and call numpy only once per
# batch (comparison_holds); a numpy call per scalar would cost more than the comparison. Same formulas,
# same float operations in the same order, so the two agree to the bit (tests/test_rule_table.py).

def value_exceeds(low: float, other_high: float) -> bool:
    """`exceeds` for two floats."""
    return low > other_high + (FLOAT_NOISE_ABS + FLOAT_NOISE_REL * max(abs(low), abs(other_high)))


def values_agree(a_low: float, a_high: float, b_low: float, b_high: float) -> bool:
    """`intervals_agree` for two float intervals."""
    return not value_exceeds(a_low, b_high) and not value_exceeds(b_low, a_high)


def ratio_interval(numerator: float, numerator_half: float, denominator: float,
                   denominator_half: float) -> tuple[float, float]:
    """`ratio_bounds` for one quotient."""
    smallest = numerator - numerator_half
    if smallest < 0:  # amounts are never negative (NaN stays NaN, as with np.clip)
        smallest = 0.0
    widest = denominator + denominator_half
    low = smallest / widest * 100 if widest else (math.inf if smallest > 0 else math.nan)
    narrowest = denominator - denominator_half
    if narrowest > 0:
        high = (numerator + numerator_half) / narrowest * 100
    else:
        high = math.nan if math.isnan(denominator) else math.inf
    return low, high
