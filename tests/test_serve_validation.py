"""`jixiao serve` refuses, before serving, what its runs would fail on (issue 16): a schedule or
timezone Prefect rejects, a schedule that never fires, a missing inbox or roster, a warehouse it
cannot write. Exit 2 and one line `error: ...` naming the cause and what to do, never a traceback,
with --dry-run and without (then no Prefect server is contacted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jixiao import prefect_env
from jixiao.cli import app

BIN = Path(sys.executable).parent
NO_SERVER = "http://127.0.0.1:9/api"  # nothing listens: a real serve that got this far would fail otherwise


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A valid setup (an inbox folder, a writable warehouse) the tests break one thing of."""
    for name, value in prefect_env.RUN_LOGS_AT_INFO.items():  # serve sets them: keep this process as it was
        monkeypatch.setenv(name, value)
    for name in ("JIXIAO_TIMEZONE", "JIXIAO_CRON_YEARLY_INGESTION", "JIXIAO_CRON_ANNUAL_AUDIT", "JIXIAO_ROSTER",
                 "JIXIAO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("JIXIAO_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("JIXIAO_DB", str(tmp_path / "warehouse" / "jixiao.duckdb"))
    monkeypatch.setenv("PREFECT_API_URL", NO_SERVER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def serve(*args: str) -> Result:
    return CliRunner().invoke(app, ["serve", *args])


def assert_refused(result: Result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("dry_run", [["--dry-run"], []], ids=["dry-run", "serve"])
def test_an_unknown_timezone_is_refused(dry_run: list[str]) -> None:
    line = assert_refused(serve("--timezone", "Mars/Olympus", *dry_run), "Mars/Olympus", "--timezone")
    assert "Asia/Shanghai" in line  # what to pass instead


def test_the_timezone_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_TIMEZONE", "Europe/Atlantis")
    assert_refused(serve("--dry-run"), "Europe/Atlantis", "JIXIAO_TIMEZONE")


@pytest.mark.parametrize("dry_run", [["--dry-run"], []], ids=["dry-run", "serve"])
def test_a_cron_prefect_rejects_is_refused(dry_run: list[str]) -> None:
    assert_refused(serve("--cron", "yearly-ingestion=99 2 3", *dry_run), "99 2 3", "yearly-ingestion", "5 fields")


def test_a_cron_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_CRON_ANNUAL_AUDIT", "0 3 * * mon-funday")
    assert_refused(serve("--dry-run"), "annual-audit")


def test_a_schedule_that_never_fires_is_refused() -> None:
    # Prefect accepts 30 February; no run would ever start
    assert_refused(serve("--cron", "yearly-ingestion=0 2 30 2 *", "--dry-run"), "never fires", "0 2 30 2 *")


@pytest.mark.parametrize("cron", ["yearly-ingestion", "=0 2 15 5 *", "yearly-ingestion="])
def test_a_malformed_cron_option_is_refused(cron: str) -> None:
    assert_refused(serve("--cron", cron, "--dry-run"), "NAME=CRON")


def test_a_cron_for_no_deployment_is_refused() -> None:
    assert_refused(serve("--cron", "monthly=0 2 1 * *", "--dry-run"), "monthly", "yearly-ingestion")


@pytest.mark.parametrize("dry_run", [["--dry-run"], []], ids=["dry-run", "serve"])
def test_a_missing_inbox_is_refused(dry_run: list[str], tmp_path: Path) -> None:
    assert_refused(serve("--inbox", str(tmp_path / "nowhere"), *dry_run), str(tmp_path / "nowhere"), "--inbox")


def test_the_inbox_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JIXIAO_INBOX", str(tmp_path / "gone"))
    assert_refused(serve("--dry-run"), str(tmp_path / "gone"), "JIXIAO_INBOX")


def test_an_inbox_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inbox.txt").write_text("not a folder")
    assert_refused(serve("--inbox", "inbox.txt", "--dry-run"), str(tmp_path / "inbox.txt"), "not a folder")


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_a_roster_that_is_not_a_file_is_refused(make: str, tmp_path: Path) -> None:
    roster = tmp_path / "units.csv"
    if make == "folder":
        roster.mkdir()
    assert_refused(serve("--roster", str(roster), "--dry-run"), str(roster), "--roster")


def test_a_warehouse_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    assert_refused(serve("--db", str(tmp_path), "--dry-run"), "is a folder", str(tmp_path / "jixiao.duckdb"))


def test_a_warehouse_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("")
    assert_refused(serve("--db", str(tmp_path / "plain-file" / "jixiao.duckdb"), "--dry-run"),
                   "cannot write the warehouse", "--db")


def test_a_warehouse_where_nothing_can_be_written_is_refused() -> None:
    # /proc takes no new file, even for root (a chmod'ed folder would not stop root)
    assert_refused(serve("--db", "/proc/jixiao.duckdb", "--dry-run"), "/proc", "--db")


def test_a_valid_setup_is_shown_with_the_paths_the_runs_will_use(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("unit_name\n某县教育局\n", encoding="utf-8")
    result = serve("--inbox", "inbox", "--roster", "units.csv", "--cron", "yearly-ingestion=0 2 1 4 *",
                   "--timezone", "Asia/Urumqi", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "0 2 1 4 *" in result.stderr and "Asia/Urumqi" in result.stderr
    # relative paths made absolute: the runs start in other folders
    assert f"runs use: inbox {tmp_path / 'inbox'}; roster {tmp_path / 'units.csv'}; " \
           f"warehouse {tmp_path / 'warehouse' / 'jixiao.duckdb'}" in result.stderr.replace("\n", "")


def test_serve_without_a_server_says_so_in_one_line(tmp_path: Path) -> None:
    # a subprocess: an in-process serve could find the test session's Prefect server and never return
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    result = subprocess.run([str(BIN / "jixiao"), "serve"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the table of what it would serve
    assert last.startswith(f"error: cannot reach the Prefect server at {NO_SERVER}") and "PREFECT_API_URL" in last
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--timezone", "Mars/Olympus"], ["--cron", "yearly-ingestion=99 2 3"]],
                         ids=["timezone", "cron"])
def test_the_installed_command_exits_2_without_a_traceback(args: list[str], tmp_path: Path) -> None:
    """The issue's two command lines, as a user types them."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    result = subprocess.run([str(BIN / "jixiao"), "serve", *args, "--dry-run"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_serve_without_prefect_api_url_says_what_to_set(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")  # a fresh profile: no API URL there either
    result = subprocess.run([str(BIN / "jixiao"), "serve"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: jixiao serve needs a Prefect server") and "PREFECT_API_URL=" in last
