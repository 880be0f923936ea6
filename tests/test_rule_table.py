"""The rule table (expectations/rules.toml): every rule complete and wired to its check, its labels the
warehouse's, and the scalar tolerance arithmetic the checks use equal to the vectorized one."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from expectations.rule_table import RULES, load_rule_table
from expectations.rules import CHECKS
from expectations.tolerance import (
    exceeds,
    intervals_agree,
    ratio_bounds,
    ratio_interval,
    value_exceeds,
    values_agree,
)

DIMENSIONS_SQL = Path(__file__).resolve().parent.parent / "warehouse" / "sql" / "002_dimensions.sql"


def test_every_rule_names_a_check_that_exists() -> None:
    for definition in RULES:
        assert definition.check == "" or definition.check in CHECKS, definition.rule
        assert definition.zh_label and definition.description and definition.template, definition.rule
        fields = [name for _, name, _, _ in string.Formatter().parse(definition.template) if name]
        assert definition.check or not fields, f"{definition.rule}: fields nobody fills"


def test_the_table_loads_the_same_twice() -> None:
    assert load_rule_table()[0] == RULES


def test_the_warehouse_rules_dimension_has_the_tables_labels() -> None:
    # The warehouse (the layer below) seeds its `rules` table in SQL; keep it what rules.toml says.
    sql = DIMENSIONS_SQL.read_text(encoding="utf-8")
    seeded = {rule: (severity, label) for rule, severity, label
              in re.findall(r"\('(\w+)', '(error|warning)', '([^']+)'", sql)}
    assert seeded == {d.rule: (d.severity, d.zh_label) for d in RULES}


finite = st.floats(min_value=0, max_value=1e12, allow_nan=False)
maybe_nan = st.one_of(finite, st.just(float("nan")))


@given(maybe_nan, maybe_nan, maybe_nan, maybe_nan)
def test_scalar_agreement_is_the_vectorized_one(a_low: float, a_high: float, b_low: float, b_high: float) -> None:
    assert value_exceeds(a_low, b_high) == bool(exceeds(np.float64(a_low), np.float64(b_high)))
    assert values_agree(a_low, a_high, b_low, b_high) == bool(intervals_agree(
        *(np.array([x]) for x in (a_low, a_high, b_low, b_high)))[0])


@given(finite, finite, maybe_nan, finite)
def test_scalar_ratio_is_the_vectorized_one(n: float, hn: float, d: float, hd: float) -> None:
    low, high = ratio_bounds(n, hn, d, hd)
    assert np.array_equal(np.array(ratio_interval(n, hn, d, hd)), np.array([low, high]), equal_nan=True)
