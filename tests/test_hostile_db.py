"""Hard to break (issue 16): `--db` pointing at something that is no usable warehouse.

A folder, a file that is not DuckDB, a read-only file, a file in a folder nobody can write: every
command fails in one line (never a traceback) or, for readers of a read-only warehouse, simply reads
it; either way the file is left byte for byte and mode for mode as it was.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jixiao.cli import app
from tests.conftest import report_text
from tests.test_history import build_warehouse

READERS = [["sql", "SELECT count(*) AS n FROM reports"], ["findings"], ["explain", "r.txt"],
           ["export", "--parquet", "{out}"]]
AS_ROOT = os.geteuid() == 0
# Root is not stopped by permission bits (chmod 555 on a folder binds everyone but root).
NEEDS_NON_ROOT = pytest.mark.skipif(AS_ROOT, reason="root writes into a chmod 555 folder: the case cannot be made")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _fingerprint(path: Path) -> tuple[str, int, int]:
    """What "left untouched" means: the bytes, the mode and the modification time."""
    info = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.S_IMODE(info.st_mode), info.st_mtime_ns


def _one_line_error(result: Result, *needles: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    for needle in needles:
        assert needle in error, error
    return error


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile_db") / "jixiao.duckdb"
    build_warehouse(db, {"r.txt": report_text("某县统计局", income="100", spent="130")})
    return db


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "new.txt").write_text(report_text("某县教育局"), encoding="utf-8")
    return folder


@pytest.fixture
def read_only_copy(warehouse: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "frozen.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    copy.chmod(0o444)
    yield copy
    copy.chmod(0o644)


@pytest.fixture
def in_read_only_folder(warehouse: Path, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locked"
    folder.mkdir()
    copy = folder / "jixiao.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    folder.chmod(0o555)
    yield copy
    folder.chmod(0o755)


def _reader_args(command: list[str], db: Path, tmp_path: Path) -> list[str]:
    return [part.format(out=tmp_path / "out") for part in command] + ["--db", str(db)]


# --- a folder, a file that is not DuckDB ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["ingest", "{inbox}"], *READERS])
def test_a_folder_as_the_warehouse_is_one_line(command: list[str], tmp_path: Path, inbox: Path) -> None:
    folder = tmp_path / "a_folder.duckdb"
    (folder / "keep").mkdir(parents=True)
    args = [part.format(inbox=inbox, out=tmp_path / "out") for part in command]
    _one_line_error(run(*args, "--db", str(folder)), "is a folder")
    assert [path.name for path in folder.iterdir()] == ["keep"]


@pytest.mark.parametrize("content", [b"", b"this is not a DuckDB file", os.urandom(8192),
                                     b"SQLite format 3\x00" + bytes(4096)], ids=["empty", "text", "random", "sqlite"])
@pytest.mark.parametrize("command", [["ingest", "{inbox}"], *READERS])
def test_a_file_that_is_not_duckdb_is_one_line_and_left_as_it_was(command: list[str], content: bytes,
                                                                    tmp_path: Path, inbox: Path) -> None:
    """Before, a SQLite file made DuckDB download its sqlite extension from the network to open it
    (here, offline: "Failed to download extension"); now no DuckDB opens what is not a DuckDB file."""
    fake = tmp_path / "fake.duckdb"
    fake.write_bytes(content)
    before = _fingerprint(fake)
    args = [part.format(inbox=inbox, out=tmp_path / "out") for part in command]
    error = _one_line_error(run(*args, "--db", str(fake)), "not a valid DuckDB database file", str(fake))
    assert "extension" not in error
    assert _fingerprint(fake) == before
    assert not (tmp_path / "fake.duckdb.next").exists()


# --- read-only ------------------------------------------------------------------------------------------


def test_ingest_refuses_a_read_only_warehouse_and_leaves_it(read_only_copy: Path, inbox: Path) -> None:
    """Before: the run copied the file, wrote the copy and renamed it over the read-only file (a
    rename needs only the folder writable), so the frozen warehouse changed and lost its mode."""
    before = _fingerprint(read_only_copy)
    _one_line_error(run("ingest", str(inbox), "--db", str(read_only_copy)), "read-only", "chmod u+w")
    assert _fingerprint(read_only_copy) == before
    assert not read_only_copy.with_name(read_only_copy.name + ".next").exists()


def test_correct_refuses_a_read_only_warehouse_too(read_only_copy: Path, tmp_path: Path) -> None:
    corrections = tmp_path / "c.csv"
    corrections.write_text("document,concept,basis,value_yuan,reason,author\n", encoding="utf-8")
    before = _fingerprint(read_only_copy)
    _one_line_error(run("correct", str(corrections), "--db", str(read_only_copy)), "read-only")
    assert _fingerprint(read_only_copy) == before


@pytest.mark.parametrize("place", ["read_only_copy", pytest.param("in_read_only_folder", marks=NEEDS_NON_ROOT)])
@pytest.mark.parametrize("command", READERS)
def test_readers_read_a_read_only_warehouse_and_leave_it(command: list[str], place: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    """A chmod 444 file, or a file in a folder no one may write (non-root only)."""
    warehouse: Path = request.getfixturevalue(place)
    before = _fingerprint(warehouse)
    result = run(*_reader_args(command, warehouse, tmp_path))
    assert result.exit_code == 0, result.output
    assert _fingerprint(warehouse) == before


def test_ingest_into_a_folder_no_one_can_write_is_one_line(inbox: Path) -> None:
    """A place even root cannot create files in (/proc): the run's lock and copy cannot be made.
    Before: FileNotFoundError from the run lock, with Prefect's traceback."""
    _one_line_error(run("ingest", str(inbox), "--db", "/proc/jixiao-test/jixiao.duckdb"), "cannot write in /proc")
    assert not Path("/proc/jixiao-test").exists()


def test_ingest_under_a_file_is_one_line(inbox: Path, tmp_path: Path) -> None:
    parent = tmp_path / "a_file"
    parent.write_text("x", encoding="utf-8")
    _one_line_error(run("ingest", str(inbox), "--db", str(parent / "jixiao.duckdb")), "Not a directory")


@NEEDS_NON_ROOT
def test_ingest_into_a_read_only_folder_is_one_line(in_read_only_folder: Path, inbox: Path) -> None:
    before = _fingerprint(in_read_only_folder)
    _one_line_error(run("ingest", str(inbox), "--db", str(in_read_only_folder)), "cannot write in")
    assert _fingerprint(in_read_only_folder) == before


def test_export_into_a_place_it_cannot_write_is_one_line(warehouse: Path) -> None:
    _one_line_error(run("export", "--parquet", "/proc/jixiao-test-out", "--db", str(warehouse)), "export to")
