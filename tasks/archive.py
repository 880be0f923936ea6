"""A content-addressed archive of the raw bytes of every input file, rejected ones included.

`archive_dir/ab/abcdef…` holds the bytes whose sha256 is `abcdef…`, so the warehouse's
`documents.sha256` is enough to get back exactly what was read, even after the source moved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from pathlib import Path

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def archived_path(archive_dir: Path, sha256: str) -> Path:
    """Where the bytes with this sha256 live (or would live) in the archive."""
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return archive_dir / sha256[:2] / sha256


def archive_bytes(archive_dir: Path, sha256: str, data: bytes, *, durable: bool = True) -> Path:
    """Store `data` under its sha256, atomically; a no-op when it is already there. Returns the path.

    `durable=False` skips the per-file fsync for a caller that syncs a whole batch at once (the
    ingest flow does, before it commits the batch), which saves a disk flush per file.
    """
    target = archived_path(archive_dir, sha256)
    target_name = os.fspath(target)
    if os.path.exists(target_name):
        return target
    # A wrong hash would file the bytes where nobody will look for them: refuse it.
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ValueError(f"sha256 {sha256} does not match the bytes given (their sha256 is {actual})")
    # Write a temp file in the same directory, then rename: readers (and concurrent writers of the
    # same bytes) only ever see a complete file. (tempfile's random name was ~1/3 of archiving a small file.)
    folder = os.path.dirname(target_name)
    temp_name = _temp_name(folder, sha256)
    handle = _create(temp_name, folder)
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            if durable:
                os.fsync(temp_file.fileno())
        os.replace(temp_name, target_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return target


def _temp_name(folder: str, stem: str) -> str:
    # this process's and thread's own name: no random name to draw, no other writer uses it
    return os.path.join(folder, f".{stem}.{os.getpid()}.{threading.get_ident()}.tmp")


def _create(name: str, folder: str) -> int:
    """A new file for writing, read-only once closed (archived bytes are never edited; the creator
    may write it). Makes its folder the first time; replaces a temp file a crashed run left there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(name, flags, 0o444)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        os.unlink(name)
    return os.open(name, flags, 0o444)


def archive_file(archive_dir: Path, source: Path, chunk_bytes: int = 1 << 20) -> tuple[str, int, Path]:
    """Store a file of any size by streaming it (never whole in memory); returns (sha256, size, path).

    Files too large to process are still archived: every input's bytes are kept, rejected ones too.
    """
    digest, size = hashlib.sha256(), 0
    temp_name = _temp_name(os.fspath(archive_dir), "incoming")
    handle = _create(temp_name, os.fspath(archive_dir))
    try:
        with os.fdopen(handle, "wb") as temp_file, source.open("rb") as reader:
            while chunk := reader.read(chunk_bytes):
                digest.update(chunk)
                size += len(chunk)
                temp_file.write(chunk)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        sha256 = digest.hexdigest()
        target = archived_path(archive_dir, sha256)
        if target.exists():
            os.unlink(temp_name)
            return sha256, size, target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, target)
        return sha256, size, target
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
