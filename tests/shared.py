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


def fail_reads_once(monkeypatch: pytest.MonkeyPatch, *names: str) -> dict[str, int]:
    """Make the first read of each named file fail with EIO (a flaky disk); return the failures left,
    so a test can show each planned failure really happened."""
    import errno

    from tasks import batch as batch_work

    real_read = batch_work._read_limited
    failures_left = dict.fromkeys(names, 1)

    def flaky_read(path: Path, limit: int) -> object:
        if failures_left.get(path.name, 0) > 0:
            failures_left[path.name] -= 1
            raise OSError(errno.EIO, "Input/output error")
        return real_read(path, limit)

    monkeypatch.setattr(batch_work, "_read_limited", flaky_read)
    return failures_left
