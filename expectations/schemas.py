"""The contract of validation: pandera schemas for the fact frames of `tasks.frames.facts_to_frames`,
the findings table (rule, severity, message template) and the findings frame, and the comparison frame
every rule is expressed as (see `expectations.rules`) with the tolerance arithmetic its check uses.

A fact frame that fails its schema is an extractor bug, not a finding about the report: `check_fact_frames`
raises `FactContractError`. Only vectorized checks here: these run over millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from expectations.concepts import load_concepts
from tasks.frames import facts_to_frames
from tasks.models import BASES, RATE_KINDS, SEVERITIES, UNIT_YUAN

# Float noise only: 1e-6 absolute plus ~20 ulps relative, so sums of large yuan figures don't trip on
# binary rounding. Neither is a tolerance in the reporting sense.
FLOAT_NOISE_ABS = 1e-6
FLOAT_NOISE_REL = 4e-15


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    rule: str
    severity: str
    template: str  # str.format fields are filled by tasks.validate's describers


# The spec's findings table. Severities are binding; order is the order findings are listed in.
RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition("sum_mismatch", "error",
                   "{total}与其组成部分之和{sum}不一致（超出所述精度的舍入误差）：{parts}"),
    RuleDefinition("rate_mismatch", "error", "{rate}与按所列金额计算的比率不符：{calculations}"),
    RuleDefinition("rate_over_100", "error", "{rate}超过100%，而该比例不可能超过100%"),
    RuleDefinition("shares_not_100", "error", "{total}各组成部分的占比合计{share_sum}%，{relation}：{shares}"),
    RuleDefinition("conflicting_values", "error", "{concept}前后表述的数值不一致：{values}"),
    RuleDefinition("over_budget", "warning", "{final}超过{reference}"),
    RuleDefinition("expenditure_exceeds_income", "warning", "{expenditure}超过{income}，且未说明年初结转结余"),
    RuleDefinition("staff_sum_mismatch", "error", "{total}与其组成部分之和{sum}人不一致：{parts}"),
    RuleDefinition("staff_over_authorized", "warning", "{actual}超过{authorized}{details}"),
    # Not a comparison: set by tasks.pipeline on a report that reads but has no figure at all.
    RuleDefinition("no_figures", "warning", "no figures found: 未找到任何金额、比率、人数或得分"),
)
RULE_BY_NAME: dict[str, RuleDefinition] = {definition.rule: definition for definition in RULES}
# An error resting on a fact that was inferred (not read outright) is lowered to a warning, and its
# message then ends with this note naming the inferred facts (tasks.validate.soften_inferred).
INFERRED_NOTE = "（仅为警告：所依据的事实并非直接读出——"
RULE_ORDER: dict[str, int] = {definition.rule: rank for rank, definition in enumerate(RULES)}


# --- tolerance arithmetic (works on floats, numpy arrays and Series alike) -------------------------

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


# --- the fact contract ----------------------------------------------------------------------------

AMOUNT_CONCEPTS: list[str] = sorted(c.concept for c in load_concepts().values() if c.kind == "amount")
STAFF_CONCEPTS: list[str] = sorted(c.concept for c in load_concepts().values() if c.kind == "staff")
MAX_LABEL_LENGTH = 60  # indicator/growth labels are short phrases, not paragraphs
FINDINGS_COLUMNS: list[str] = ["doc_sha256", "rule", "severity", "message", "fact_ids"]


class FactContractError(ValueError):
    """The extracted facts break the fact contract: a bug in the extractor, not in the report."""


class _FactFrame(pa.DataFrameModel):
    doc_sha256: Series[str] = pa.Field(str_length={"min_value": 1}, coerce=True)
    fact_id: Series[str] = pa.Field(str_length={"min_value": 1}, coerce=True)
    as_written: Series[str] = pa.Field(coerce=True)
    span_start: Series[int] = pa.Field(ge=0)
    span_end: Series[int]

    @pa.dataframe_check
    def span_is_forward(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["span_start"] < frame["span_end"]

    @pa.dataframe_check
    def fact_id_unique_in_document(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(["doc_sha256", "fact_id"], keep=False)


class AmountsSchema(_FactFrame):
    concept: Series[str] = pa.Field(isin=AMOUNT_CONCEPTS, coerce=True)
    basis: Series[str] = pa.Field(isin=list(BASES), coerce=True)
    value_yuan: Series[float] = pa.Field(ge=0)
    unit: Series[str] = pa.Field(isin=list(UNIT_YUAN), coerce=True)
    decimals: Series[int] = pa.Field(ge=0)
    unit_implied: Series[bool]
    half_width_yuan: Series[float] = pa.Field(gt=0)


class RatesSchema(_FactFrame):
    concept: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": MAX_LABEL_LENGTH}, coerce=True)
    kind: Series[str] = pa.Field(isin=list(RATE_KINDS), coerce=True)
    value_pct: Series[float]
    decimals: Series[int] = pa.Field(ge=0)
    amount_id: Series[str] = pa.Field(nullable=True, coerce=True)
    half_width_pct: Series[float] = pa.Field(gt=0)

    @pa.dataframe_check
    def share_and_execution_name_an_amount(cls, frame: pd.DataFrame) -> pd.Series:
        about_amount = frame["kind"].isin(["share", "execution"])
        return ~about_amount | frame["concept"].isin(AMOUNT_CONCEPTS)

    @pa.dataframe_check
    def only_growth_is_negative(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["kind"] == "growth") | (frame["value_pct"] >= 0)


class StaffSchema(_FactFrame):
    concept: Series[str] = pa.Field(isin=STAFF_CONCEPTS, coerce=True)
    value: Series[int] = pa.Field(ge=0)


class ScoresSchema(_FactFrame):
    label: Series[str] = pa.Field(str_length={"min_value": 1}, coerce=True)
    value: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})


class FindingsSchema(pa.DataFrameModel):
    doc_sha256: Series[str] = pa.Field(coerce=True)
    rule: Series[str] = pa.Field(isin=list(RULE_BY_NAME), coerce=True)
    severity: Series[str] = pa.Field(isin=list(SEVERITIES), coerce=True)
    message: Series[str] = pa.Field(str_length={"min_value": 1}, coerce=True)
    fact_ids: Series[object]

    @pa.dataframe_check
    def severity_is_the_rules(cls, frame: pd.DataFrame) -> pd.Series:
        """The rule's severity, or a warning for an error that says which of its facts were inferred."""
        rules = frame["rule"].map({r: d.severity for r, d in RULE_BY_NAME.items()})
        softened = (rules == "error") & (frame["severity"] == "warning") & frame["message"].str.contains(
            INFERRED_NOTE, regex=False)
        return (frame["severity"] == rules) | softened

    @pa.dataframe_check
    def names_its_facts(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["fact_ids"].str.len() > 0


class ComparisonSchema(pa.DataFrameModel):
    """One candidate comparison per row (see expectations.rules); the check is the rule itself."""

    doc: Series[int] = pa.Field(ge=0)
    rule: Series[str] = pa.Field(isin=list(RULE_BY_NAME), coerce=True)
    stated_low: Series[float]
    stated_high: Series[float]
    computed_low: Series[float] = pa.Field(nullable=True)
    computed_high: Series[float] = pa.Field(nullable=True)
    alt_low: Series[float] = pa.Field(nullable=True)
    alt_high: Series[float] = pa.Field(nullable=True)
    flag_above: Series[bool]
    flag_below: Series[bool]

    @pa.dataframe_check
    def rule_holds(cls, frame: pd.DataFrame) -> pd.Series:
        return comparison_holds(frame)


def comparison_holds(frame: pd.DataFrame) -> pd.Series:
    """The check every comparison frame is validated with: the stated interval is compatible with
    the computed one (or with the alternative, e.g. final/budget when final/adjusted_budget fails),
    in the directions flagged for that row."""

    def holds(low_column: str, high_column: str) -> pd.Series:
        low, high = frame[low_column], frame[high_column]
        too_high = frame["flag_above"] & exceeds(frame["stated_low"], high)
        too_low = frame["flag_below"] & exceeds(low, frame["stated_high"])
        return low.notna() & high.notna() & ~too_high & ~too_low

    return holds("computed_low", "computed_high") | holds("alt_low", "alt_high")


FACT_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "amounts": AmountsSchema, "rates": RatesSchema, "staff": StaffSchema, "scores": ScoresSchema,
}


