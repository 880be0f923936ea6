"""Test-wide setup: Prefect's state in a temp dir, and ONE Prefect test server for the whole session.

Only tests marked `prefect` start the server (its first start migrates a SQLite database, which
can take a while); every other test runs without it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Before anything imports Prefect (it reads its settings at import): keep its state out of both the
# project tree and the user's ~/.jixiao, and keep it quiet and offline.
_PREFECT_HOME = tempfile.mkdtemp(prefix="jixiao-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

# A throwaway Postgres for the DuckLake-catalog tests (fixtures `postgres_server`, `postgres_dsn`).
pytest_plugins = ["tests.postgres"]

# The first start migrates SQLite and can take over a minute on a slow machine.
PREFECT_SERVER_STARTUP_TIMEOUT = 180


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API (SQLite in a temp dir) shared by every `prefect` test."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=PREFECT_SERVER_STARTUP_TIMEOUT):
        yield


@pytest.fixture(autouse=True)
def _prefect_for_marked_tests(request: pytest.FixtureRequest) -> None:
    # Requested lazily so that a run without `prefect` tests never starts the server.
    if request.node.get_closest_marker("prefect") is not None:
        request.getfixturevalue("prefect_harness")


REPORT_TEMPLATE = """{unit}
{year}年部门整体支出绩效自评报告

一、部门基本情况
{unit}编制{staff}名，实有人员{staff}名。
二、部门财政资金收支情况
（一）部门财政资金收入：{income}万元。
（二）部门财政资金支出：{spent}万元。
（三）部门财政资金结转结余：0.00元。
三、评价结论
部门整体支出绩效自评得分{score}分。
"""


def report_text(unit: str, year: int = 2024, income: str = "161.76", spent: str = "161.76",
                staff: int = 6, score: int = 95) -> str:
    """A small self-evaluation report in the seeds' phrasing."""
    return REPORT_TEMPLATE.format(unit=unit, year=year, income=income, spent=spent, staff=staff, score=score)


@pytest.fixture
def make_report() -> Callable[..., str]:
    """`report_text` for tests: make_report("某县教育局", year=2023, income="1200.5", ...)."""
    return report_text


@pytest.fixture
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three readable reports (a_kexie.txt, b_jiaoyu.txt in GB18030, county/c_weijian.txt), two files a
    run must reject (garbage.bin, empty.txt) and a dot-file it must not see (.notes.txt)."""
    folder = tmp_path_factory.mktemp("inbox")
    (folder / "county").mkdir()
    (folder / "a_kexie.txt").write_text(report_text("峨边彝族自治县科学技术协会"), encoding="utf-8")
    (folder / "b_jiaoyu.txt").write_bytes(
        report_text("某县教育局", year=2023, income="1200.5", spent="1180.25", staff=40).encode("gb18030"))
    (folder / "county" / "c_weijian.txt").write_text(
        report_text("某县卫生健康局", income="880", spent="900", staff=25, score=88), encoding="utf-8")
    (folder / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "empty.txt").write_bytes(b"")
    (folder / ".notes.txt").write_text("not a report", encoding="utf-8")
    return folder
