"""The contract of validation: pandera schemas for the fact frames (`expectations.contract` gives their
shape, `tasks.frames.facts_to_frames` builds them), for the findings frame, and for the comparison frame
every rule is expressed as (see `expectations.rules`), checked with the tolerance arithmetic of
`expectations.tolerance`. The rule table itself is `expectations/rules.toml` (`expectations.rule_table`);
its names are re-exported here, where callers import them.

A fact frame that fails its schema is an extractor bug, not a finding about the report: `check_fact_frames`
raises `FactContractError`. Only vectorized checks here: these run over millions of rows.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera import dtypes
from pandera.engines import pandas_engine
from pandera.typing import Series

from expectations.concepts import load_concepts
from expectations.contract import (
    BASES,
    FINDINGS_COLUMNS,
    RATE_KINDS,
    SEVERITIES,
    UNIT_YUAN,
    FactContractError,
    fact_frame,
)
from expectations.rule_table import INFERRED_NOTE, RULE_BY_NAME, RULE_ORDER, RULES, RuleDefinition
from expectations.tolerance import (
    FLOAT_NOISE_ABS,
    FLOAT_NOISE_REL,
    amount_bounds,
    amounts_agree,
    comparison_holds,
    exceeds,
    float_noise,
    intervals_agree,
    rate_bounds,
    ratio_bounds,
)

__all__ = [  # re-exported: where callers and tests have always imported them from
    "FINDINGS_COLUMNS", "FLOAT_NOISE_ABS", "FLOAT_NOISE_REL", "INFERRED_NOTE", "RULES", "RULE_BY_NAME",
    "RULE_ORDER", "AmountsSchema", "ComparisonSchema", "FactContractError", "FindingsSchema", "RatesSchema",
    "RuleDefinition", "ScoresSchema", "StaffSchema", "amount_bounds", "amounts_agree", "check_fact_frames",
    "comparison_holds", "exceeds", "float_noise", "intervals_agree", "rate_bounds", "ratio_bounds",
]


@pandas_engine.Engine.register_dtype
@dtypes.immutable(init=True)
class Text(pandas_engine.STRING):
    """pandas' str dtype, checked once per column. pandera's own string dtype answers element by
    element, and each answer builds a table of failure cases and its printout even when every element
    passes: ~2 ms a column, a third of the fact schemas' cost per batch. Coerced columns (coerce=True)
    are str by the time their dtype is checked, so the answer is the same."""

    def check(self, pandera_dtype: dtypes.DataType, data_container: object = None) -> bool:  # noqa: ARG002
        return bool(super().check(pandera_dtype))


# --- the fact contract ----------------------------------------------------------------------------

AMOUNT_CONCEPTS: list[str] = sorted(c.concept for c in load_concepts().values() if c.kind == "amount")
STAFF_CONCEPTS: list[str] = sorted(c.concept for c in load_concepts().values() if c.kind == "staff")
MAX_LABEL_LENGTH = 60  # indicator/growth labels are short phrases, not paragraphs

class _FactFrame(pa.DataFrameModel):
    doc_sha256: Series[Text] = pa.Field(str_length={"min_value": 1}, coerce=True)
    fact_id: Series[Text] = pa.Field(str_length={"min_value": 1}, coerce=True)
    as_written: Series[Text] = pa.Field(coerce=True)
    span_start: Series[int] = pa.Field(ge=0)
    span_end: Series[int]

    @pa.dataframe_check
    def span_is_forward(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["span_start"] < frame["span_end"]

    @pa.dataframe_check
    def fact_id_unique_in_document(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(["doc_sha256", "fact_id"], keep=False)


class AmountsSchema(_FactFrame):
    concept: Series[Text] = pa.Field(isin=AMOUNT_CONCEPTS, coerce=True)
    basis: Series[Text] = pa.Field(isin=list(BASES), coerce=True)
    value_yuan: Series[float] = pa.Field(ge=0)
    unit: Series[Text] = pa.Field(isin=list(UNIT_YUAN), coerce=True)
    decimals: Series[int] = pa.Field(ge=0)
    unit_implied: Series[bool]
    half_width_yuan: Series[float] = pa.Field(gt=0)


class RatesSchema(_FactFrame):
    concept: Series[Text] = pa.Field(str_length={"min_value": 1, "max_value": MAX_LABEL_LENGTH}, coerce=True)
    kind: Series[Text] = pa.Field(isin=list(RATE_KINDS), coerce=True)
    value_pct: Series[float]
    decimals: Series[int] = pa.Field(ge=0)
    amount_id: Series[Text] = pa.Field(nullable=True, coerce=True)
    half_width_pct: Series[float] = pa.Field(gt=0)

    @pa.dataframe_check
    def share_and_execution_name_an_amount(cls, frame: pd.DataFrame) -> pd.Series:
        about_amount = frame["kind"].isin(["share", "execution"])
        return ~about_amount | frame["concept"].isin(AMOUNT_CONCEPTS)

    @pa.dataframe_check
    def only_growth_is_negative(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["kind"] == "growth") | (frame["value_pct"] >= 0)


class StaffSchema(_FactFrame):
    concept: Series[Text] = pa.Field(isin=STAFF_CONCEPTS, coerce=True)
    value: Series[int] = pa.Field(ge=0)


class ScoresSchema(_FactFrame):
    label: Series[Text] = pa.Field(str_length={"min_value": 1}, coerce=True)
    value: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})


class FindingsSchema(pa.DataFrameModel):
    doc_sha256: Series[Text] = pa.Field(coerce=True)
    rule: Series[Text] = pa.Field(isin=list(RULE_BY_NAME), coerce=True)
    severity: Series[Text] = pa.Field(isin=list(SEVERITIES), coerce=True)
    message: Series[Text] = pa.Field(str_length={"min_value": 1}, coerce=True)
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
    rule: Series[Text] = pa.Field(isin=list(RULE_BY_NAME), coerce=True)
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
        return pd.Series(comparison_holds(frame), index=frame.index)


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
            checked[name] = fact_frame(name, [])
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
