"""Acceptance 1: each seed as .docx, .pdf and .html scores as perfectly as its text with score.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.pipeline import process_batch
from tests.format_fixtures import text_parts, to_docx, to_html, to_pdf
from tests.shared import GOLD, SCORE_TOOL, seed_paths

BUILDERS = {"docx": to_docx, "pdf": to_pdf, "html": to_html}


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_seeds_in_every_format_score_perfectly(fmt: str, tmp_path: Path) -> None:
    seeds = seed_paths()
    files = [(seed.with_suffix(f".{fmt}").name, BUILDERS[fmt](text_parts(seed.read_text(encoding="utf-8"))))
             for seed in seeds]
    processed = process_batch(files)
    assert [item.reject_reason for item in processed] == [None] * len(seeds)
    assert {item.document.format for item in processed} == {fmt}
    # The gold files name the .txt seeds; the scorer matches documents by file name.
    predictions = []
    for item in processed:
        facts = item.facts.to_json()
        facts["document"] = Path(facts["document"]).with_suffix(".txt").name
        predictions.append(facts)
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    scored = subprocess.run([sys.executable, str(SCORE_TOOL), str(GOLD), str(pred)],
                            capture_output=True, text=True, timeout=120)
    total = scored.stdout.strip().splitlines()[-1]
    assert "recall=1.000" in total and "extra_amounts=0 false_alarms=0" in total, scored.stdout
