"""The form samples (samples/forms/): what the forms issue asks of them, and expected files that agree
with their documents and with the validation rules.

What each document must yield is checked by tests/test_samples.py (one generic test over every
expected file); this file checks the corpus itself: its mix of kinds, layouts and formats, figures
written where the expected file says, findings that follow from the figures, and one form in three
flattenings described by the same facts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from tasks.read import read_document
from tests.test_samples_expected import derive_findings, nfkc

FORMS_DIR = Path(__file__).resolve().parents[1] / "samples" / "forms"
EXPECTED_DIR = FORMS_DIR / ".expected"
FORMATS = {".txt", ".docx", ".html", ".pdf"}
DOCUMENTS = sorted(p.name for p in FORMS_DIR.iterdir() if p.suffix in FORMATS)
UNITS = {1.0: "元", 1e3: "千元", 1e4: "万元", 1e8: "亿元"}
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def expected_for(name: str) -> dict:
    return json.loads((EXPECTED_DIR / f"{Path(name).stem}.json").read_text(encoding="utf-8"))


@cache
def document_text(name: str) -> str:
    """The text a reader sees: the canonical text of the file as jixiao reads it."""
    return read_document(name, (FORMS_DIR / name).read_bytes()).text


def squash(text: str) -> str:
    """NFKC without whitespace or thousands separators: a figure broken over lines is still found."""
    return re.sub(r"[\s,]", "", nfkc(text))


def with_unit(row: dict) -> dict:
    """An amount row with its unit written out (a form states it once, in a caption or a header), so
    the rules see each figure's precision in its own unit."""
    written = nfkc(row["as_written"]).replace(",", "")
    number = NUMBER.search(written)
    assert number, row
    if written[number.end():].strip():
        return row
    value = float(number.group())
    ratio = row["value_yuan"] / value if value else 1.0
    unit = next((u for factor, u in UNITS.items() if abs(ratio - factor) <= 1e-6 * factor), None)
    assert unit is not None or value == 0, f"{row}: value_yuan is not the figure in 元/千元/万元/亿元"
    return {**row, "as_written": number.group() + (unit or "元")}


def test_corpus_has_every_kind_in_text_and_binary_formats() -> None:
    assert len(DOCUMENTS) >= 12
    for name in DOCUMENTS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.(txt|docx|html|pdf)", name), name
        assert (EXPECTED_DIR / f"{Path(name).stem}.json").is_file(), f"{name} has no expected file"
    assert len(list(EXPECTED_DIR.glob("*.json"))) == len(DOCUMENTS), "an expected file without its document"
    kinds = Counter(expected_for(name)["report_kind"] for name in DOCUMENTS)
    assert all(kinds[kind] >= 3 for kind in ("department_overall", "project", "transfer_payment")), kinds
    assert sum(Path(name).suffix != ".txt" for name in DOCUMENTS) >= 3


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_figure_is_written_in_its_document(name: str) -> None:
    expected, text = expected_for(name), squash(document_text(name))
    assert expected["document"] == name
    lines = [squash(line) for line in document_text(name).splitlines()]
    for row in expected["amounts"] + expected["rates"] + expected.get("optional_rates", []):
        if "written_across_lines" in row:  # a number the layout broke: its parts on successive lines
            head, tail = (squash(part) for part in row["written_across_lines"])
            assert squash(row["as_written"]) == head + tail
            assert any(head in line and tail in later for i, line in enumerate(lines) for later in lines[i + 1:i + 3])
            continue
        assert squash(row["as_written"]) in text, f"{row['as_written']!r} not in {name}"
    for row in expected["amounts"]:
        with_unit(row)  # value_yuan is the written figure in one of the money units
    assert str(expected["fiscal_year"]) in text and squash(expected["unit_name"]) in text


@pytest.mark.parametrize("name", DOCUMENTS)
def test_declared_findings_follow_from_the_figures(name: str) -> None:
    expected = expected_for(name)
    written_out = {**expected, "amounts": [with_unit(r) for r in expected["amounts"]],
                   "optional_amounts": [with_unit(r) for r in expected.get("optional_amounts", [])]}
    declared = Counter(f["rule"] for f in expected["findings"])
    assert Counter(derive_findings(written_out)) == declared, name
    assert not set(expected.get("must_not_flag", [])) & set(declared)


def test_some_forms_are_clean_and_some_carry_planted_findings() -> None:
    findings = [bool(expected_for(name)["findings"]) for name in DOCUMENTS]
    assert findings.count(False) >= 4 and findings.count(True) >= 3


def test_one_form_in_three_flattenings_is_described_by_the_same_facts() -> None:
    """NN_<form>_<layout>: files of one form differ in layout only, so their expected facts agree."""
    def facts(name: str) -> tuple:
        e = expected_for(name)
        return (tuple(sorted((a["concept"], a["basis"], a["value_yuan"]) for a in e["amounts"])),
                tuple(sorted((r["concept"], r["kind"], r["value_pct"]) for r in e["rates"])),
                tuple(sorted(e["scores"])), e["unit_name"], e["fiscal_year"], e["report_kind"], e["subject"])

    by_form: dict[str, list[str]] = {}
    for name in DOCUMENTS:
        by_form.setdefault(Path(name).stem.split("_", 1)[1].rsplit("_", 1)[0], []).append(name)
    groups = [names for names in by_form.values() if len(names) >= 3]
    assert groups, "no form is given in three flattenings"
    for names in groups:
        assert len({facts(n) for n in names}) == 1, names
        assert len({document_text(n) for n in names}) == len(names), f"{names}: the same text twice"
