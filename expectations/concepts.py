"""The concept vocabulary: the spec's concepts.csv as extended by this project.

`expectations/concepts.csv` keeps every column and row of the spec's file (never renamed) and adds:
- `axis`: children of one parent that add up to it together. Children on different axes are
  alternative breakdowns of the same total (basic/project vs. by function) and are never mixed.
- `closed`: "yes" when the axis lists every possible child, so a full breakdown can be recognized.
- `multiple`: "yes" when one report may state the concept many times (one row per item).
"""

from __future__ import annotations

from warehouse.concepts import CONCEPTS_CSV, Concept, load_concepts

__all__ = ["CONCEPTS_CSV", "Concept", "children_by_axis", "load_concepts", "zh_label"]


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
