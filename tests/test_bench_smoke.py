"""The benchmark suite at a tiny N, as a smoke test: it runs and reports every key the issue asks for.
No timing is asserted (speed goals live in bench/, measured by `make bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import bench_one

ISSUE_KEYS = {"reports_per_s", "bare_reports_per_s", "ratio_vs_bare", "naive_reports_per_s", "ratio_vs_naive",
              "peak_rss_mib", "peak_pss_mib", "n"}


@pytest.mark.prefect
def test_bench_runs_at_a_tiny_n_and_reports_every_key(tmp_path: Path) -> None:
    result = bench_one(12, repeats=1, workers=2, naive_n=3, seed=0, work=tmp_path)
    assert set(result) >= ISSUE_KEYS
    assert result["n"] == 12 and result["naive_n"] == 3
    assert result["fact_rows"] > 100  # the flow really loaded the generated reports
    assert len(result["example_query_ms"]) == 3
    assert all(result[key] > 0 for key in ISSUE_KEYS)
    # revalidation and the audit ran over the whole warehouse, and revalidating changed nothing
    assert result["revalidate_reports"] == result["e2e_loaded"] > 0
    assert result["revalidate_changed_findings"] == 0
    assert result["audit_years"] >= 1 and result["audit_s"] > 0
    # the accounting held: every report once, facts and findings those of a plain sequential run
    assert result["reference_files"] == result["reference_reports"] == 12
    assert result["reference_fact_rows"] > 100
    # the many-machine path ran: a Dask cluster of 2 workers into a file and into DuckLake on Postgres
    assert result["dask_loaded"] == result["dask_lake_loaded"] == 12
    assert result["dask_reports_per_s"] > 0 and result["dask_lake_reports_per_s"] > 0

    # ...and the check is not one that cannot fail: a warehouse missing one finding is caught
    import duckdb

    from bench.accounting import check_against_reference, reference_digest
    from bench.run import _bare_pool

    paths = sorted(str(p) for p in (tmp_path / "corpus-12").glob("*.txt"))
    with _bare_pool(paths, 2) as pool:
        reference = reference_digest(paths, pool)
    db = tmp_path / "e2e-12-0" / "jixiao.duckdb"
    assert check_against_reference(db, 12, reference)["reference_findings"] == sum(reference.findings.values())
    with duckdb.connect(str(db)) as conn:
        conn.execute("DELETE FROM findings WHERE finding_no = (SELECT min(finding_no) FROM findings)")
    with pytest.raises(AssertionError, match="findings: [1-9]"):
        check_against_reference(db, 12, reference)


def test_the_readme_table_has_a_column_per_size_and_every_measure(tmp_path: Path) -> None:
    from bench.report import ROWS, main, markdown_table

    def result(n: int, rate: float) -> dict[str, object]:
        return {"n": n, "reports_per_s": rate, "example_query_ms": [12.5, 30.0], "ratio_vs_bare": 0.5,
                "audit_s": None}

    table = markdown_table({"by_n": [result(1000, 250.0), result(100_000, 400.0)]})
    lines = table.splitlines()

    assert lines[0] == "| measure | n = 1,000 | n = 100,000 |"
    assert len(lines) == 2 + len(ROWS)
    assert "| time for the whole run (n / reports_per_s) | 4 s | 250 s |" in lines
    assert "| README example queries | 12.5–30 ms | 12.5–30 ms |" in lines
    assert "| annual audit, every fiscal year (all reports) | – | – |" in lines  # not measured: a dash
    results = tmp_path / "latest.json"
    results.write_text(json.dumps({"by_n": [result(10, 5.0)]}), encoding="utf-8")
    assert main([str(results)]) == 0


def test_side_by_side_comparison_times_both_trees_on_the_same_files(tmp_path: Path) -> None:
    """Comparing the tree with itself: both loops read every file and report a cost per report."""
    from bench.compare import PROJECT_ROOT, compare, corpus_files

    files = corpus_files(6, 3, [PROJECT_ROOT / "samples"], tmp_path)
    assert len(files) >= 6 + 16
    result = compare(PROJECT_ROOT, files, rounds=1, work=tmp_path)
    assert result["reports"] == len(files)
    assert result["baseline_ms_per_report"] > 0 and result["current_ms_per_report"] > 0
    assert len(result["cost_ratio_rounds"]) == 1 and result["cost_ratio"] > 0


def test_comparison_refuses_a_baseline_that_is_not_a_checkout(tmp_path: Path) -> None:
    from bench.compare import main

    with pytest.raises(SystemExit, match="not a jixiao checkout"):
        main(["--baseline", str(tmp_path), "--n", "1"])
