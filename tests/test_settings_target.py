"""Which warehouse a command works on: --db/--warehouse first, then JIXIAO_WAREHOUSE, then JIXIAO_DB."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.settings import Settings
from warehouse.lake import LakeTarget

LAKE = "ducklake+postgres://jixiao@pg.example:5432/jixiao?data_path=/shared/lake"


def test_an_explicit_path_wins_over_a_lake_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_WAREHOUSE", LAKE)
    assert Settings.for_run("/tmp/mine.duckdb").target == Path("/tmp/mine.duckdb")
    assert isinstance(Settings.for_run(None).target, LakeTarget)


def test_a_url_picks_the_lake_and_its_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_DB", "/tmp/other.duckdb")
    settings = Settings.for_run(LAKE)
    assert settings.target == LakeTarget.from_url(LAKE)
    assert settings.archive_path == Path("/shared/lake/archive")


def test_the_default_is_the_file_beside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIXIAO_WAREHOUSE", raising=False)
    monkeypatch.delenv("JIXIAO_DB", raising=False)
    assert Settings.for_run(None).target.name == "jixiao.duckdb"
