"""The README's benchmark table from a results file: python -m bench.report [bench/results/latest.json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROWS: tuple[tuple[str, str, str], ...] = (
    ("bare loop, 1 process (read + extract only; 2,000-report sample)", "bare_single_reports_per_s", "{:,.0f} reports/s"),
    ("bare loop, 2 processes (`bare_reports_per_s`)", "bare_reports_per_s", "{:,.0f} reports/s"),
    ("extraction speedup, 2 processes vs 1 (median of 5 alternated rounds)", "extraction_speedup", "{:.2f}x"),
    ("`ingest` end to end, 2 workers (`reports_per_s`)", "reports_per_s", "{:,.0f} reports/s"),
    ("ratio to the bare loop (`ratio_vs_bare`)", "ratio_vs_bare", "{:.2f}"),
    ("time for the whole run (n / reports_per_s)", "_run_s", "{:,.0f} s"),
    ("first run of a process: worker pool start (`cold_start_s`)", "cold_start_s", "{:.1f} s"),
    ("Dask runner, cluster of 2 local workers, file warehouse (first 10k reports at most)", "dask_reports_per_s", "{:,.0f} reports/s"),
    ("Dask runner, 2 workers, DuckLake on a Postgres catalog (many machines)", "dask_lake_reports_per_s", "{:,.0f} reports/s"),
    ("naive Prefect pipeline (one task per document per step)", "naive_reports_per_s", "{:.1f} reports/s"),
    ("ratio to naive (`ratio_vs_naive`)", "ratio_vs_naive", "{:,.0f}x"),
    ("peak RSS, flow + fork server + workers (sum of RSS)", "peak_rss_mib", "{:,} MiB"),
    ("peak memory of the same processes (sum of PSS: shared pages once)", "peak_pss_mib", "{:,} MiB"),
    ("fact rows loaded", "fact_rows", "{:,}"),
    ("fact rows loaded per second", "load_rows_per_s", "{:,}"),
    ("README example queries", "example_query_ms", "{} ms"),
    ("validation, one pass over every fact (schemas, rules, wording)", "validation_s", "{:.1f} s"),
    ("pandera fact schemas: pandas backend", "schema_pandas_s", "{:.2f} s"),
    ("pandera fact schemas: polars backend", "schema_polars_s", "{:.2f} s"),
    ("`revalidate` of every report", "revalidate_s", "{:.1f} s"),
    ("annual audit, every fiscal year (all reports)", "audit_s", "{:.1f} s"),
    ("annual audit, the latest year alone", "audit_latest_year_s", "{:.1f} s"),
)


def _cell(result: dict[str, Any], key: str, template: str) -> str:
    if key == "_run_s":
        value: Any = result["n"] / result["reports_per_s"]
    elif key == "example_query_ms":
        value = "–".join(f"{ms:g}" for ms in (min(result[key]), max(result[key])))
    else:
        value = result.get(key)
    return "–" if value is None else template.format(value)


def markdown_table(results: dict[str, Any]) -> str:
    sizes = results.get("by_n", [results])
    lines = ["| measure | " + " | ".join(f"n = {r['n']:,}" for r in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    lines += [f"| {label} | " + " | ".join(_cell(r, key, template) for r in sizes) + " |"
              for label, key, template in ROWS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    path = Path(args[0] if args else "bench/results/latest.json")
    print(markdown_table(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
