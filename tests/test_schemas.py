"""The fact contract as pandera schemas, the comparison check, and the tolerance arithmetic."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from expectations.rules import proportion_label_mask
from expectations.schemas import (
    RULE_BY_NAME,
    ComparisonSchema,
    FactContractError,
    FindingsSchema,
    amount_bounds,
    amounts_agree,
    check_fact_frames,
    intervals_agree,
    rate_bounds,
    ratio_bounds,
)
from tasks.frames import facts_to_frames
from tasks.models import UNIT_YUAN, Amount, Rate, ReportFacts, Score, Staff


def _facts() -> ReportFacts:
    return ReportFacts(
        document="r.txt", unit_name=None, region={}, fiscal_year=None, report_date=None,
        amounts=[Amount(id="a1", concept="expenditure.total", basis="final", value_yuan=2_998_000.0,
                        as_written="299.8万元", span=(10, 17), unit="万元", decimals=1)],
        rates=[Rate(id="r1", concept="expenditure.total", kind="execution", value_pct=93.5, as_written="93.5%",
                    span=(20, 25), decimals=1),
               Rate(id="r2", concept="服务对象满意度", kind="indicator", value_pct=98.0, as_written="98%",
                    span=(30, 33), decimals=0),
               Rate(id="r3", concept="涨幅", kind="growth", value_pct=-3.0, as_written="下降3%", span=(40, 44),
                    decimals=0)],
        staff=[Staff(id="s1", concept="staff.authorized", value=26, as_written="26名", span=(50, 53))],
        scores=[Score(id="k1", value=97.19, as_written="97.19分", span=(60, 66))],
    )


def _frames(**changes: dict[str, object]) -> dict[str, pd.DataFrame]:
    """The frames of one valid report, with the first row of some frames changed."""
    frames = facts_to_frames([("sha", _facts())])
    for name, row_changes in changes.items():
        for column, value in row_changes.items():
            frames[name].loc[0, column] = value
    return frames


def test_valid_facts_pass_and_keep_their_rows() -> None:
    checked = check_fact_frames(_frames())
    assert {name: len(frame) for name, frame in checked.items()} == {"amounts": 1, "rates": 3, "staff": 1,
                                                                      "scores": 1}


@pytest.mark.parametrize(("frame", "changes", "expected"), [
    ("amounts", {"concept": "expenditure.unknown"}, "expenditure.unknown"),
    ("amounts", {"basis": "planned"}, "planned"),
    ("amounts", {"value_yuan": -1.0}, "value_yuan"),
    ("amounts", {"decimals": -1}, "decimals"),
    ("amounts", {"unit": "美元"}, "美元"),
    ("amounts", {"span_end": 10}, "span_is_forward"),
    ("rates", {"kind": "ratio"}, "ratio"),
    ("rates", {"concept": "服务对象满意度"}, "share_and_execution_name_an_amount"),  # execution of a label
    ("rates", {"value_pct": -5.0}, "only_growth_is_negative"),
    ("rates", {"kind": "indicator", "concept": "很长的指标" * 20}, "str_length"),
    ("staff", {"value": -2}, "value"),
    ("staff", {"concept": "staff.volunteers"}, "staff.volunteers"),
    ("scores", {"value": 101.0}, "in_range"),
])
def test_broken_facts_are_rejected_with_the_reason(frame: str, changes: dict, expected: str) -> None:
    with pytest.raises(FactContractError) as error:
        check_fact_frames(_frames(**{frame: changes}))
    assert expected in str(error.value) and frame in str(error.value)


def test_duplicate_fact_ids_within_a_report_are_rejected() -> None:
    frames = _frames()
    frames["rates"].loc[1, "fact_id"] = "r1"
    with pytest.raises(FactContractError, match="fact_id_unique_in_document"):
        check_fact_frames(frames)


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(FactContractError) as error:
        check_fact_frames(_frames(amounts={"basis": "planned"}, staff={"value": -2}))
    assert "planned" in str(error.value) and "staff" in str(error.value)


def test_findings_schema_holds_severity_to_the_rule_table() -> None:
    good = pd.DataFrame({"doc_sha256": ["x"], "rule": ["over_budget"], "severity": ["warning"],
                         "message": ["支出超过预算"], "fact_ids": [["a1", "a2"]]})
    FindingsSchema.validate(good)
    import pandera.pandas as pa
    with pytest.raises(pa.errors.SchemaError):
        FindingsSchema.validate(good.assign(severity=["error"]))
    with pytest.raises(pa.errors.SchemaError):
        FindingsSchema.validate(good.assign(rule=["looks_odd"]))
    with pytest.raises(pa.errors.SchemaError):
        FindingsSchema.validate(good.assign(fact_ids=[[]]))


def test_every_rule_of_the_spec_has_its_binding_severity() -> None:
    assert {rule: d.severity for rule, d in RULE_BY_NAME.items()} == {
        "sum_mismatch": "error", "rate_mismatch": "error", "rate_over_100": "error", "shares_not_100": "error",
        "conflicting_values": "error", "over_budget": "warning", "expenditure_exceeds_income": "warning",
        "staff_sum_mismatch": "error", "staff_over_authorized": "warning",
        "no_figures": "warning"}  # not in the spec's table: the project's own (issue 3)


def _comparisons(rows: list[dict]) -> pd.DataFrame:
    defaults = {"doc": 0, "rule": "sum_mismatch", "alt_low": float("nan"), "alt_high": float("nan"),
                "flag_above": True, "flag_below": True}
    return pd.DataFrame([{**defaults, **row} for row in rows])


def test_comparison_check_fails_exactly_the_rows_whose_intervals_are_incompatible() -> None:
    import pandera.pandas as pa
    frame = _comparisons([
        {"stated_low": 99.0, "stated_high": 101.0, "computed_low": 100.5, "computed_high": 102.0},  # overlap
        {"stated_low": 99.0, "stated_high": 101.0, "computed_low": 101.5, "computed_high": 102.0},  # below
        {"stated_low": 99.0, "stated_high": 101.0, "computed_low": 101.5, "computed_high": 102.0,
         "flag_below": False},  # only "above" matters for this row
        {"stated_low": 103.0, "stated_high": 104.0, "computed_low": 101.5, "computed_high": 102.0,
         "flag_above": False},  # only "below" matters
        {"stated_low": 99.0, "stated_high": 101.0, "computed_low": float("nan"), "computed_high": float("nan"),
         "alt_low": 100.0, "alt_high": 100.0},  # the alternative agrees
    ])
    with pytest.raises(pa.errors.SchemaErrors) as error:
        ComparisonSchema.validate(frame, lazy=True)
    assert sorted(error.value.failure_cases["index"].dropna().unique()) == [1]


def test_proportion_labels() -> None:
    labels = pd.Series(["服务对象满意度", "资金使用率", "财政供养人员控制率", "科普员分享任务完成量", "占比",
                        "知晓率"])
    assert proportion_label_mask(labels).tolist() == [True, True, False, False, True, True]


# --- tolerance arithmetic (property tests) -------------------------------------------------------

# (unit, decimals) as reports write them: the last digit is never finer than a cent
written_precisions = st.sampled_from([("元", d) for d in range(3)] + [("万元", d) for d in range(7)]
                                     + [("亿元", d) for d in range(11)])
yuan_values = st.decimals(min_value=0, max_value=Decimal("1e11"), places=2)


def _stated(value: Decimal, unit: str, decimals: int, rounding: str = ROUND_HALF_UP) -> tuple[float, float]:
    """value written in `unit` at `decimals` digits: (the stated yuan figure, its half width)."""
    scale = Decimal(UNIT_YUAN[unit])
    written = (value / scale).quantize(Decimal(1).scaleb(-decimals), rounding=rounding)
    half_width = 0.5 * 10.0 ** (-decimals) * UNIT_YUAN[unit]
    return float(written * scale), half_width


@given(yuan_values, written_precisions)
def test_a_value_agrees_with_its_rounding_at_any_stated_precision(value: Decimal, precision: tuple) -> None:
    stated, half_width = _stated(value, *precision)
    assert amounts_agree(float(value), 0.005, stated, half_width)


@given(yuan_values, written_precisions)
def test_two_roundings_of_the_same_value_always_agree(value: Decimal, precision: tuple) -> None:
    coarse, coarse_half = _stated(value, *precision)
    fine, fine_half = _stated(value, "元", 2)
    assert amounts_agree(coarse, coarse_half, fine, fine_half)


@given(yuan_values, written_precisions)
def test_values_two_half_widths_apart_never_agree(value: Decimal, precision: tuple) -> None:
    stated, half_width = _stated(value, *precision)
    assert not amounts_agree(stated, half_width, stated + 2 * half_width, 0.0)
    assert not amounts_agree(stated, half_width, stated - 2 * half_width, 0.0)
    # two figures at the same precision, two units of the last digit apart
    assert not amounts_agree(stated, half_width, stated + 4 * half_width, half_width)


@given(st.decimals(min_value=0, max_value=100, places=6), st.integers(min_value=0, max_value=2),
       st.sampled_from([ROUND_HALF_UP, ROUND_DOWN]))
def test_a_rate_rounded_or_truncated_agrees_with_the_exact_ratio(true_pct: Decimal, decimals: int,
                                                                 rounding: str) -> None:
    stated = float(true_pct.quantize(Decimal(1).scaleb(-decimals), rounding=rounding))
    low, high = rate_bounds(stated, 0.5 * 10.0 ** (-decimals))
    assert bool(intervals_agree(low, high, float(true_pct), float(true_pct)))
    step = 10.0 ** (-decimals)
    for off in (stated - 2 * step, stated + 3 * step):  # two units below, or beyond truncation above
        assert not bool(intervals_agree(low, high, off, off))


@given(st.decimals(min_value=1, max_value=Decimal("1e9"), places=2), st.floats(0, 1), written_precisions,
       st.floats(0, 1), st.floats(0, 1))
def test_the_ratio_interval_contains_every_ratio_the_figures_can_stand_for(
        denominator: Decimal, part: float, precision: tuple, pick_n: float, pick_d: float) -> None:
    numerator = denominator * Decimal(part).quantize(Decimal("0.0001"))
    n, hn = _stated(numerator, *precision)
    d, hd = _stated(denominator, *precision)
    low, high = ratio_bounds(n, hn, d, hd)
    true_n = max(0.0, n - hn + 2 * hn * pick_n)  # amounts are never negative
    true_d = d - hd + 2 * hd * pick_d
    if true_d > 0:
        ratio = true_n / true_d * 100
        assert bool(intervals_agree(low, high, ratio, ratio))


def test_amount_bounds_match_the_models_half_width() -> None:
    figure = Amount(id="a", concept="expenditure.total", basis="final", value_yuan=2_998_000.0,
                    as_written="299.8万元", span=(0, 7), unit="万元", decimals=1)
    assert amount_bounds(figure.value_yuan, figure.half_width_yuan) == (2_997_500.0, 2_998_500.0)
