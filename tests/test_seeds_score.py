"""Acceptance: the seeds score perfectly against gold with the shared scoring tool, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.shared import GOLD, SCORE_TOOL, seed_paths

JIXIAO = Path(sys.executable).with_name("jixiao")


def test_extract_json_scores_perfectly_on_the_seeds(tmp_path: Path) -> None:
    seeds = seed_paths()
    pred = tmp_path / "pred.json"
    # Exactly the documented command: jixiao extract ../shared/seeds/*.txt --json > pred.json
    with pred.open("w", encoding="utf-8") as out:
        subprocess.run([str(JIXIAO), "extract", *map(str, seeds), "--json"], stdout=out, check=True, timeout=300)
    scored = subprocess.run(
        [sys.executable, str(SCORE_TOOL), str(GOLD), str(pred)], capture_output=True, text=True, timeout=120
    )
    total = scored.stdout.strip().splitlines()[-1]
    assert "recall=1.000" in total, scored.stdout
    assert "extra_amounts=0 false_alarms=0" in total, scored.stdout
    assert scored.returncode == 0
