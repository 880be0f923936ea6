"""Where the project's shared material lives: ../shared beside the clone (CI has it)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold"
SCORE_TOOL = SHARED / "tools" / "score.py"


def require_shared() -> None:
    if not (SEEDS.is_dir() and GOLD.is_dir() and SCORE_TOOL.is_file()):
        pytest.skip(f"../shared (seeds, gold, tools/score.py) not beside the clone at {SHARED}")


def seed_paths() -> list[Path]:
    require_shared()
    return sorted(SEEDS.glob("*.txt"))
