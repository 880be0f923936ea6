"""Validation: every rule of the spec's findings table over the facts of one report or of many.

The rules live in `expectations.rules` as comparison frames and are checked by
`expectations.schemas.ComparisonSchema`; this module runs them and words each failure as a finding a
person can read (Chinese, figures as written and in yuan, concept labels from concepts.csv).
Wording is vectorized too (merges over the failing comparisons only), since a batch of 100k reports
can easily carry 100k warnings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from expectations.concepts import children_by_axis, load_concepts
from expectations.rules import (
    BASIS_LABELS,
    RATE_KIND_LABELS,
    RuleInputs,
    as_vocabulary,
    build_comparisons,
    prepare_inputs,
    with_concept_columns,
)
from expectations.schemas import (
    FINDINGS_COLUMNS,
    INFERRED_NOTE,
    RULE_BY_NAME,
    RULE_ORDER,
    ComparisonSchema,
    FindingsSchema,
    check_fact_frames,
)
from tasks.frames import facts_to_frames
from tasks.models import Finding, ReportFacts, report_status

ColumnOrValue = pd.Series | str  # a column of the failing rows, or one value for all of them


def validate_report(facts: ReportFacts) -> list[Finding]:
    """Runs every rule over one report; sets `facts.findings` and `facts.status`; returns the findings."""
    frames = facts_to_frames([(facts.document or "report", facts)])
    table = validate_frames(frames)
    findings = [Finding(rule=rule, severity=severity, message=message, facts=list(fact_ids))
                for rule, severity, message, fact_ids
                in table[["rule", "severity", "message", "fact_ids"]].itertuples(index=False, name=None)]
    facts.findings = findings
    facts.status = report_status(findings)
    return findings


def validate_reports(reports: list[ReportFacts], keys: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """`validate_report` for many reports in one pass over their frames: the batch path of the flow.

    Per-call pandas/pandera overhead is tens of milliseconds, so one call per batch instead of one
    per report is what keeps validation at seconds for 100k reports. `keys` (distinct; default the
    reports' positions) name the reports in the fact frames, which are returned for reuse.
    """
    keys = keys or [str(i) for i in range(len(reports))]
    frames = facts_to_frames(zip(keys, reports, strict=True))
    table = validate_frames(frames)
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for key, rule, severity, message, fact_ids in table[
        ["doc_sha256", "rule", "severity", "message", "fact_ids"]
    ].itertuples(index=False, name=None):
        grouped[key].append(Finding(rule=rule, severity=severity, message=message, facts=list(fact_ids)))
    for key, facts in zip(keys, reports, strict=True):
        facts.findings = grouped.get(key, [])
        facts.status = report_status(facts.findings)
    return frames


def validate_frames(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every rule over the fact frames of many reports at once.

    Returns a findings frame (doc_sha256, rule, severity, message, fact_ids). Raises
    `expectations.schemas.FactContractError` when the frames themselves break the fact contract.
    """
    checked = check_fact_frames(frames)
    inputs = prepare_inputs(checked["amounts"], checked["rates"], checked["staff"])
    failing = failing_comparisons(build_comparisons(inputs))
    findings = soften_inferred(describe_failures(failing, inputs), checked)
    return FindingsSchema.validate(findings) if len(findings) else findings


# How a fact was read when it was not read outright: an error resting on one is only a warning.
INFERRED_READINGS: dict[str, str] = {
    "column_position": "所在列按位置推断",
    "joined_cells": "数字由跨行的两段拼接",
}
UNIT_INFERRED = "单位由上下文推断"


def inferred_facts(frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str], str]:
    """(doc_sha256, fact_id) -> how the fact was inferred, for every fact not read unambiguously: its
    column placed by position, its number joined from two lines, or (prose) its unit taken from its
    neighbours. A table cell's unit from the caption or header is stated, not inferred."""
    out: dict[tuple[str, str], str] = {}
    for name, frame in frames.items():
        if name == "unclassified" or frame.empty or "read_by" not in frame:
            continue
        how = frame["read_by"].map(INFERRED_READINGS)
        if name == "amounts":
            unit_guess = frame["unit_implied"].astype(bool) & (frame["read_by"] == "label")
            how = how.where(how.notna(), unit_guess.map({True: UNIT_INFERRED, False: None}))
        chosen = how.notna()
        out.update(zip(zip(frame.loc[chosen, "doc_sha256"], frame.loc[chosen, "fact_id"], strict=True),
                       how[chosen], strict=True))
    return out


