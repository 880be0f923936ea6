"""One writer at a time, readers never blocked: runs write a private copy and publish it whole.

DuckDB lets one process write a file and nobody else open it meanwhile, so a writer holding
`jixiao.duckdb` would lock out every analyst for the length of a run, and an analyst's open
connection would make the run fail. Instead a run (ingest, revalidate, audit, correct):

1. takes the run lock `<db>.lock` (an flock: the next run waits for it, and is told who holds it);
2. copies the published file to `<db>.next` (under a read-only open of the published file, so a
   program writing it outside jixiao is detected rather than copied half-written);
3. writes and migrates the copy, committing batch by batch as before;
4. closes it (DuckDB checkpoints on close) and renames it over the published file: one atomic
   step, so a reader opens either the old or the new warehouse, never a mix.

Readers open the published file read-only, at any time, and see the state of the last run that
ended; a connection kept open keeps reading the state it opened (reconnect to see a newer run). A
crash (even kill -9) leaves the published file as it was: the next run discards the copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.db import IN_MEMORY, OFFLINE, WarehouseError, connect
from warehouse.lake import LakeTarget, catalog_lock, open_lake

LOCK_POLL_S = 0.5
# How much WAL a run's copy gathers before DuckDB checkpoints it (DuckDB's default: 16MB, about one
# ingest batch). A checkpoint rewrites the key indexes whole, so its cost grows with the warehouse: at
# the default, 100k reports took ~50 s of checkpoints in 50 commits, at 256MB ~9 s (+~100 MiB of the
# writer's memory). The copy is published only after its closing checkpoint, so a crash loses nothing
# that was published.
CHECKPOINT_THRESHOLD = "256MB"


def work_path(db: Path) -> Path:
    return db.with_name(db.name + ".next")


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


@contextlib.contextmanager
def run_lock(db: Path, holder: str, *, wait_s: float,
             on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's run lock for the block; wait up to `wait_s` for the run holding it.

    The lock file says who holds it (run, pid, host, since), for the waiting run's message. flock
    is released by the kernel when the holder dies, so a killed run never leaves a stale lock."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                current = lock_holder(db)
                if time.monotonic() >= deadline:
                    raise WarehouseError(
                        f"the warehouse {db} is busy: {current} is writing it; try again when it ends "
                        f"(or raise JIXIAO_LOCK_WAIT_S, now {wait_s:g} s)") from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for {current} to finish writing {db}")
                    told = True
                time.sleep(LOCK_POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{holder} (pid {os.getpid()} on {socket.gethostname()}, "
                     f"since {datetime.now().astimezone().isoformat(' ', 'seconds')})")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_holder(db: Path) -> str:
    try:
        text = lock_path(db).read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another run"


def is_being_written(db: Path) -> bool:
    """Whether a run holds the lock now (used to explain a missing first warehouse)."""
    path = lock_path(db)
    if not path.exists():
        return False
    with open(path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@contextlib.contextmanager
def writing(db: Path | str | LakeTarget, *, holder: str, wait_s: float = 3600.0, memory_limit: str | None = None,
            on_wait: Callable[[str], None] | None = None, exclusive: bool = True,
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of the warehouse, published when the block ends.

    What the block committed is published whether it ends normally or by an exception (each batch
    commits a consistent state, as a crash-free run would leave it); nothing is published when the
    copy cannot be closed cleanly. ":memory:" is opened directly (tests).

    On a DuckLake there is no copy: every commit is a snapshot readers see at once. `exclusive`
    holds the catalog lock for the whole block (short runs: revalidate, audit, correct); an ingest
    passes False and takes `commit_lock` around each of its commits, so many ingests (on many
    machines) extract side by side and only their commits take turns."""
    if isinstance(db, LakeTarget):
        with _lake_writer(db, exclusive=exclusive, memory_limit=memory_limit, wait_s=wait_s) as conn:
            yield conn
        return
    if str(db) == IN_MEMORY:
        conn = connect(db, memory_limit=memory_limit)
        try:
            yield conn
        finally:
            conn.close()
        return
    db = Path(db)
    with run_lock(db, holder, wait_s=wait_s, on_wait=on_wait):
        work = work_path(db)
        _fresh_copy(db, work)
        conn = connect(work, memory_limit=memory_limit)
        try:
            conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")  # a constant: no input
            yield conn
        except BaseException:
            with contextlib.suppress(Exception):  # the block's error is the one to report
                _publish(conn, work, db)
            raise
        _publish(conn, work, db)


