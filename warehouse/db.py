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

from warehouse.concepts import CONCEPTS_CSV, Concept, load_concepts
from warehouse.transactions import transaction

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


# DuckDB would download an extension it meets a use for (a SQLite file as --db: sqlite_scanner): never
OFFLINE: dict[str, bool] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def _open(path: Path | str, *, read_only: bool, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    config: dict[str, object] = {**OFFLINE, **({"memory_limit": memory_limit} if memory_limit else {})}
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
    try:
        with transaction(conn):
            comments = _table_comments(conn)
            conn.execute(sql)
            _restore_comments(conn, comments)
            conn.execute(
                """
                INSERT INTO schema_migrations (file_name, checksum) VALUES (?, ?)
                ON CONFLICT (file_name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """,
                [name, checksum],
            )
    except duckdb.Error as exc:  # the failed statement or COMMIT; anything else (KeyboardInterrupt) as it is
        raise WarehouseError(f"migration {name} failed: {exc}") from exc


TableComments = dict[tuple[str, str | None], str]  # (table, column or None for the table) -> comment


def _table_comments(conn: duckdb.DuckDBPyConnection) -> TableComments:
    rows = conn.execute(
        "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE comment IS NOT NULL AND comment <> ''"
        " UNION ALL SELECT c.table_name, c.column_name, c.comment FROM duckdb_columns() AS c"
        " JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name)"
        " WHERE c.comment IS NOT NULL AND c.comment <> ''"
    ).fetchall()
    return {(table, column): comment for table, column, comment in rows}


def _restore_comments(conn: duckdb.DuckDBPyConnection, before: TableComments) -> None:
    """Put back the Chinese labels a migration dropped by rebuilding a table (DuckDB cannot drop a
    constraint, so a table loses one by being recreated under its name): a rebuild restates only its
    schema, and comments the new file does not set itself stay what they were."""
    now = _table_comments(conn)
    columns = set(conn.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall())
    tables = {table for table, _ in columns}
    for (table, column), comment in before.items():
        if (table, column) in now or table not in tables or (column is not None and (table, column) not in columns):
            continue
        # COMMENT ON takes no parameters: the names come from the catalog, the text is quoted
        target = f'TABLE "{table}"' if column is None else f'COLUMN "{table}"."{column}"'
        literal = comment.replace("'", "''")
        conn.execute(f"COMMENT ON {target} IS '{literal}'")


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
