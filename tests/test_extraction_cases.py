"""Extraction cases as data: every `tests/cases/tables/*.toml` and `tests/cases/prose/*.toml` is one
document and the facts it must give (see tests/cases/tables/README.md). A new layout, phrasing or lexicon
row is a new file there, not a new test."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tasks.extract import extract_report
from tasks.read import read_document
from tasks.validate import validate_report

CASES = sorted((Path(__file__).parent / "cases").glob("*/*.toml"))


def _load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_there_are_cases() -> None:
    assert len([c for c in CASES if c.parent.name == "tables"]) >= 10
    assert len([c for c in CASES if c.parent.name == "prose"]) >= 8


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_table_case(path: Path) -> None:
    case = _load(path)
    text = case["text"].strip("\n")  # read as a user's .txt file is: decoding, normalization and all
    facts = extract_report(read_document(f"{path.stem}.txt", text.encode("utf-8")))
    got = sorted((a.concept, a.basis, a.value_yuan) for a in facts.amounts)
    assert got == sorted(tuple(row) for row in case["amounts"]), case["about"]
    stated = {(r.concept, r.kind, r.value_pct) for r in facts.rates}
    for rate in case.get("rates", []):
        assert tuple(rate) in stated, (rate, case["about"])
    unclassified = [u["as_written"] for u in facts.unclassified]
    for figure in case.get("unclassified", []):
        assert figure in unclassified, (figure, case["about"])
    read_by = {str(a.value_yuan): a.read_by for a in facts.amounts}
    for value, how in case.get("read_by", {}).items():
        assert read_by[value] == how, (value, case["about"])
    if "kind" in case:
        assert facts.report_kind == case["kind"]
    if "staff" in case:
        assert sorted((s.concept, s.value) for s in facts.staff) == sorted(tuple(row) for row in case["staff"])
    for field in ("unit_name", "subject"):
        if field in case:
            assert getattr(facts, field) == case[field], case["about"]
    if "findings" in case:  # the rules' verdict on the figures read
        assert sorted(f.rule for f in validate_report(facts)) == sorted(case["findings"]), case["about"]
