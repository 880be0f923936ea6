"""Find the input files under the paths a user gives: pure filesystem walking, no Prefect.

Rules, chosen so that a run sees the same files in the same order every time:
- a path given explicitly is taken as it is (even a dot-file, even through a symlink);
- inside a folder: regular files only; dot-files and dot-folders are skipped (.git, .DS_Store, editor
  swap files are never reports);
- symlinks inside a folder are followed only to files that stay inside that folder; symlinked
  folders are not descended (their targets inside the folder are walked anyway, outside ones must
  not leak in, and a link cycle cannot loop); a link to a file outside is refused with a reason
  (`discover_inputs`) so the run counts it as rejected;
- the result is sorted by path and holds each real file once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


class DiscoveryError(ValueError):
    """A given path is missing or is neither a regular file nor a folder."""


def discover_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """All input files under `paths`, sorted, each real file once (see the module rules)."""
    return discover_inputs(paths)[0]


def discover_inputs(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files to read, refused entries with the reason): a symlink in a folder that leads outside
    it is refused, not followed, and reported so the run can count it as rejected."""
    found: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise DiscoveryError(f"no such file or folder: {root}")
        if root.is_dir():
            found.extend(_files_in_folder(root, refused))
        elif root.is_file():
            found.append(root)
        else:
            raise DiscoveryError(f"not a regular file or folder: {root}")
    return _unique_sorted(found), sorted(set(refused), key=lambda item: str(item[0]))


def _files_in_folder(root: Path, refused: list[tuple[Path, str]]) -> list[Path]:
    real_root = root.resolve()
    files: list[Path] = []
    # followlinks=False: symlinked folders show up in `dirnames` but are not entered.
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if _is_wanted_file(path, real_root):
                files.append(path)
            elif path.is_symlink():
                target = _link_target(path)
                if target is None:  # a loop or a dangling link: a named entry that is no file, said so
                    refused.append((path, "symlink that leads nowhere (dangling, or a loop): not followed"))
                elif target.is_file():
                    refused.append((path, f"symlink to a file outside the input folder ({root}): not followed"))
    return files


def _link_target(path: Path) -> Path | None:
    """The real file a link leads to, or None for a loop or a dangling link (Path.resolve raises
    RuntimeError on a loop in Python 3.11)."""
    try:
        return Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        return None


def _is_wanted_file(path: Path, real_root: Path) -> bool:
    try:
        mode = path.lstat().st_mode
    except OSError:  # vanished while walking
        return False
    if stat.S_ISREG(mode):
        return True
    if not stat.S_ISLNK(mode):
        return False  # fifo, socket, device: never a report, and reading one may block
    target = _link_target(path)
    return target is not None and target.is_relative_to(real_root) and target.is_file()


def _unique_sorted(paths: list[Path]) -> list[Path]:
    """Sorted by path; a real file reached twice (given twice, or via a link) is kept once."""
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in sorted(paths, key=str):
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        unique.append(path)
    return unique
