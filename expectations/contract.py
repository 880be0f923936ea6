"""The fact contract's vocabularies and the shape of the fact frames: what validation needs to know
about facts, kept here (below `tasks/`) so that the rules never import the pipeline that produces them.
`tasks.models` and `tasks.frames` re-export these names."""

from __future__ import annotations

import pandas as pd

BASES: tuple[str, ...] = ("budget", "adjusted_budget", "final")
RATE_KINDS: tuple[str, ...] = ("share", "execution", "indicator", "growth")
SEVERITIES: tuple[str, ...] = ("error", "warning")

# Yuan per unit as written in the reports.
UNIT_YUAN: dict[str, int] = {"元": 1, "千元": 1_000, "万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000}

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
# Each fact frame: its columns and the dtypes that are not inferred from the values.
FACT_FRAME_SHAPES: dict[str, tuple[list[str], dict[str, str]]] = {
    "amounts": (AMOUNT_COLUMNS, {"value_yuan": "float64", "decimals": "int64", "half_width_yuan": "float64",
                                 "unit_implied": "bool"}),
    "rates": (RATE_COLUMNS, {"value_pct": "float64", "decimals": "int64", "half_width_pct": "float64"}),
    "staff": (STAFF_COLUMNS, {"value": "int64"}),
    "scores": (SCORE_COLUMNS, {"value": "float64"}),
    "unclassified": (UNCLASSIFIED_COLUMNS, {"item_no": "int64", "value": "float64"}),
}
# The tables holding one report's facts: written together, replaced together.
FACT_TABLES: tuple[str, ...] = tuple(FACT_FRAME_SHAPES)

FINDINGS_COLUMNS: list[str] = ["doc_sha256", "rule", "severity", "message", "fact_ids"]


class FactContractError(ValueError):
    """The extracted facts break the fact contract: a bug in the extractor, not in the report."""


def fact_frame(name: str, rows: list[tuple]) -> pd.DataFrame:
    """One fact frame from row tuples in its column order (none: an empty frame of the right shape)."""
    columns, dtypes = FACT_FRAME_SHAPES[name]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in ("span_start", "span_end"):
        frame[column] = frame[column].astype("int64")
    return frame.astype(dtypes)
