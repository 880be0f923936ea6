"""File discovery: which files a run sees, and in which order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.discover import DiscoveryError, discover_files


def _write(path: Path, text: str = "报告") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_walks_subfolders_and_sorts(tmp_path: Path) -> None:
    for name in ["b.txt", "a.txt", "sub/z.txt", "sub/deeper/c.txt", "a2.txt"]:
        _write(tmp_path / name)

    assert _names(discover_files([tmp_path]), tmp_path) == [
        "a.txt", "a2.txt", "b.txt", "sub/deeper/c.txt", "sub/z.txt",
    ]


def test_dot_files_and_dot_folders_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "report.txt")
    _write(tmp_path / ".DS_Store")
    _write(tmp_path / ".git" / "config")
    _write(tmp_path / "sub" / ".hidden" / "inner.txt")
    _write(tmp_path / "sub" / ".swp")

    assert _names(discover_files([tmp_path]), tmp_path) == ["report.txt"]


def test_a_dot_file_given_explicitly_is_taken(tmp_path: Path) -> None:
    hidden = _write(tmp_path / ".report.txt")

    assert discover_files([hidden]) == [hidden]


def test_symlinks_leading_outside_the_folder_are_not_followed(tmp_path: Path) -> None:
    inside = tmp_path / "inbox"
    outside = tmp_path / "elsewhere"
    _write(inside / "report.txt")
    secret = _write(outside / "secret.txt")
    _write(outside / "folder" / "more.txt")
    (inside / "file_link.txt").symlink_to(secret)
    (inside / "folder_link").symlink_to(outside / "folder", target_is_directory=True)

    assert _names(discover_files([inside]), inside) == ["report.txt"]


def test_a_symlink_to_a_file_inside_the_folder_counts_that_file_once(tmp_path: Path) -> None:
    _write(tmp_path / "sub" / "report.txt")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "sub" / "report.txt")

    found = discover_files([tmp_path])

    assert len(found) == 1
    assert found[0].resolve() == (tmp_path / "sub" / "report.txt").resolve()


def test_a_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    _write(tmp_path / "report.txt")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)

    assert _names(discover_files([tmp_path]), tmp_path) == ["report.txt"]


def test_order_does_not_depend_on_argument_order_or_repeats(tmp_path: Path) -> None:
    a = _write(tmp_path / "x" / "a.txt")
    b = _write(tmp_path / "y" / "b.txt")

    first = discover_files([tmp_path / "y", tmp_path / "x"])
    second = discover_files([tmp_path / "x", b, tmp_path / "y", a])

    assert first == second == [a, b]


def test_fifos_are_skipped(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    _write(tmp_path / "report.txt")
    os.mkfifo(tmp_path / "pipe")

    assert _names(discover_files([tmp_path]), tmp_path) == ["report.txt"]


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="nope"):
        discover_files([tmp_path / "nope"])


def test_an_empty_folder_gives_no_files(tmp_path: Path) -> None:
    assert discover_files([tmp_path]) == []
