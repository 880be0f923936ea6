"""The project's concept vocabulary extends the spec's and never renames it."""

from __future__ import annotations

import csv

import pytest

from expectations.concepts import CONCEPTS_CSV, children_by_axis, load_concepts
from tests.shared import SHARED

SPEC_CONCEPTS = SHARED / "spec" / "concepts.csv"


def test_every_spec_concept_is_kept_unchanged() -> None:
    if not SPEC_CONCEPTS.is_file():
        pytest.skip(f"../shared/spec/concepts.csv not beside the clone at {SPEC_CONCEPTS}")
    with SPEC_CONCEPTS.open(encoding="utf-8", newline="") as handle:
        spec = list(csv.DictReader(handle))
    with CONCEPTS_CSV.open(encoding="utf-8", newline="") as handle:
        ours = {row["concept"]: row for row in csv.DictReader(handle)}
    for row in spec:
        assert row["concept"] in ours, row["concept"]
        assert {key: ours[row["concept"]][key] for key in row} == row


def test_parents_exist_and_axes_separate_alternative_breakdowns() -> None:
    concepts = load_concepts()
    for concept in concepts.values():
        assert concept.parent is None or concept.parent in concepts, concept.concept
        assert concept.parent is None or concept.axis, f"{concept.concept} has a parent but no axis"
    axes = children_by_axis("expenditure.total")
    assert "expenditure.basic" in axes["nature"]
    assert "expenditure.function.education" in axes["function"]