def commit_lock(db: Path | str | LakeTarget, wait_s: float = 3600.0) -> contextlib.AbstractContextManager[None]:
    """Around a commit whose writes depend on what it read (is this file new? the next sequence
    number): the lake's catalog lock; a file warehouse's run lock is already held for the run."""
    if isinstance(db, LakeTarget):
        return catalog_lock(db, timeout_s=wait_s)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _lake_writer(target: LakeTarget, *, exclusive: bool, memory_limit: str | None,
                 wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = open_lake(target, config={"memory_limit": memory_limit} if memory_limit else None)
    try:
        with catalog_lock(target, timeout_s=wait_s) if exclusive else contextlib.nullcontext():
            yield conn
    finally:
        conn.close()


def _fresh_copy(db: Path, work: Path) -> None:
    """Start the run's copy from the published warehouse (a copy left by a crashed run is dropped)."""
    for stale in (work, wal_path(work)):
        stale.unlink(missing_ok=True)
    if not db.exists():
        return
    if not db.is_file():
        raise WarehouseError(f"the warehouse path {db} is not a file: pass --db a DuckDB file path")
    # The read-only open holds DuckDB's shared lock during the copy: a program writing the file
    # outside jixiao makes it fail instead of being copied half-written.
    try:
        guard = duckdb.connect(str(db), read_only=True, config=OFFLINE)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise WarehouseError(f"cannot read the warehouse {db}: {_first_line(exc)}") from None
        raise WarehouseError(
            f"another program has {db} open for writing ({_first_line(exc)}): close it, or open the "
            "warehouse read-only (`duckdb -readonly`, `duckdb.connect(path, read_only=True)`)") from None
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot read the warehouse {db} (is it a DuckDB file?): {_first_line(exc)}") from None
    try:
        shutil.copyfile(db, work)
        if wal_path(db).exists():  # left by a writer outside jixiao that did not checkpoint
            shutil.copyfile(wal_path(db), wal_path(work))
    finally:
        guard.close()


def _publish(conn: duckdb.DuckDBPyConnection, work: Path, db: Path) -> None:
    conn.close()  # rolls back an unfinished transaction, checkpoints, removes the WAL
    if wal_path(work).exists():
        raise WarehouseError(f"the run's copy {work} did not close cleanly: the published warehouse is unchanged")
    # DuckDB's checkpoint on close has synced the file; the rename is made durable below.
    wal_path(db).unlink(missing_ok=True)  # belongs to the file being replaced
    os.replace(work, db)
    directory = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_writable(db: Path) -> None:
    """Raise WarehouseError, before any run starts, when a run could not write the file warehouse `db`:
    a folder, a read-only file (a run replaces the file: its write bits are the owner's "keep as it
    is", honoured even for root), or a folder where the run cannot create its copy and lock. Tried
    rather than os.access(), which says yes to root whatever the mode or file system."""
    import tempfile

    if db.is_dir():
        raise WarehouseError(f"the warehouse path {db} is a folder: pass --db the DuckDB file (e.g. {db / 'jixiao.duckdb'}).")
    if db.exists() and not db.is_file():
        raise WarehouseError(f"the warehouse path {db} is not a regular file: pass --db a DuckDB file path")
    if db.is_file() and not db.stat().st_mode & 0o222:
        raise WarehouseError(f"the warehouse {db} is read-only (mode {db.stat().st_mode & 0o777:04o}): a run "
                             f"replaces the file, so it is left as it is; make it writable (chmod u+w {db}) or pass another --db")
    folder = next(parent for parent in db.parents if parent.exists())  # a run creates the missing ones
    try:  # the same kind of write the run makes first (its lock and copy), deleted at once
        with tempfile.TemporaryFile(dir=folder, prefix=f".{db.name}.probe."):
            pass
    except OSError as exc:
        raise WarehouseError(f"cannot write the warehouse {db}: cannot write in {folder} ({exc.strerror or exc}); "
                             f"a run writes its copy {db.name}.next and its lock there: pass --db a warehouse in a "
                             "writable folder") from None

