"""The keys the fact tables no longer enforce (warehouse/sql/050_unkeyed_fact_tables.sql), checked.

Each fact row is unique on its grain and belongs to a report. The loaders keep that by construction;
`key_violations` says where it does not, for tests after every flow and for anyone auditing a warehouse.
"""

from __future__ import annotations

import duckdb

# table -> the columns that identify one of its rows
FACT_GRAIN: dict[str, tuple[str, ...]] = {
    "amounts": ("doc_sha256", "fact_id"),
    "rates": ("doc_sha256", "fact_id"),
    "staff": ("doc_sha256", "fact_id"),
    "scores": ("doc_sha256", "fact_id"),
    "unclassified": ("doc_sha256", "item_no"),
    "findings": ("doc_sha256", "finding_no"),
}


def key_violations(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """"TABLE duplicates" / "TABLE orphans" -> how many rows break the key (only the non-zero ones)."""
    found: dict[str, int] = {}
    for table, grain in FACT_GRAIN.items():
        columns = ", ".join(grain)
        # names from FACT_GRAIN above, never from input
        [(duplicates,)] = conn.execute(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {table} GROUP BY {columns}) WHERE n > 1"
        ).fetchall()
        [(orphans,)] = conn.execute(
            f"SELECT count(*) FROM {table} AS f WHERE NOT EXISTS (SELECT 1 FROM reports AS r WHERE r.sha256 = f.doc_sha256)"
        ).fetchall()
        found.update({f"{table} {kind}": int(count) for kind, count in (("duplicates", duplicates), ("orphans", orphans))
                      if count})
    return found
