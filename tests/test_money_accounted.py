"""Every money figure accounted for (prose issue): in every document of samples/ and ../shared, each
number written with a money unit (元/万元/亿元) ends as an amount, as an entry of `unclassified`, or as an
`unparseable` figure, or restates the value of an amount (the same figure said again is one fact):
nothing that reads as money is dropped unseen. The money pattern here is written
independently of the extractor's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.extract import extract_report
from tasks.read import read_document
from tests.shared import SHARED

ROOT = Path(__file__).resolve().parent.parent
_MONEY = re.compile(r"(?<![\d.,])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?) ?(?P<unit>亿元|万元|元)")
_YUAN = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
_FOLDERS = [ROOT / "samples", ROOT / "samples" / "forms", ROOT / "samples" / "prose",
            SHARED / "seeds", SHARED / "realistic" / "forms", SHARED / "realistic" / "prose"]
DOCUMENTS = sorted(p for folder in _FOLDERS if folder.is_dir() for p in folder.iterdir()
                   if p.suffix in (".txt", ".docx", ".html", ".pdf"))


def test_there_are_documents() -> None:
    if not (SHARED / "realistic").is_dir():
        pytest.skip(f"{SHARED} is not beside the clone (CI has it): only samples/ are checked")
    assert len(DOCUMENTS) >= 60


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_money_figure_is_a_fact_or_listed(path: Path) -> None:
    document = read_document(str(path), path.read_bytes())
    facts = extract_report(document)
    covered = [a.span for a in facts.amounts] + [tuple(u["span"]) for u in facts.unclassified] + [
        tuple(u["span"]) for u in facts.unparseable]
    values = {round(a.value_yuan, 2) for a in facts.amounts}
    dropped = [match.group() for match in _MONEY.finditer(document.text)
               if not any(start < match.end() and match.start() < end for start, end in covered)
               and round(float(match["num"].replace(",", "")) * _YUAN[match["unit"]], 2) not in values]
    assert dropped == [], f"{path.name}: money read but neither a fact nor unclassified: {dropped}"
