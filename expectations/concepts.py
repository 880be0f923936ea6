"""The concept vocabulary: the spec's concepts.csv as extended by this project.

`expectations/concepts.csv` keeps every column and row of the spec's file (never renamed) and adds:
- `axis`: children of one parent that add up to it together. Children on different axes are
  alternative breakdowns of the same total (basic/project vs. by function) and are never mixed.
- `closed`: "yes" when the axis lists every possible child, so a full breakdown can be recognized.
- `multiple`: "yes" when one report may state the concept many times (one row per item).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONCEPTS_CSV = Path(__file__).with_name("concepts.csv")


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


def children_by_axis(parent: str) -> dict[str, list[str]]:
    """Children of `parent`, grouped by axis: the sum rules that `parent` takes part in."""
    groups: dict[str, list[str]] = {}
    for concept in load_concepts().values():
        if concept.parent == parent:
            groups.setdefault(concept.axis or "", []).append(concept.concept)
    return groups


def zh_label(concept: str) -> str:
    found = load_concepts().get(concept)
    return found.zh_label if found else concept
