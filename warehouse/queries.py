"""Named SQL statements: `warehouse/queries/NAME.sql`, read once, run with parameters.

SQL lives beside the schema (`warehouse/sql/`), not inline in Python: a statement is a file named after
what it does, and its Python caller passes values as parameters (`?` or `$name`), never by formatting."""

from __future__ import annotations

from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).with_name("queries")


class UnknownQuery(LookupError):
    pass


@cache
def query(name: str) -> str:
    """The text of `warehouse/queries/<name>.sql` (a name may hold a folder: "audit/store_roster")."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise UnknownQuery(f"no query {name!r}: expected {path}")
    return path.read_text(encoding="utf-8")
