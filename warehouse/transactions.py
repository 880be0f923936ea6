"""The one transaction helper: every multi-statement write of the project goes through `transaction`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT around the block; ROLLBACK when it raises (anything, KeyboardInterrupt too).

    A failing ROLLBACK never hides the error that caused it: that error is what the caller must see."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
