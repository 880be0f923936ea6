"""The raw-bytes archive: content-addressed, idempotent, and never a half-written file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import tasks.archive as archive
from tasks.archive import archive_bytes, archived_path

DATA = "曲靖市科学技术协会2019年度部门整体支出绩效自评报告".encode("gb18030")
SHA = hashlib.sha256(DATA).hexdigest()


def test_bytes_are_stored_under_their_sha256(tmp_path: Path) -> None:
    stored = archive_bytes(tmp_path, SHA, DATA)

    assert stored == tmp_path / SHA[:2] / SHA
    assert stored.read_bytes() == DATA
    assert archived_path(tmp_path, SHA) == stored
    assert [p.name for p in stored.parent.iterdir()] == [SHA]  # no temp file left behind


def test_archiving_the_same_bytes_again_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = archive_bytes(tmp_path, SHA, DATA)

    def no_writes(*args: object, **kwargs: object) -> None:
        raise AssertionError("the archive rewrote bytes it already had")

    monkeypatch.setattr(archive, "_create", no_writes)  # where every archive write starts
    assert archive_bytes(tmp_path, SHA, DATA) == first
    assert first.read_bytes() == DATA


def test_different_bytes_get_different_files(tmp_path: Path) -> None:
    other = DATA + b"\n"
    other_sha = hashlib.sha256(other).hexdigest()

    paths = {archive_bytes(tmp_path, SHA, DATA), archive_bytes(tmp_path, other_sha, other)}

    assert len(paths) == 2
    assert {p.read_bytes() for p in paths} == {DATA, other}


def test_a_hash_that_does_not_match_the_bytes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not match"):
        archive_bytes(tmp_path, "0" * 64, DATA)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", SHA.upper(), SHA[:-1], ""])
def test_only_a_lowercase_hex_sha256_names_a_file(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="not a lowercase hex sha256"):
        archive_bytes(tmp_path, bad, DATA)


def test_the_file_appears_only_once_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = archived_path(tmp_path, SHA)
    seen_while_writing: list[bool] = []
    real_fsync = os.fsync

    def fsync_and_look(fd: int) -> None:
        seen_while_writing.append(target.exists())
        real_fsync(fd)

    monkeypatch.setattr(archive.os, "fsync", fsync_and_look)
    archive_bytes(tmp_path, SHA, DATA)

    assert seen_while_writing == [False]  # the bytes were written elsewhere, then renamed into place
    assert target.read_bytes() == DATA


def test_a_failed_write_leaves_neither_file_nor_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_replace(source: str, destination: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(archive.os, "replace", failing_replace)

    with pytest.raises(OSError, match="disk full"):
        archive_bytes(tmp_path, SHA, DATA)
    assert not archived_path(tmp_path, SHA).exists()
    assert list((tmp_path / SHA[:2]).iterdir()) == []


def test_a_large_file_is_streamed_into_the_archive(tmp_path: Path) -> None:
    from tasks.archive import archive_file

    source = tmp_path / "big.bin"
    data = bytes(range(256)) * 5000
    source.write_bytes(data)
    sha256, size, stored = archive_file(tmp_path / "archive", source, chunk_bytes=4096)
    assert (sha256, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert stored == archived_path(tmp_path / "archive", sha256) and stored.read_bytes() == data
    assert archive_file(tmp_path / "archive", source) == (sha256, size, stored)  # idempotent
    assert not list((tmp_path / "archive").glob(".incoming.*"))  # no temp files left behind


def test_a_temp_file_left_by_a_crashed_run_does_not_block_archiving(tmp_path: Path) -> None:
    import threading

    folder = archived_path(tmp_path, SHA).parent
    folder.mkdir(parents=True)
    stale = folder / f".{SHA}.{os.getpid()}.{threading.get_ident()}.tmp"  # this process's own temp name
    stale.write_bytes(b"half written")
    stale.chmod(0o444)

    archive_bytes(tmp_path, SHA, DATA)

    assert archived_path(tmp_path, SHA).read_bytes() == DATA
    assert [path.name for path in folder.iterdir()] == [SHA]  # the stale temp file is gone
    assert oct(archived_path(tmp_path, SHA).stat().st_mode & 0o777) == "0o444"  # archived bytes are read-only