def check_fact_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Validates every fact frame (a missing one counts as empty); returns them coerced.

    Raises FactContractError listing every failure (lazy validation), so an extractor bug is
    reported whole rather than one column at a time.
    """
    checked: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for name, schema in FACT_SCHEMAS.items():
        frame = frames.get(name)
        if frame is None or (frame.empty and set(frame.columns) >= set(schema.to_schema().columns)):
            # nothing could fail; pandera's fixed cost (~20 ms) adds up over single reports
            checked[name] = facts_to_frames([])[name]
            continue
        try:
            checked[name] = schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            problems.append(f"{name}: {_summarize(errors.failure_cases)}")
    if problems:
        raise FactContractError("extracted facts break the fact contract (an extractor bug):\n"
                                + "\n".join(problems))
    return checked


def _summarize(failure_cases: pd.DataFrame, limit: int = 10) -> str:
    """One line per failing check: the column (or the frame-wide check), how many rows, examples."""
    cases = failure_cases.assign(
        where=failure_cases["column"].where(failure_cases["schema_context"] == "Column", "rows"))
    lines = []
    for (where, check), group in cases.groupby(["where", "check"], dropna=False, sort=False):
        if where == "rows":  # a frame-wide check: name the failing rows, not every cell of them
            rows = group["index"].dropna().astype(int).drop_duplicates()
            lines.append(f"  {check}: {len(rows)} row(s), e.g. rows {rows.head(3).tolist()}")
        else:
            examples = ", ".join(repr(case) for case in group["failure_case"].drop_duplicates().head(3))
            lines.append(f"  {where} {check}: {len(group)} failure(s), e.g. {examples}")
    more = f"\n  ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n" + "\n".join(lines[:limit]) + more
