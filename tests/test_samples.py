"""The sample corpus (samples/ prose, samples/forms/ forms and tables in every flattening and format):
every report yields the figures and exactly the findings its expected file lists."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tasks.models import Processed
from tasks.pipeline import process_file
from tests.shared import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "samples"
EXPECTED = sorted([*SAMPLES.glob(".expected/*.json"), *SAMPLES.glob("*/.expected/*.json")])


@cache
def processed(path: Path) -> Processed:
    return process_file(path)


def _document(expected_file: Path) -> Path:
    """The report an expected file describes: beside its .expected folder."""
    return expected_file.parent.parent / _expected(expected_file)["document"]


def _expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.stem)
def test_sample_findings_are_exactly_the_planted_ones(expected_file: Path) -> None:
    expected = _expected(expected_file)
    result = processed(_document(expected_file))
    assert result.loaded, result.reject_reason
    found = Counter(f.rule for f in result.facts.findings)
    assert found == Counter(f["rule"] for f in expected["findings"]), [f.message for f in result.facts.findings]
    severities = {f.rule: f.severity for f in result.facts.findings}
    for finding in expected["findings"]:
        assert severities[finding["rule"]] == finding["severity"]


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.stem)
def test_sample_figures_and_metadata(expected_file: Path) -> None:
    expected = _expected(expected_file)
    facts = processed(_document(expected_file)).facts
    got = Counter((a.concept, a.basis, round(a.value_yuan, 2)) for a in facts.amounts)
    want = Counter((a["concept"], a["basis"], round(a["value_yuan"], 2)) for a in expected["amounts"])
    assert got == want
    got_staff = Counter((s.concept, s.value) for s in facts.staff)
    assert got_staff == Counter((s["concept"], s["value"]) for s in expected["staff"])
    assert sorted(s.value for s in facts.scores) == sorted(float(s) for s in expected["scores"])
    stated = Counter((r.kind, r.value_pct) for r in facts.rates)
    for rate in expected["rates"]:
        assert stated[(rate["kind"], rate["value_pct"])] > 0, rate
    assert (facts.unit_name, facts.fiscal_year, facts.report_date) == (
        expected["unit_name"], expected["fiscal_year"], expected["report_date"])
    assert {k: facts.region[k] for k in expected["region"]} == expected["region"]
    if "report_kind" in expected:
        assert (facts.report_kind, facts.subject) == (expected["report_kind"], expected["subject"])


def test_status_follows_the_findings() -> None:
    statuses = {p.stem: processed(_document(p)).facts.status for p in EXPECTED}
    assert "passed" in statuses.values() and "failed" in statuses.values() and "warning" in statuses.values()