def soften_inferred(findings: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """An error is an accusation, so it stands only on facts read unambiguously: one that rests on an
    inferred fact becomes a warning saying which fact was inferred and how."""
    errors = findings["severity"] == "error"
    if not errors.any():
        return findings
    inferred = inferred_facts(frames)
    if not inferred:
        return findings
    findings = findings.copy()
    for index in findings.index[errors]:
        doc = findings.at[index, "doc_sha256"]
        reasons = [f"{fact_id}{inferred[(doc, fact_id)]}" for fact_id in findings.at[index, "fact_ids"]
                   if (doc, fact_id) in inferred]
        if reasons:
            findings.at[index, "severity"] = "warning"
            findings.at[index, "message"] += f"{INFERRED_NOTE}{'；'.join(reasons)}）"
    return findings


def failing_comparisons(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The rows of the comparison frame whose rule does not hold, per ComparisonSchema."""
    if comparisons.empty:
        return comparisons
    checked_columns = list(ComparisonSchema.to_schema().columns)
    try:
        ComparisonSchema.validate(comparisons[checked_columns], lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        malformed = cases[cases["check"] != "rule_holds"]
        if len(malformed):
            raise RuntimeError(f"malformed comparison frame (a bug in expectations.rules):\n{malformed}") from None
        return comparisons.loc[sorted(cases["index"].dropna().unique())]
    return comparisons.iloc[0:0]


# --- wording the failures -----------------------------------------------------------------------
# Each describer takes the failing comparisons of one rule and returns, on the same index, the
# template fields (columns named as in the rule's template) and `fact_ids` (lists).

ZH_LABELS: dict[str, str] = {concept: c.zh_label for concept, c in load_concepts().items()}
CONCEPT_RANK: dict[str, int] = {concept: rank for rank, concept in enumerate(load_concepts())}
INCOME_PARTS: list[str] = [c for group in children_by_axis("income.total").values() for c in group]


def _label(concepts: pd.Series, bases: ColumnOrValue = "") -> pd.Series:
    """'支出合计（决算）': the concept's Chinese label, with the basis when there is one."""
    concepts = _as_objects(concepts)
    labels = _as_objects(concepts.map(ZH_LABELS).fillna(concepts))
    bases = pd.Series(bases, index=concepts.index, dtype=object) if isinstance(bases, str) else _as_objects(bases)
    suffix = _as_objects("（" + _as_objects(bases.map(BASIS_LABELS)) + "）")
    return labels + suffix.where(bases.fillna("") != "", "")


def _yuan(values: pd.Series) -> list[str]:
    return [f"{value:,.2f}元" for value in values.to_numpy()]


def _concat_lists(*columns: Iterable) -> list[list[str]]:
    """Row-wise concatenation of list columns (missing entries count as empty)."""
    return [[i for ids in row if isinstance(ids, list) for i in ids] for row in zip(*columns, strict=True)]


class _Texts:
    """The facts of the reports with findings, and how to word them. Words only the rows a finding
    actually mentions (after the merge), not every fact of those reports."""

    def __init__(self, inputs: RuleInputs) -> None:
        self.statements = inputs.amounts
        self.figures = self._figures(inputs.amounts, inputs.resolved)
        self.rates = inputs.rates
        self.shares = inputs.shares.assign(concept=inputs.shares["part_concept"],
                                           rate_concept=inputs.shares["concept"])
        self.staff = inputs.staff

    @staticmethod
    def _figures(amounts: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
        """Per resolved doc+concept+basis, the figure the rules used: the first statement, or every
        item of a multiple=yes concept with their total (worded here: they are few)."""
        keys = ["doc", "concept", "basis"]
        columns = [*keys, "fact_id", "as_written", "unit", "value_yuan"]
        firsts = amounts[~amounts["multiple"]].drop_duplicates(keys)
        if not amounts["multiple"].any():
            return firsts[[*columns, "parent", "axis"]].merge(resolved[keys], on=keys)
        items = _word_amounts(amounts[amounts["multiple"]]).groupby(keys, as_index=False, sort=False,
                                                                     observed=True).agg(
            text=("text", "、".join), ids=("ids", "sum"), value_yuan=("value_yuan", "sum"),
            n_rows=("fact_id", "size"))
        items["text"] = items["text"].where(items["n_rows"] == 1, items["text"] + "（合计" + pd.Series(
            _yuan(items["value_yuan"]), index=items.index, dtype=object) + "）")
        figures = pd.concat([firsts[columns], items[[*keys, "text", "ids"]]], ignore_index=True)
        figures = figures.merge(resolved[keys], on=keys)  # not the conflicting ones: the rules skip them
        return with_concept_columns(figures)

    def figure(self, rows: pd.DataFrame, concept: ColumnOrValue, basis: ColumnOrValue) -> tuple[pd.Series, pd.Series]:
        """The labelled figure for concept+basis of each row (NaN where not stated), and its ids."""
        keys = pd.DataFrame({"doc": rows["doc"], "concept": concept, "basis": basis}, index=rows.index)
        keys[["concept", "basis"]] = keys[["concept", "basis"]].apply(as_vocabulary)
        found = _word_amounts(keys.merge(self.figures, on=["doc", "concept", "basis"], how="left"))
        return (pd.Series(_objects(found["labelled"]), index=rows.index, dtype=object),
                pd.Series(_objects(found["ids"]), index=rows.index, dtype=object))


def _word_amounts(frame: pd.DataFrame) -> pd.DataFrame:
    """text '109.18万元（1,091,800.00元）' (as written alone when written in yuan), ids, and the text
    with its concept and basis label (labelled) or concept label only (named). Rows already worded
    (multiple=yes items) keep their text; rows with nothing stated stay NaN."""
    frame = frame.copy()
    written = _as_objects(_as_objects(frame["as_written"]).str.strip())
    in_yuan = (frame["unit"] == "元").fillna(False) & written.str.contains("元", regex=False).fillna(False)
    yuan = pd.Series(_yuan(frame["value_yuan"]), index=frame.index, dtype=object)
    worded = written.where(in_yuan.astype(bool), written + "（" + yuan + "）")
    previous_text = (_as_objects(frame["text"]) if "text" in frame
                     else pd.Series(np.nan, index=frame.index, dtype=object))
    previous_ids = frame["ids"] if "ids" in frame else pd.Series(np.nan, index=frame.index, dtype=object)
    frame["text"] = previous_text.where(previous_text.notna(), worded)
    own_ids = pd.Series([[i] if isinstance(i, str) else np.nan for i in _objects(frame["fact_id"])],
                        index=frame.index, dtype=object)
    frame["ids"] = previous_ids.where(previous_ids.notna(), own_ids)
    frame["labelled"] = _label(frame["concept"], frame["basis"]) + frame["text"]
    frame["named"] = _label(frame["concept"]) + frame["text"]  # in a sentence that names the basis
    return frame


def _word_rates(frame: pd.DataFrame, concept_column: str = "concept") -> pd.DataFrame:
    """'基本支出占比78.1%', '支出合计执行率93.5%', or the indicator's own label: '满意度95%'."""
    concepts = _as_objects(frame[concept_column])
    kind_label = _as_objects(_as_objects(frame["kind"]).map(RATE_KIND_LABELS).fillna(""))
    label = _as_objects(concepts.map(ZH_LABELS).where(kind_label != "", concepts))
    written = _as_objects(_as_objects(frame["as_written"]).str.strip())
    return frame.assign(text=label + kind_label + written,
                        ids=[[i] for i in _objects(frame["fact_id"])])


def _word_staff(frame: pd.DataFrame) -> pd.DataFrame:
    counts = pd.Series([f"{value:.0f}人" for value in frame["value"].to_numpy()], index=frame.index, dtype=object)
    return frame.assign(text=_label(frame["concept"]) + counts,
                        ids=[[i] if isinstance(i, str) else np.nan for i in _objects(frame["fact_id"])])


def _collect(rows: pd.DataFrame, details: pd.DataFrame, left_on: list[str], right_on: list[str],
             word: Callable[[pd.DataFrame], pd.DataFrame], text_column: str = "text") -> pd.DataFrame:
    """The detail rows of each failing row (children, shares, statements), in concept order, as
    `texts` (a list per row) and `ids` (flattened), on the failing rows' index."""
    matched = rows[left_on].reset_index(names="row").merge(details, left_on=left_on, right_on=right_on)
    rank = pd.Series(_objects(matched["concept"]), index=matched.index).map(CONCEPT_RANK)
    matched = word(matched.assign(rank=rank).sort_values(["row", "rank"], kind="stable"))
    texts: dict[object, list[str]] = defaultdict(list)
    ids: dict[object, list[str]] = defaultdict(list)
    # a plain loop: groupby.agg(list) runs a Python function per group, several times slower
    for row, text, fact_ids in zip(_objects(matched["row"]), _objects(matched[text_column]),
                                   _objects(matched["ids"]), strict=True):
        texts[row].append(text)
        ids[row].extend(fact_ids)
    return pd.DataFrame({"texts": pd.Series(texts, dtype=object), "ids": pd.Series(ids, dtype=object)}).reindex(
        rows.index)


def _objects(values: pd.Series) -> np.ndarray:
    """Column values as Python objects (iterating arrow-backed strings directly is slow)."""
    return values.to_numpy(dtype=object)


def _as_objects(values: pd.Series) -> pd.Series:
    """Text columns as object dtype: pandas' arrow strings refuse to mix with object columns."""
    return pd.Series(_objects(values), index=values.index, dtype=object)


def _joined(lists: pd.Series, separator: str) -> list[str]:
    return [separator.join(texts) if isinstance(texts, list) else "" for texts in lists]


def _percent(values: pd.Series) -> pd.Series:
    return pd.Series([f"{value:.2f}%" for value in values], index=values.index, dtype=object)


def _aligned(rows: pd.DataFrame, details: pd.DataFrame, on: list[str],
             word: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """The one detail row (or NaNs) matching each failing row, worded, on the failing rows' index."""
    return word(rows[on].merge(details, on=on, how="left").set_axis(rows.index))


def _sum_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    total, total_ids = texts.figure(rows, rows["subject"], rows["basis"])
    parts = _collect(rows, texts.figures, ["doc", "subject", "detail", "basis"],
                     ["doc", "parent", "axis", "basis"], _word_amounts, "named")
    return pd.DataFrame({"total": total, "sum": _yuan(rows["computed_value"]),
                         "parts": _joined(parts["texts"], " + "),
                         "fact_ids": _concat_lists(total_ids, parts["ids"])}, index=rows.index)


def _staff_sum_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    total = _aligned(rows.assign(concept=as_vocabulary(rows["subject"])), texts.staff, ["doc", "concept"],
                     _word_staff)
    parts = _collect(rows, texts.staff, ["doc", "subject", "detail"], ["doc", "parent", "axis"], _word_staff)
    return pd.DataFrame({"total": total["text"], "sum": rows["computed_value"].astype(int).astype(str),
                         "parts": _joined(parts["texts"], " + "),
                         "fact_ids": _concat_lists(total["ids"], parts["ids"])}, index=rows.index)


def _rate_mismatch_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    rates = _aligned(rows, texts.rates, ["doc", "fact_id"], _word_rates)
    is_share = rows["detail"] == "share"
    # share: part / its parent of the same basis
    parts = _aligned(rates.rename(columns={"amount_id": "fact_id", "fact_id": "rate_id"}), texts.statements,
                     ["doc", "fact_id"], _word_amounts)
    parents = pd.Series(_objects(parts["concept"]), index=rows.index).map(PARENTS)
    total, total_ids = texts.figure(rows, parents, parts["basis"])
    share_calculation = parts["labelled"] + "÷" + total + "=" + _percent(rows["computed_value"])
    # execution: final / adjusted_budget, or final / budget
    final, final_ids = texts.figure(rows, rows["subject"], "final")
    execution = {}
    for basis, ratio in (("adjusted_budget", rows["computed_value"]), ("budget", rows["alt_value"])):
        reference, reference_ids = texts.figure(rows, rows["subject"], basis)
        usable = ratio.notna() & ~is_share
        execution[basis] = ((final + "÷" + reference + "=" + _percent(ratio)).where(usable),
                            reference_ids.where(usable))
    calculations = [share if shared else "，或".join(c for c in (adjusted, budget) if isinstance(c, str))
                    for shared, share, adjusted, budget in zip(is_share, share_calculation,
                                                               execution["adjusted_budget"][0],
                                                               execution["budget"][0], strict=True)]
    fact_ids = _concat_lists(rates["ids"], parts["ids"].where(is_share),
                             total_ids.where(is_share), final_ids.where(~is_share),
                             execution["adjusted_budget"][1], execution["budget"][1])
    return pd.DataFrame({"rate": rates["text"], "calculations": calculations, "fact_ids": fact_ids},
                        index=rows.index)


def _over_100_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    rates = _aligned(rows, texts.rates, ["doc", "fact_id"], _word_rates)
    return pd.DataFrame({"rate": rates["text"], "fact_ids": rates["ids"]}, index=rows.index)


def _shares_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    found = _collect(rows, texts.shares, ["doc", "subject", "detail", "basis"],
                     ["doc", "parent", "axis", "basis"], lambda shares: _word_rates(shares, "rate_concept"))
    return pd.DataFrame({
        "total": _label(rows["subject"], rows["basis"]),
        "share_sum": [f"{round(value, 6):g}" for value in rows["stated_value"]],
        "relation": np.where(rows["flag_below"], "不等于100%", "超过100%"),
        "shares": _joined(found["texts"], "、"), "fact_ids": found["ids"],
    }, index=rows.index)


def _conflict_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    found = _collect(rows, texts.statements, ["doc", "subject", "basis"], ["doc", "concept", "basis"],
                     _word_amounts)
    return pd.DataFrame({"concept": _label(rows["subject"], rows["basis"]),
                         "values": _joined(found["texts"], "、"), "fact_ids": found["ids"]}, index=rows.index)


def _over_budget_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    final, final_ids = texts.figure(rows, rows["subject"], "final")
    reference, reference_ids = texts.figure(rows, rows["subject"], rows["detail"])
    return pd.DataFrame({"final": final, "reference": reference,
                         "fact_ids": _concat_lists(final_ids, reference_ids)}, index=rows.index)


def _income_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    expenditure, expenditure_ids = texts.figure(rows, "expenditure.total", "final")
    stated_total, stated_total_ids = texts.figure(rows, "income.total", "final")
    income_parts = texts.figures[texts.figures["concept"].isin(INCOME_PARTS)
                                 & (texts.figures["basis"] == "final")]
    parts = _collect(rows, income_parts, ["doc"], ["doc"], _word_amounts, "labelled")
    summed = [("、".join(p) + (f"之和{total:,.2f}元" if len(p) > 1 else "")) if isinstance(p, list) else ""
              for p, total in zip(parts["texts"], rows["computed_value"], strict=True)]
    from_total = rows["detail"] == "income.total"
    return pd.DataFrame({
        "expenditure": expenditure, "income": stated_total.where(from_total, pd.Series(summed, index=rows.index)),
        "fact_ids": _concat_lists(expenditure_ids, stated_total_ids.where(from_total),
                                  parts["ids"].where(~from_total)),
    }, index=rows.index)


def _staff_over_fields(rows: pd.DataFrame, texts: _Texts) -> pd.DataFrame:
    """The top-level pair, with the over-authorized parts of the same report folded in as details;
    parts of a report whose top pair is fine (or missing) stand as findings of their own."""
    actual = _aligned(rows.assign(concept=as_vocabulary(rows["subject"])), texts.staff, ["doc", "concept"],
                      _word_staff)
    authorized_concepts = rows["subject"].str.replace("staff.actual", "staff.authorized", n=1, regex=False)
    authorized = _aligned(rows.assign(concept=as_vocabulary(authorized_concepts)), texts.staff,
                          ["doc", "concept"], _word_staff)
    fields = pd.DataFrame({"doc": rows["doc"], "is_top": rows["detail"] == "top",
                           "actual": actual["text"], "authorized": authorized["text"],
                           "fact_ids": _concat_lists(actual["ids"], authorized["ids"])}, index=rows.index)
    folded = ~fields["is_top"] & fields["doc"].isin(fields.loc[fields["is_top"], "doc"])
    notes = fields[folded].assign(note=fields["actual"] + "超过" + fields["authorized"]).groupby("doc").agg(
        notes=("note", "，".join), note_ids=("fact_ids", "sum"))
    fields = fields[~folded].join(notes, on="doc")
    fields["details"] = ("（其中" + fields["notes"] + "）").where(fields["notes"].notna(), "")
    fields["fact_ids"] = _concat_lists(fields["fact_ids"], fields["note_ids"])
    return fields[["actual", "authorized", "details", "fact_ids"]]


PARENTS: dict[str, str | None] = {concept: c.parent for concept, c in load_concepts().items()}
DESCRIBERS: dict[str, Callable[[pd.DataFrame, _Texts], pd.DataFrame]] = {
    "sum_mismatch": _sum_fields,
    "rate_mismatch": _rate_mismatch_fields,
    "rate_over_100": _over_100_fields,
    "shares_not_100": _shares_fields,
    "conflicting_values": _conflict_fields,
    "over_budget": _over_budget_fields,
    "expenditure_exceeds_income": _income_fields,
    "staff_sum_mismatch": _staff_sum_fields,
    "staff_over_authorized": _staff_over_fields,
}


def describe_failures(failing: pd.DataFrame, inputs: RuleInputs) -> pd.DataFrame:
    """Failing comparisons -> findings frame (doc_sha256, rule, severity, message, fact_ids), ordered
    by report and by the rule table."""
    if failing.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in FINDINGS_COLUMNS})
    texts = _Texts(inputs.for_documents(failing["doc"].unique()))
    findings = []
    for rule, rows in failing.groupby("rule", sort=False):
        fields = DESCRIBERS[rule](rows, texts)
        definition = RULE_BY_NAME[rule]
        names = [name for name in fields.columns if name != "fact_ids"]
        messages = [definition.template.format(**dict(zip(names, values, strict=True)))
                    for values in zip(*(fields[name] for name in names), strict=True)]
        findings.append(pd.DataFrame({
            "doc": rows.loc[fields.index, "doc"], "rule": rule, "severity": definition.severity,
            "message": messages, "fact_ids": [list(dict.fromkeys(ids)) for ids in fields["fact_ids"]],
        }, index=fields.index))
    table = pd.concat(findings)
    table = table.assign(rank=table["rule"].map(RULE_ORDER)).sort_values(["doc", "rank"], kind="stable")
    table.insert(0, "doc_sha256", inputs.documents[table["doc"].to_numpy()])
    return table[FINDINGS_COLUMNS].reset_index(drop=True)
