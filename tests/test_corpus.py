"""The generated corpus: deterministic, in the gold-file shape, every rule planted, and the extractor's
recall on it at or above the level recorded in bench/README.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.corpus import PLANTED_RULES, TRUTH_DIR, generate, generate_one, parse_years, write_corpus
from bench.recall import measure
from tests.shared import PROJECT_ROOT, SCORE_TOOL, SHARED

YEARS = list(range(2019, 2025))
GOLD_KEYS = {"document", "unit_name", "region", "fiscal_year", "amounts", "rates", "staff", "scores", "findings"}


def recorded_floor(name: str) -> float:
    """The level bench/README.md records, from its line `- <name>: >= 0.97`."""
    text = (PROJECT_ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^- {name}: [<>]= ([0-9.]+)", text, re.MULTILINE)
    assert match, f"bench/README.md records no {name}"
    return float(match.group(1))


def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    first = [r.data for r in generate(20, years=YEARS, seed=3)]
    assert first == [r.data for r in generate(20, years=YEARS, seed=3)]
    assert first != [r.data for r in generate(20, years=YEARS, seed=4)]
    # any report alone equals the same report made in sequence
    assert generate_one(17, years=YEARS, seed=3).data == first[17]


def test_units_recur_across_years_and_every_rule_is_planted() -> None:
    truths = [r.truth for r in generate(600, years=YEARS, seed=1)]
    years_per_unit = Counter(t["unit_name"] for t in truths if t["document"].split("_")[1] == "u000007")
    assert sorted(t["fiscal_year"] for t in truths if "_u000007_" in t["document"]) == YEARS
    assert sum(years_per_unit.values()) == len(YEARS)
    planted = Counter(f["rule"] for t in truths for f in t["findings"])
    assert set(PLANTED_RULES) <= set(planted)
    assert 0.2 < sum(1 for t in truths if t["findings"]) / len(truths) < 0.7
    assert {t["encoding"] for t in truths} == {"utf-8", "gb18030", "utf-8-sig"}
    assert any("亿元" in a["as_written"] for t in truths for a in t["amounts"])


def test_corpus_on_disk_is_reports_plus_gold_files_the_shared_scorer_reads(tmp_path: Path) -> None:
    write_corpus(tmp_path, 12, years=parse_years("2021-2023"), seed=2)
    reports = sorted(tmp_path.glob("*.txt"))
    truths = sorted((tmp_path / TRUTH_DIR).glob("*.json"))
    assert len(reports) == len(truths) == 12
    gold = [json.loads(p.read_text(encoding="utf-8")) for p in truths]
    assert all(set(g) >= GOLD_KEYS for g in gold)
    assert {g["fiscal_year"] for g in gold} == {2021, 2022, 2023}
    if not SCORE_TOOL.is_file():
        pytest.skip(f"no shared scorer at {SHARED}")
    # the truth scored against itself is perfect: the shapes are what the scorer expects
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    scored = subprocess.run([sys.executable, str(SCORE_TOOL), str(tmp_path / TRUTH_DIR), str(pred)],
                            capture_output=True, text=True, timeout=60)
    assert "recall=1.000" in scored.stdout, scored.stdout


def test_recall_on_500_generated_reports_stays_at_the_recorded_level() -> None:
    recall = measure(500, seed=5, years=YEARS)
    report = recall.as_dict()
    print(report)  # shown with -s / on failure: which layouts and rules fell short
    assert recall.amount_recall >= recorded_floor("amount_recall"), report
    assert recall.finding_recall >= recorded_floor("finding_recall"), report
    assert recall.false_alarms <= recorded_floor("false_alarms_max"), report
