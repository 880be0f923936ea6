"""Open the DuckDB warehouse: create it if needed, apply pending migrations, refresh the concept dimension.

Migrations are the files `warehouse/sql/NNN_*.sql`, applied in name order, each in its own
transaction and recorded in `schema_migrations` with its checksum. A file applies once; editing an
applied file is an error (add a new numbered file instead) unless its first line is
`-- repeatable`: such files (views, dimension upserts) are written to be re-run and are re-applied
whenever their content changes. `examples.sql` is not a migration.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import astuple, fields
from pathlib import Path

import duckdb
import pandas as pd

from expectations.concepts import CONCEPTS_CSV, Concept, load_concepts

SQL_DIR = Path(__file__).with_name("sql")
MIGRATION_NAME = re.compile(r"\d{3}_[\w-]+\.sql")
REPEATABLE_MARKER = "-- repeatable"
IN_MEMORY = ":memory:"


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or migrated; the message says what to do."""


def connect(
    path: Path | str, *, read_only: bool = False, concepts_csv: Path = CONCEPTS_CSV, memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (and for read-write, create and migrate) the warehouse at `path` (":memory:" works too).

    `memory_limit` caps DuckDB's buffer pool (DuckDB's default is 80% of the machine): a long ingest
    otherwise keeps every block it wrote cached and grows with the size of the run."""
    in_memory = str(path) == IN_MEMORY
    if read_only:
        if in_memory or not Path(path).is_file():
            raise WarehouseError(f"no warehouse at {path}: run jixiao ingest first")
        return _open(path, read_only=True, memory_limit=memory_limit)
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = _open(path, read_only=False, memory_limit=memory_limit)
    try:
        migrate(conn)
        refresh_concepts(conn, concepts_csv)
    except BaseException:
        conn.close()
        raise
    return conn


def _open(path: Path | str, *, read_only: bool, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    config = {"memory_limit": memory_limit} if memory_limit else {}
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:  # typically: another process holds the write lock
        raise WarehouseError(f"cannot open the warehouse at {path}: {exc}") from exc


def migration_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted(p for p in sql_dir.iterdir() if MIGRATION_NAME.fullmatch(p.name))


def migrate(conn: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply the migrations not yet applied (and changed repeatable ones); return their file names."""
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            file_name  VARCHAR PRIMARY KEY,
            checksum   VARCHAR NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )
        """
    )
    applied = dict(conn.execute("SELECT file_name, checksum FROM schema_migrations").fetchall())
    done: list[str] = []
    for file in migration_files(sql_dir):
        sql = file.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()
        previous = applied.get(file.name)
        if previous == checksum:
            continue
        if previous is not None and not sql.startswith(REPEATABLE_MARKER):
            raise WarehouseError(
                f"migration {file.name} changed after it was applied to this warehouse: "
                "put schema changes in a new numbered file (or rebuild the warehouse)"
            )
        _apply(conn, file.name, sql, checksum)
        done.append(file.name)
    return done


def _apply(conn: duckdb.DuckDBPyConnection, name: str, sql: str, checksum: str) -> None:
    # One transaction per file: a failing migration leaves the schema as it was before the file.
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(sql)
        conn.execute(
            """
            INSERT INTO schema_migrations (file_name, checksum) VALUES (?, ?)
            ON CONFLICT (file_name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
            """,
            [name, checksum],
        )
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise WarehouseError(f"migration {name} failed: {exc}") from exc
        raise


def refresh_concepts(conn: duckdb.DuckDBPyConnection, concepts_csv: Path = CONCEPTS_CSV) -> int:
    """Upsert the concept dimension from the CSV; return how many rows were new or changed.

    Concepts are never deleted here: facts already loaded may still refer to them.
    """
    columns = [f.name for f in fields(Concept)]
    frame = pd.DataFrame(
        [astuple(concept) for concept in load_concepts(concepts_csv).values()], columns=columns
    ).astype({"closed": "bool", "multiple": "bool"})
    column_list = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "concept")
    conn.register("incoming_concepts", frame)
    try:
        # EXCEPT keeps only rows that differ, so an unchanged CSV writes nothing.
        changed = conn.execute(
            f"""
            INSERT INTO concepts ({column_list})
            SELECT {column_list} FROM incoming_concepts
            EXCEPT SELECT {column_list} FROM concepts
            ON CONFLICT (concept) DO UPDATE SET {updates}
            RETURNING concept
            """
        ).fetchall()
    finally:
        conn.unregister("incoming_concepts")
    return len(changed)
