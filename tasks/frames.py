"""Facts as column frames: the one shape shared by validation (pandera) and loading (DuckDB).

Every frame carries `doc_sha256` so a batch of many reports is one frame per fact kind.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from expectations.contract import (  # the frames' shapes are the fact contract's: re-exported here
    AMOUNT_COLUMNS,
    FACT_TABLES,
    RATE_COLUMNS,
    SCORE_COLUMNS,
    STAFF_COLUMNS,
    UNCLASSIFIED_COLUMNS,
    fact_frame,
)
from tasks.models import ReportFacts

__all__ = ["AMOUNT_COLUMNS", "FACT_TABLES", "RATE_COLUMNS", "SCORE_COLUMNS", "STAFF_COLUMNS",
           "UNCLASSIFIED_COLUMNS", "facts_to_frames"]


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
    rows = {"amounts": amounts, "rates": rates, "staff": staff, "scores": scores, "unclassified": unclassified}
    return {name: fact_frame(name, table_rows) for name, table_rows in rows.items()}
