"""Open the warehouse for reading: the published file, or the lake's latest snapshot, read-only.

A file warehouse is read where it is published (warehouse/writer.py): a run never holds that file,
so a reader is never blocked and never blocks a run. A lake is attached READ_ONLY: each query sees
the snapshot committed last when it starts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect
from warehouse.lake import LakeTarget, open_lake


def reading(target: Path | str | LakeTarget) -> duckdb.DuckDBPyConnection:
    if not isinstance(target, LakeTarget):
        return connect(target, read_only=True)
    try:
        return open_lake(target, read_only=True)
    except duckdb.Error as exc:  # a LakeError (a WarehouseError) already says which lake and why
        raise WarehouseError(f"cannot read the lake {target.url}: {str(exc).splitlines()[0]}") from None


def confine(conn: duckdb.DuckDBPyConnection, target: Path | str | LakeTarget) -> None:
    """For SQL typed or pasted by someone: the warehouse only, not the machine's files.

    No read_text('/etc/passwd'), COPY … TO, ATTACH, INSTALL or LOAD, and the setting locked so a
    statement cannot turn it back on (the connection is read-only already). A lake reads its data
    files and catalog through the same switches, so it stays as it is (README, "Concurrency")."""
    if isinstance(target, LakeTarget):
        return
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")
