"""The concept dimension's rows: expectations/concepts.csv (the spec's file as this project extends it).

The loader sits here, at the bottom of the import order, because the warehouse seeds its `concepts`
table from it; `expectations.concepts` re-exports it with the helpers the rules use."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONCEPTS_CSV = Path(__file__).resolve().parent.parent / "expectations" / "concepts.csv"


@dataclass(frozen=True, slots=True)
class Concept:
    concept: str
    kind: str
    parent: str | None
    zh_label: str
    typical_phrasings: str
    axis: str | None
    closed: bool
    multiple: bool


@cache
def load_concepts(path: Path = CONCEPTS_CSV) -> dict[str, Concept]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["concept"]: Concept(
            concept=row["concept"],
            kind=row["kind"],
            parent=row["parent"] or None,
            zh_label=row["zh_label"],
            typical_phrasings=row["typical_phrasings"],
            axis=row.get("axis") or None,
            closed=row.get("closed") == "yes",
            multiple=row.get("multiple") == "yes",
        )
        for row in rows
    }
