"""The DuckLake warehouse backend: a Postgres catalog and Parquet data files on a (shared) path.

The embedded warehouse (one DuckDB file) admits one writer process at a time. A DuckLake keeps its
catalog in Postgres and its data in immutable Parquet files, so several processes, on several
machines, can write one warehouse at once while readers keep reading their snapshot.

DuckLake supports no PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY constraint, so the migration files
(written for DuckDB) cannot be applied to it. The lake's schema is *derived* from them instead: they
are applied to a fresh in-memory DuckDB, and what its catalog holds (tables with column types, NOT
NULL and defaults; views; the Chinese labels; the rows of the dimension tables) is created in the
lake where missing (`ensure_schema`). The keys and checks the embedded warehouse enforces become
the writers' duty; `catalog_lock` serializes whoever needs it (schema changes, commit phases).

Extensions are loaded from the pip packages `duckdb-extension-ducklake` and
`duckdb-extension-postgres-scanner`, never installed from the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

import duckdb
import pyarrow as pa

from warehouse import db
from warehouse.concepts import CONCEPTS_CSV
from warehouse.transactions import transaction

ALIAS = "lake"
SCHEMES = ("ducklake+postgres", "ducklake+postgresql")
URL_FORM = "ducklake+postgres://user[:password]@host[:port]/dbname?data_path=/absolute/path"
# Catalog (libpq) parameters a URL may carry besides data_path; anything else is a typo we report.
LIBPQ_QUERY_KEYS = frozenset({"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout",
                              "application_name", "target_session_attrs", "options"})
EXTENSIONS = {"ducklake": "duckdb-extension-ducklake", "postgres_scanner": "duckdb-extension-postgres-scanner"}
# pg_advisory_lock key of the lake's catalog lock: b"jixiao\0L" as a (positive) signed 64-bit int.
LOCK_KEY = int.from_bytes(b"jixiao\x00L", "big")
LOCK_TIMEOUT_S = 600.0
SCHEMA_TABLE = "lake_schema"  # checksums of what ensure_schema made: each view, and the whole schema
FINGERPRINT_ROW = ("schema", "migrations")  # (kind, object_name) of the lake_schema row of the whole schema
# Part of the schema fingerprint: bump it when the derivation below changes what it creates.
DERIVATION_VERSION = 1
LABELS_TABLE = "lake_labels"  # every Chinese label, including those DuckLake cannot keep as comments
# Columns whose default is the time of insertion: a dimension row is the same row whatever they say.
VOLATILE_DEFAULT = re.compile(r"current_timestamp|now\(\)|get_current_timestamp\(\)", re.IGNORECASE)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LakeError(db.WarehouseError):  # the CLI reports both as one line
    """The lake cannot be opened, attached or brought to the schema; the message says what to do."""


# --- where the lake is --------------------------------------------------------------------------


@dataclass(frozen=True)
class LakeTarget:
    """A DuckLake: its Postgres catalog (libpq keyword DSN) and the directory of its data files."""

    catalog_dsn: str
    data_path: Path

    @classmethod
    def from_url(cls, url: str) -> LakeTarget:
        """Parse `ducklake+postgres://user[:password]@host[:port]/dbname?data_path=/abs/path`.

        `postgresql` works as well as `postgres`; a unix-socket dir is given as `?host=/tmp/dir`
        (the URL's host part then stays empty), as libpq's own URLs do."""
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        data_path = query.pop("data_path", "")
        host = query.pop("host", None) or (unquote(parts.hostname) if parts.hostname else None)
        problem = _url_problem(parts, query, host, data_path)
        if problem:
            raise ValueError(f"bad lake URL ({problem}): expected {URL_FORM}")
        port = str(parts.port) if parts.port else query.pop("port", "")
        keywords = {"dbname": unquote(parts.path.lstrip("/")), "host": host, "port": port,
                    "user": unquote(parts.username or ""), "password": unquote(parts.password or ""), **query}
        return cls(catalog_dsn=_dsn({k: v for k, v in keywords.items() if v}), data_path=Path(data_path))

    @property
    def url(self) -> str:
        """The target as a URL, without the password (for logs and run parameters)."""
        keywords = dict(_parse_dsn(self.catalog_dsn))
        keywords.pop("password", None)
        host = keywords.pop("host", "")
        user = quote(keywords.pop("user", ""), safe="")
        port = keywords.pop("port", "")
        database = quote(keywords.pop("dbname", ""), safe="")
        query: dict[str, str] = {}
        if host.startswith("/"):
            query["host"], host = host, ""
        authority = f"{user}@{host}" + (f":{port}" if port else "")
        query.update(keywords)
        query["data_path"] = str(self.data_path)
        params = "&".join(f"{key}={quote(value, safe='/')}" for key, value in query.items())
        return f"{SCHEMES[0]}://{authority}/{database}?{params}"


def _url_problem(parts: SplitResult, query: dict[str, str], host: str | None, data_path: str) -> str | None:
    """What is wrong with a lake URL, or None."""
    database = unquote(parts.path.lstrip("/"))
    unknown = set(query) - LIBPQ_QUERY_KEYS
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    return (
        f"scheme {parts.scheme!r} is not one of {', '.join(SCHEMES)}" if parts.scheme not in SCHEMES
        else "no user" if not parts.username
        else "no host (neither in the URL nor as ?host=/socket/dir)" if not host
        else "bad port" if not port_ok
        else "no database name" if not database or "/" in database
        else "no data_path" if not data_path
        else f"data_path {data_path!r} is not absolute" if not Path(data_path).is_absolute()
        else f"unknown parameter(s) {', '.join(sorted(unknown))}" if unknown
        else None
    )


def _dsn(keywords: dict[str, str]) -> str:
    """libpq keyword/value form; a value with spaces, quotes or backslashes is single-quoted."""
    def value(text: str) -> str:
        if text and re.fullmatch(r"[^\s'\\]+", text):
            return text
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return " ".join(f"{key}={value(text)}" for key, text in keywords.items())


def _parse_dsn(dsn: str) -> Iterator[tuple[str, str]]:
    """The keyword/value pairs of a libpq DSN (the inverse of `_dsn`)."""
    for match in re.finditer(r"(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))", dsn):
        key, quoted, bare = match.groups()
        yield key, re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare


# --- extensions and ATTACH ----------------------------------------------------------------------


def extension_file(name: str) -> Path:
    """The `.duckdb_extension` file of `name` inside its pip package, built for this duckdb."""
    dist = EXTENSIONS[name]
    hint = f"pip install '{dist}=={duckdb.__version__}'"
    try:
        files = importlib.metadata.files(dist) or []
        located = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError as exc:
        raise LakeError(f"the DuckDB extension {name} is not installed: {hint}") from exc
    candidates = [Path(str(located.locate_file(f))) for f in files if f.name == f"{name}.duckdb_extension"]
    # The packages keep the file under extensions/v<duckdb version>/: one built for another duckdb
    # would fail to LOAD with a less helpful message.
    matching = [path for path in candidates if f"v{duckdb.__version__}" in path.parts and path.is_file()]
    if not matching:
        found = ", ".join(str(p) for p in candidates) or "no extension file"
        raise LakeError(f"no {name} extension for duckdb {duckdb.__version__} ({found}): {hint}")
    return matching[0]


def load_extensions(conn: duckdb.DuckDBPyConnection) -> None:
    """LOAD ducklake and postgres_scanner from the pip packages (offline; no INSTALL)."""
    loaded = {name for (name,) in conn.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    for name in EXTENSIONS:
        if name in loaded:
            continue
        path = extension_file(name)
        try:
            conn.execute(f"LOAD '{_literal(str(path))}'")
        except duckdb.Error as exc:
            raise LakeError(f"cannot load the DuckDB extension {name} from {path}: {exc}") from exc


def attach(conn: duckdb.DuckDBPyConnection, target: LakeTarget, alias: str = ALIAS, *,
           read_only: bool = False) -> None:
    """ATTACH the lake as `alias` and USE it; create the data directory.

    The first ATTACH of an empty catalog creates DuckLake's metadata tables in Postgres: two
    processes doing it at once would race, so that case runs under `catalog_lock` (and read-only,
    it is an error: there is no lake yet). Otherwise no lock: attaching never waits for writers."""
    _check_identifier(alias)
    load_extensions(conn)
    initialized = _catalog_initialized(target)
    if read_only and not initialized:
        raise LakeError(f"no lake at {target.url}: open it read-write once to create it")
    target.data_path.mkdir(parents=True, exist_ok=True)
    options = f"DATA_PATH '{_literal(str(target.data_path))}'" + (", READ_ONLY" if read_only else "")
    sql = f"ATTACH '{_literal('ducklake:postgres:' + target.catalog_dsn)}' AS {alias} ({options})"
    lock = contextlib.nullcontext() if initialized else catalog_lock(target)
    with lock:
        try:
            conn.execute(sql)
        except duckdb.Error as exc:
            raise LakeError(f"cannot attach the lake {target.url}: {exc}") from exc
    conn.execute(f"USE {alias}")


def open_lake(target: LakeTarget, *, read_only: bool = False, alias: str = ALIAS,
              concepts_csv: Path = CONCEPTS_CSV, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection with the lake attached and used; read-write, also brought
    to the current schema (read-only leaves the schema to the writers and never takes the lock).

    Autoinstall is off: a missing extension must fail here, not try the network."""
    settings = {**db.OFFLINE, **(config or {})}
    conn = duckdb.connect(config=settings)
    try:
        attach(conn, target, alias, read_only=read_only)
        if not read_only:
            ensure_schema(conn, alias=alias, concepts_csv=concepts_csv)
    except BaseException:
        conn.close()
        raise
    return conn


def _catalog_initialized(target: LakeTarget) -> bool:
    import psycopg

    try:
        with psycopg.connect(target.catalog_dsn, autocommit=True) as pg:
            [(found,)] = pg.execute("SELECT to_regclass('ducklake_metadata') IS NOT NULL").fetchall()
    except psycopg.Error as exc:
        raise LakeError(f"cannot reach the lake catalog {target.url}: {str(exc).strip().splitlines()[0]}") from exc
    return bool(found)


# --- the catalog lock ---------------------------------------------------------------------------

_locks = threading.local()  # per thread: (dsn, key) -> depth, so that nested catalog_lock calls do not deadlock


@contextlib.contextmanager
def catalog_lock(target: LakeTarget | str, *, key: int = LOCK_KEY,
                 timeout_s: float | None = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold a Postgres advisory lock on the lake's catalog database for the block.

    For what DuckLake's optimistic commits do not serialize by themselves: schema changes, and the
    commit phase of writers whose writes depend on what they read (next load_seq, "is this sha256
    new?"). Session-level on a dedicated connection, so a crashed holder releases it when its
    connection drops. Re-entrant within a thread. Raise LakeError after `timeout_s` of waiting."""
    dsn = target.catalog_dsn if isinstance(target, LakeTarget) else target
    held: dict[tuple[str, int], int] = _locks.__dict__.setdefault("held", {})
    if (dsn, key) in held:
        held[dsn, key] += 1
        try:
            yield
        finally:
            held[dsn, key] -= 1
        return
    import psycopg

    try:
        pg = psycopg.connect(dsn, autocommit=True, application_name="jixiao-lake-lock")
    except psycopg.Error as exc:
        raise LakeError(f"cannot reach the lake catalog to lock it: {str(exc).strip().splitlines()[0]}") from exc
    with pg:
        if timeout_s is not None:
            pg.execute(f"SET lock_timeout = {max(1, int(timeout_s * 1000))}")  # 0 would mean: wait forever
        try:
            pg.execute("SELECT pg_advisory_lock(%s)", [key])
        except psycopg.errors.LockNotAvailable as exc:
            raise LakeError(f"the lake catalog stayed locked for {timeout_s:g} s (another writer?)") from exc
        held[dsn, key] = 1
        try:
            yield
        finally:
            del held[dsn, key]
            with contextlib.suppress(psycopg.Error):
                pg.execute("SELECT pg_advisory_unlock(%s)", [key])


# --- the schema, derived from the migrations ----------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    not_null: bool
    default: str | None
    comment: str | None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    comment: str | None
    key: tuple[str, ...]  # PRIMARY KEY columns in the migrations (the upsert key of dimension rows)


@dataclass(frozen=True)
class View:
    name: str
    sql: str  # CREATE OR REPLACE VIEW ..., unqualified names
    comment: str | None
    column_comments: dict[str, str]
    checksum: str  # of the SQL and the column names and types it binds to


@dataclass(frozen=True)
class Reference:
    """What the migrations make of an empty DuckDB: the schema the lake must have."""

    tables: dict[str, Table]
    views: list[View]  # in dependency order
    rows: dict[str, pa.Table]  # tables the migrations (and refresh_concepts) fill
    fingerprint: str  # of the migration files, the concept CSV and DERIVATION_VERSION


@dataclass
class SchemaChanges:
    """What one ensure_schema did to the lake (empty when it was already at the schema)."""

    tables: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # "table.column"
    views: list[str] = field(default_factory=list)
    comments: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    notes: list[str] = field(default_factory=list)  # differences left as they are (see the messages)

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns or self.views or self.comments or self.rows)


# The lake's own bookkeeping tables, created by ensure_schema next to the warehouse's.
OWN_TABLES = {
    SCHEMA_TABLE: Table(SCHEMA_TABLE, (
        Column("object_name", "VARCHAR", True, None, "对象名称"),
        Column("kind", "VARCHAR", True, None, "对象类别：view 视图 / schema 整个结构（迁移文件与概念表）"),
        Column("checksum", "VARCHAR", True, None, "创建时的校验和（SQL 及其列名、类型）"),
        Column("updated_at", "TIMESTAMP WITH TIME ZONE", True, "current_timestamp", "创建时间"),
    ), "湖仓结构记录：ensure_schema 创建的视图及其校验和（校验和变化即重建）", ("kind", "object_name")),
    LABELS_TABLE: Table(LABELS_TABLE, (
        Column("object_name", "VARCHAR", True, None, "表或视图名称"),
        Column("column_name", "VARCHAR", False, None, "列名（空：表或视图本身）"),
        Column("object_kind", "VARCHAR", True, None, "类别：table 表 / view 视图"),
        Column("label_zh", "VARCHAR", True, None, "中文说明"),
    ), "中文说明：所有表、视图及其列的说明（DuckLake 不能为视图的列加注释，故集中于此；列同导出的 _labels.parquet）",
        ("object_name", "column_name")),
}

_references: dict[str, Reference] = {}


def reference_schema(concepts_csv: Path = CONCEPTS_CSV) -> Reference:
    """Apply the migrations and the concept CSV to an in-memory DuckDB and read back its catalog
    (memoized on the content of the migration files and the CSV)."""
    digest = hashlib.sha256(f"{DERIVATION_VERSION}\0".encode() + concepts_csv.read_bytes())
    for file in db.migration_files():
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    fingerprint = digest.hexdigest()
    if fingerprint not in _references:
        with duckdb.connect() as mem:
            db.migrate(mem)
            db.refresh_concepts(mem, concepts_csv)
            _references[fingerprint] = _read_reference(mem, fingerprint)
    return _references[fingerprint]


def _read_reference(mem: duckdb.DuckDBPyConnection, fingerprint: str) -> Reference:
    keys = {table: tuple(columns) for table, columns in mem.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints()"
        " WHERE constraint_type = 'PRIMARY KEY' AND database_name = current_database()").fetchall()}
    columns = _columns(mem, "current_database()")
    tables = {
        name: Table(name, tuple(columns.get(name, [])), comment or None, keys.get(name, ()))
        for name, comment in mem.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' ORDER BY table_name").fetchall()
    }
    rows = {name: mem.execute(f'SELECT * FROM "{name}"').to_arrow_table() for name in tables}
    views = [
        _view(name, sql, comment, columns.get(name, []))
        for name, sql, comment in mem.execute(
            "SELECT view_name, sql, comment FROM duckdb_views() WHERE NOT internal"
            " AND database_name = current_database() AND schema_name = 'main' ORDER BY view_oid").fetchall()
    ]
    return Reference(tables, _dependency_order(views), {n: t for n, t in rows.items() if t.num_rows}, fingerprint)


def _columns(conn: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[Column]]:
    """Columns of every table and view of `database` (an SQL expression), in column order."""
    result: dict[str, list[Column]] = {}
    for table, name, data_type, nullable, default, comment in conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, comment FROM duckdb_columns()"
        f" WHERE database_name = {database} AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall():
        result.setdefault(table, []).append(Column(name, data_type, not nullable, default, comment or None))
    return result


def _view(name: str, sql: str, comment: str | None, columns: list[Column]) -> View:
    body = re.sub(r'(?<![\w."])"?memory"?\."?main"?\.', "", sql.strip().rstrip(";"))
    body = re.sub(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s", "CREATE OR REPLACE VIEW ", body, count=1, flags=re.I)
    shape = ";".join(f"{c.name}:{c.data_type}" for c in columns)
    checksum = hashlib.sha256(f"{body}\n{shape}".encode()).hexdigest()
    comments = {c.name: c.comment for c in columns if c.comment}
    return View(name, body, comment or None, comments, checksum)


def _dependency_order(views: list[View]) -> list[View]:
    """Views ordered so that each comes after the views its SQL names (DuckDB binds at CREATE)."""
    by_name = {view.name: view for view in views}
    words = {view.name: set(re.findall(r"\w+", view.sql.split(" AS ", 1)[-1])) & by_name.keys() - {view.name}
             for view in views}
    ordered: list[View] = []
    placed: set[str] = set()

    def place(name: str, path: frozenset[str]) -> None:
        if name in placed or name in path:  # a name cycle is a false match: keep creation order
            return
        for dependency in sorted(words[name]):
            place(dependency, path | {name})
        placed.add(name)
        ordered.append(by_name[name])

    for view in views:
        place(view.name, frozenset())
    return ordered


def _dependents(views: list[View], changed: set[str]) -> set[str]:
    """`changed` and every view that reads one of them, transitively (they must be re-bound)."""
    result = set(changed)
    for view in views:  # dependency order: a view's dependencies are settled before it
        names = set(re.findall(r"\w+", view.sql.split(" AS ", 1)[-1]))
        if names & (result - {view.name}):
            result.add(view.name)
    return result


def ensure_schema(conn: duckdb.DuckDBPyConnection, *, alias: str = ALIAS, concepts_csv: Path = CONCEPTS_CSV,
                  force: bool = False) -> SchemaChanges:
    """Bring the attached lake `alias` to the schema of the migrations; return what changed.

    A lake whose recorded fingerprint is the current one is left alone without taking the lock (so
    opening a lake does not wait for ingests' commit phases); `force` compares everything anyway
    (e.g. after hand edits). Otherwise the comparison runs under `catalog_lock`, in one DuckLake
    transaction: idempotent (nothing to do writes nothing, so no new snapshot) and safe when several
    processes run it at once."""
    _check_identifier(alias)
    reference = reference_schema(concepts_csv)
    if not force and _recorded_fingerprint(conn, alias) == reference.fingerprint:
        return SchemaChanges()
    with catalog_lock(_attached_dsn(conn, alias)):
        [(previous,)] = conn.execute("SELECT current_database()").fetchall()
        conn.execute(f"USE {alias}")  # the view SQL names its tables unqualified: they must bind in the lake
        try:
            with transaction(conn):
                changes = _ensure(conn, alias, reference)
        except duckdb.Error as exc:  # the failed statement or COMMIT; anything else as it is
            raise LakeError(f"cannot bring the lake to the warehouse schema: {exc}") from exc
        finally:
            conn.execute(f'USE "{previous}"')
    return changes


def _recorded_fingerprint(conn: duckdb.DuckDBPyConnection, alias: str) -> str | None:
    [(exists,)] = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                               [alias, SCHEMA_TABLE]).fetchall()
    if not exists:
        return None
    found = conn.execute(f"SELECT checksum FROM {alias}.{SCHEMA_TABLE} WHERE kind = ? AND object_name = ?",
                         list(FINGERPRINT_ROW)).fetchall()
    return found[0][0] if found else None


def _ensure(conn: duckdb.DuckDBPyConnection, alias: str, reference: Reference) -> SchemaChanges:
    changes = SchemaChanges()
    present = _columns(conn, f"'{alias}'")
    if "schema_migrations" in present:
        _refuse_newer(conn, alias, reference)
    tables = {**OWN_TABLES, **reference.tables}
    for table in tables.values():
        _ensure_table(conn, alias, table, present.get(table.name), changes)
    _ensure_views(conn, alias, reference.views, changes)
    labels = _labels(tables.values(), reference.views)
    _ensure_comments(conn, alias, labels, changes)
    _upsert_rows(conn, alias, OWN_TABLES[LABELS_TABLE], _label_rows(labels), changes)
    for name, rows in reference.rows.items():
        _upsert_rows(conn, alias, reference.tables[name], rows, changes)
    if _recorded_fingerprint(conn, alias) != reference.fingerprint:
        kind, name = FINGERPRINT_ROW
        _record_checksum(conn, alias, kind, name, reference.fingerprint)
    return changes


def _refuse_newer(conn: duckdb.DuckDBPyConnection, alias: str, reference: Reference) -> None:
    """A lake already brought to migrations this code does not have must not be "repaired" back
    (its views and dimension rows would flip between versions during a rolling upgrade)."""
    known = set(reference.rows["schema_migrations"]["file_name"].to_pylist())
    applied = {name for (name,) in conn.execute(f"SELECT file_name FROM {alias}.schema_migrations").fetchall()}
    if applied - known:
        raise LakeError(f"the lake has migrations this code does not know ({', '.join(sorted(applied - known))}):"
                        " update jixiao on this machine")


def _ensure_table(conn: duckdb.DuckDBPyConnection, alias: str, table: Table, present: list[Column] | None,
                  changes: SchemaChanges) -> None:
    if present is None:
        columns = ", ".join(_column_sql(column) for column in table.columns)
        conn.execute(f'CREATE TABLE {alias}."{table.name}" ({columns})')
        changes.tables.append(table.name)
        return
    have = {column.name: column for column in present}
    for column in table.columns:
        existing = have.get(column.name)
        if existing is None:
            # DuckDB (and DuckLake) add no column with a constraint: NOT NULL stays the writers' duty.
            conn.execute(f'ALTER TABLE {alias}."{table.name}" ADD COLUMN {_column_sql(column, not_null=False)}')
            changes.columns.append(f"{table.name}.{column.name}")
            if column.not_null:
                changes.notes.append(f"{table.name}.{column.name} added without NOT NULL")
        elif existing.data_type != column.data_type:
            raise LakeError(f"lake column {table.name}.{column.name} is {existing.data_type}, the migrations "
                            f"make it {column.data_type}: convert it in the lake by hand (ALTER COLUMN ... TYPE)")


def _column_sql(column: Column, *, not_null: bool | None = None) -> str:
    sql = f'"{column.name}" {column.data_type}'
    if column.not_null if not_null is None else not_null:
        sql += " NOT NULL"
    if column.default is not None and column.default.upper() != "NULL":
        sql += f" DEFAULT {column.default}"
    return sql


def _ensure_views(conn: duckdb.DuckDBPyConnection, alias: str, views: list[View], changes: SchemaChanges) -> None:
    """CREATE OR REPLACE the views that are missing or whose checksum changed, and their dependents."""
    recorded = dict(conn.execute(f"SELECT object_name, checksum FROM {alias}.{SCHEMA_TABLE} WHERE kind = 'view'")
                    .fetchall())
    existing = {name for (name,) in conn.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal", [alias]).fetchall()}
    stale = _dependents(views, {v.name for v in views if v.name not in existing or recorded.get(v.name) != v.checksum})
    for view in views:
        if view.name not in stale:
            continue
        conn.execute(view.sql)
        _record_checksum(conn, alias, "view", view.name, view.checksum)
        changes.views.append(view.name)


def _record_checksum(conn: duckdb.DuckDBPyConnection, alias: str, kind: str, name: str, checksum: str) -> None:
    conn.execute(f"DELETE FROM {alias}.{SCHEMA_TABLE} WHERE kind = ? AND object_name = ?", [kind, name])
    conn.execute(f"INSERT INTO {alias}.{SCHEMA_TABLE} (object_name, kind, checksum) VALUES (?, ?, ?)",
                 [name, kind, checksum])


Label = tuple[str, str, str | None]  # (TABLE or VIEW, object name, column name or None for the object)


def _labels(tables: Iterable[Table], views: list[View]) -> dict[Label, str]:
    """Every Chinese label the migrations set (and those of the lake's own tables)."""
    labels: dict[Label, str] = {}
    for table in tables:
        if table.comment:
            labels["TABLE", table.name, None] = table.comment
        labels.update({("TABLE", table.name, c.name): c.comment for c in table.columns if c.comment})
    for view in views:
        if view.comment:
            labels["VIEW", view.name, None] = view.comment
        labels.update({("VIEW", view.name, c): text for c, text in view.column_comments.items()})
    return labels


def _label_rows(labels: dict[Label, str]) -> pa.Table:
    keys = sorted(labels, key=lambda label: (label[1], label[2] or ""))
    return pa.table({
        "object_name": [name for _, name, _ in keys],
        "column_name": pa.array([column for _, _, column in keys], pa.string()),
        "object_kind": [kind.lower() for kind, _, _ in keys],
        "label_zh": [labels[key] for key in keys],
    })


def _ensure_comments(conn: duckdb.DuckDBPyConnection, alias: str, labels: dict[Label, str],
                     changes: SchemaChanges) -> None:
    """COMMENT ON each table, view and table column whose label the lake lacks or has otherwise.

    DuckLake cannot comment on a view's columns ("Cannot comment on columns for entry v_x - it is
    not a table"): those labels live in lake_labels only."""
    have = _comments(conn, alias)
    for (kind, name, column), text in labels.items():
        if have.get((name, column)) == text or (kind == "VIEW" and column is not None):
            continue
        target = f'{kind} {alias}."{name}"' if column is None else f'COLUMN {alias}."{name}"."{column}"'
        conn.execute(f"COMMENT ON {target} IS '{_literal(text)}'")
        changes.comments += 1


def _comments(conn: duckdb.DuckDBPyConnection, alias: str) -> dict[tuple[str, str | None], str]:
    rows = conn.execute(
        "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE database_name = $db"
        " UNION ALL SELECT view_name, NULL, comment FROM duckdb_views() WHERE database_name = $db"
        " UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = $db",
        {"db": alias}).fetchall()
    return {(name, column): comment for name, column, comment in rows if comment}


def _upsert_rows(conn: duckdb.DuckDBPyConnection, alias: str, table: Table, rows: pa.Table,
                 changes: SchemaChanges) -> None:
    """Write the reference rows the lake lacks or has otherwise: delete + insert by key (DuckLake has
    no ON CONFLICT). Rows are never deleted otherwise (facts may refer to a dimension row); columns
    defaulting to the time of insertion are not compared (a row re-derived today is the same row)."""
    compared = [c.name for c in table.columns if not (c.default and VOLATILE_DEFAULT.search(c.default))]
    key = list(table.key) or compared
    names = ", ".join(f'"{c}"' for c in compared)
    incoming = f"_lake_incoming_{table.name}"
    conn.register(incoming, rows)
    try:
        changed = conn.execute(
            f'SELECT {names} FROM {incoming} EXCEPT SELECT {names} FROM {alias}."{table.name}"').to_arrow_table()
        if not changed.num_rows:
            return
        conn.register(f"{incoming}_changed", changed)
        match = " AND ".join(f'k."{c}" IS NOT DISTINCT FROM t."{c}"' for c in key)
        conn.execute(f'DELETE FROM {alias}."{table.name}" AS t'
                     f" WHERE EXISTS (SELECT 1 FROM {incoming}_changed AS k WHERE {match})")
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        conn.execute(f'INSERT INTO {alias}."{table.name}" ({columns}) SELECT {columns} FROM {incoming} AS t'
                     f" WHERE EXISTS (SELECT 1 FROM {incoming}_changed AS k WHERE {match})")
        changes.rows[table.name] = changed.num_rows
    finally:
        conn.unregister(incoming)
        with contextlib.suppress(duckdb.Error):
            conn.unregister(f"{incoming}_changed")


# --- small helpers ------------------------------------------------------------------------------


def _attached_dsn(conn: duckdb.DuckDBPyConnection, alias: str) -> str:
    """The catalog DSN of the lake attached as `alias` (DuckDB shows it as 'postgres:<dsn>')."""
    found = conn.execute("SELECT type, path FROM duckdb_databases() WHERE database_name = ?", [alias]).fetchall()
    if not found or found[0][0] != "ducklake" or not str(found[0][1]).startswith("postgres:"):
        raise LakeError(f"no DuckLake with a Postgres catalog is attached as {alias!r}: attach() it first")
    return str(found[0][1]).removeprefix("postgres:")


def _check_identifier(name: str) -> None:
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")


def _literal(text: str) -> str:
    """Text for inside a single-quoted SQL literal (ATTACH, LOAD and COMMENT ON take no parameters)."""
    return text.replace("'", "''")
