"""Validation of fact frames: the fact contract (pandera), then every rule of `expectations/rules.toml`
over every report, then the findings frame (pandera again).

The rules state their comparisons report by report (`expectations.rules`); whether they hold is one
vectorized check over the whole batch; only the failing ones are worded. An error resting on a fact
that was inferred rather than read is softened to a warning that says so.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from expectations.contract import FINDINGS_COLUMNS
from expectations.report_view import ReportView, report_views
from expectations.rule_table import INFERRED_NOTE, RULE_BY_NAME, RULES, WORDING
from expectations.rules import CHECKS, Comparisons, conflicting
from expectations.schemas import FindingsSchema, check_fact_frames
from expectations.tolerance import comparison_holds

FindingRow = tuple[str, str, str, str, list[str]]  # doc_sha256, rule, severity, message, fact_ids


def validate_fact_frames(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every rule over the fact frames of many reports at once.

    Returns a findings frame (doc_sha256, rule, severity, message, fact_ids), ordered by report (in
    order of appearance) and by the rule table. Raises `expectations.contract.FactContractError` when
    the frames themselves break the fact contract.
    """
    checked = check_fact_frames(frames)
    with collection_paused():
        views = report_views(checked["amounts"], checked["rates"], checked["staff"], conflicting)
        rows = soften_inferred(failing_findings(views, compare(views)), checked)
        if not rows:
            return pd.DataFrame({column: pd.Series(dtype=object) for column in FINDINGS_COLUMNS})
        return FindingsSchema.validate(pd.DataFrame(rows, columns=FINDINGS_COLUMNS, dtype=object))


@contextmanager
def collection_paused() -> Iterator[None]:
    """The views are some ten objects per fact, none in a reference cycle (reference counting frees
    them all), yet allocating them triggers the garbage collector's full passes over the whole heap,
    which in a worker holding a batch of reports cost as much as the rules themselves."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compare(views: list[ReportView]) -> Comparisons:
    """Every comparison of every rule, report by report in the rule table's order."""
    comparisons = Comparisons()
    checks = [(definition, CHECKS[definition.check]) for definition in RULES if definition.check]
    for number, view in enumerate(views):
        comparisons.current_doc = number
        for definition, run in checks:
            run(view, definition, comparisons)
    return comparisons


def failing_findings(views: list[ReportView], comparisons: Comparisons) -> list[FindingRow]:
    """The comparisons that do not hold, worded as findings."""
    if not len(comparisons):
        return []
    failed = ~comparison_holds(comparisons.columns())

    def has_failed(number: int) -> bool:
        return bool(failed[number])

    rows: list[FindingRow] = []
    for number in np.flatnonzero(failed).tolist():
        doc, rule, word = comparisons.about[number]
        worded = word(has_failed)
        if worded is None:  # folded into another finding
            continue
        fields, fact_ids = worded
        definition = RULE_BY_NAME[rule]
        rows.append((views[doc].doc_sha256, definition.rule, definition.severity,
                     definition.template.format(**fields), list(dict.fromkeys(fact_ids))))
    return rows


def inferred_facts(frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str], str]:
    """(doc_sha256, fact_id) -> how the fact was inferred, for every fact not read unambiguously: its
    column placed by position, its number joined from two lines, or (prose) its unit taken from its
    neighbours. A table cell's unit from the caption or header is stated, not inferred."""
    out: dict[tuple[str, str], str] = {}
    for name, frame in frames.items():
        if name == "unclassified" or frame.empty or "read_by" not in frame:
            continue
        implied = frame["unit_implied"].astype(bool).tolist() if name == "amounts" else [False] * len(frame)
        for sha, fact_id, read_by, unit_implied in zip(frame["doc_sha256"].tolist(), frame["fact_id"].tolist(),
                                                       frame["read_by"].tolist(), implied, strict=True):
            how = WORDING.inferred_readings.get(read_by) if isinstance(read_by, str) else None
            if how is None and unit_implied and read_by == "label":
                how = WORDING.unit_inferred
            if how is not None:
                out[(sha, fact_id)] = how
    return out


def soften_inferred(rows: list[FindingRow], frames: dict[str, pd.DataFrame]) -> list[FindingRow]:
    """An error is an accusation, so it stands only on facts read unambiguously: one that rests on an
    inferred fact becomes a warning saying which fact was inferred and how."""
    if not any(severity == "error" for _, _, severity, _, _ in rows):
        return rows
    inferred = inferred_facts(frames)
    if not inferred:
        return rows
    softened = []
    for doc, rule, severity, message, fact_ids in rows:
        reasons = [f"{fact_id}{inferred[(doc, fact_id)]}" for fact_id in fact_ids if (doc, fact_id) in inferred]
        if severity == "error" and reasons:
            severity, message = "warning", f"{message}{INFERRED_NOTE}{'；'.join(reasons)}）"
        softened.append((doc, rule, severity, message, fact_ids))
    return softened
