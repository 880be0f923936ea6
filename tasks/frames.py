"""Facts as column frames: the one shape shared by validation (pandera) and loading (DuckDB).

Every frame carries `doc_sha256` so a batch of many reports is one frame per fact kind.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from tasks.models import ReportFacts

AMOUNT_COLUMNS = [
    "doc_sha256", "fact_id", "concept", "basis", "value_yuan", "as_written",
    "span_start", "span_end", "unit", "decimals", "unit_implied", "half_width_yuan", "read_by", "label",
]
RATE_COLUMNS = [
    "doc_sha256", "fact_id", "concept", "kind", "value_pct", "as_written",
    "span_start", "span_end", "decimals", "amount_id", "half_width_pct", "read_by",
]
STAFF_COLUMNS = ["doc_sha256", "fact_id", "concept", "value", "as_written", "span_start", "span_end", "read_by"]
SCORE_COLUMNS = ["doc_sha256", "fact_id", "label", "value", "as_written", "span_start", "span_end", "read_by"]
UNCLASSIFIED_COLUMNS = ["doc_sha256", "item_no", "as_written", "span_start", "span_end", "label", "reason",
                        "value", "unit"]
# The tables holding one report's facts: written together, replaced together.
FACT_TABLES: tuple[str, ...] = ("amounts", "rates", "staff", "scores", "unclassified")


def facts_to_frames(reports: Iterable[tuple[str, ReportFacts]]) -> dict[str, pd.DataFrame]:
    """(sha256, facts) pairs -> {"amounts", "rates", "staff", "scores", "unclassified"} frames."""
    unclassified: list[tuple] = []
    amounts: list[tuple] = []
    rates: list[tuple] = []
    staff: list[tuple] = []
    scores: list[tuple] = []
    for sha, facts in reports:
        for a in facts.amounts:
            amounts.append((sha, a.id, a.concept, a.basis, a.value_yuan, a.as_written, a.span[0], a.span[1],
                            a.unit, a.decimals, a.unit_implied, a.half_width_yuan, a.read_by, a.label))
        for r in facts.rates:
            rates.append((sha, r.id, r.concept, r.kind, r.value_pct, r.as_written, r.span[0], r.span[1],
                          r.decimals, r.amount_id, r.half_width_pct, r.read_by))
        for s in facts.staff:
            staff.append((sha, s.id, s.concept, s.value, s.as_written, s.span[0], s.span[1], s.read_by))
        for s in facts.scores:
            scores.append((sha, s.id, s.label, s.value, s.as_written, s.span[0], s.span[1], s.read_by))
        for number, u in enumerate(facts.unclassified, start=1):
            unclassified.append((sha, number, u["as_written"], u["span"][0], u["span"][1], u.get("label"),
                                 u.get("reason") or "no concept", u.get("value"), u.get("unit")))
    return {
        "amounts": _frame(amounts, AMOUNT_COLUMNS, {"value_yuan": "float64", "decimals": "int64",
                                                     "half_width_yuan": "float64", "unit_implied": "bool"}),
        "rates": _frame(rates, RATE_COLUMNS, {"value_pct": "float64", "decimals": "int64",
                                               "half_width_pct": "float64"}),
        "staff": _frame(staff, STAFF_COLUMNS, {"value": "int64"}),
        "scores": _frame(scores, SCORE_COLUMNS, {"value": "float64"}),
        "unclassified": _frame(unclassified, UNCLASSIFIED_COLUMNS, {"item_no": "int64", "value": "float64"}),
    }


def _frame(rows: list[tuple], columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in ("span_start", "span_end"):
        frame[column] = frame[column].astype("int64")
    return frame.astype(dtypes)
