"""The benchmark suite at one or more sizes: python -m bench.run --n 1000[,10000] --json FILE

For each N: generate a corpus, then measure (medians of --repeats runs; ratios within the same run)
- bare loop: the extraction functions in a plain loop (no Prefect, validation or database), on one
  process and on `workers` processes (the same cores as the flow): `extraction_speedup` is their ratio,
  the median of SPEEDUP_ROUNDS alternated rounds on one sample;
- end to end: the `ingest` flow (read, extract, validate, load) into a fresh warehouse, after one tiny
  run that pays the process's fixed start (Prefect's local server, the worker pool: `cold_start_s`);
  each repeat runs the bare loop over the corpus right before the flow, and `ratio_vs_bare` is the
  median of those pairs' ratios;
- naive: one Prefect task per document per step (bench/naive.py), at min(N, --naive-n) only;
- validation: pandera + rules + wording over every fact of the warehouse in one pass, and pandera's
  pandas and polars backends compared on the same rows (bench/backends.py);
- warehouse: rows loaded per second and the latency of the README's example queries;
- revalidate: the `revalidate` flow over every report of the warehouse (facts read back, rules run,
  findings replaced, history written);
- audit: the annual audit flow (SQL checks, copied text, Great Expectations, HTML) for every fiscal
  year in the warehouse, so every report is audited; `audit_latest_year_s` is the scheduled run's share;
- peak memory of this process and its children while the flow runs (sum of RSS, and of PSS).
Prints a table per N and writes all results as JSON (the largest N's figures at the top level). Given
several sizes, each runs in a fresh interpreter (this command for one N): the peak memory at 100k is not
that of a process that already ran 1k, 10k, GX and Dask, and no size inherits another's heap.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.accounting import check_against_reference, reference_digest
from bench.corpus import write_corpus
from bench.many_machines import bench_many_machines
from jixiao import prefect_env

# `extraction_speedup` comes from rounds on one sample: the single-process loop, then the pool, on the
# same reports seconds apart. This VM's speed drifts 10-30% within an hour (the host's other guests):
# a ratio of two runs minutes apart measures the drift as much as the code; adjacent runs share it.
SPEEDUP_SAMPLE = 2_000
SPEEDUP_ROUNDS = 5


class RssSampler:
    """Peak memory of this process plus its live descendants, sampled from /proc: the sum of their
    resident sets (RSS; pages a worker shares with the fork server it came from count once per
    process) and the sum of their proportional sets (PSS; shared pages split between the sharers,
    so the sum is what the tree really occupies)."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.peak_bytes = 0
        self.peak_pss_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            pids = _tree(os.getpid())
            self.peak_bytes = max(self.peak_bytes, sum(_status_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids) * 1024)
            self.peak_pss_bytes = max(self.peak_pss_bytes,
                                      sum(_status_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids) * 1024)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task_dir in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task_dir / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _status_kib(path: str, field: str) -> int:
    """The kB figure of `field` in a /proc file (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _extraction_speedup(sample: list[str], workers: int, pool: ProcessPoolExecutor) -> dict[str, Any]:
    """The bare loop on one process and on the pool, alternated over SPEEDUP_ROUNDS rounds on the same
    sample; the speedup is the median of the rounds' ratios (see SPEEDUP_SAMPLE)."""
    single: list[float] = []
    parallel: list[float] = []
    for _ in range(SPEEDUP_ROUNDS):
        single.append(_timed(lambda: _bare_chunk(sample)))
        parallel.append(_timed(lambda: _bare_parallel(sample, workers, pool)))
    ratios = sorted(one / many for one, many in zip(single, parallel, strict=True))
    return {"bare_single_reports_per_s": len(sample) / statistics.median(single),
            "extraction_speedup": statistics.median(ratios),
            "extraction_speedup_rounds": [round(ratio, 2) for ratio in ratios]}


def _bare_chunk(paths: list[str]) -> int:
    """The bare loop: read each file and run the extraction functions, nothing else."""
    from tasks.pipeline import read_and_extract

    for path in paths:
        read_and_extract(path, Path(path).read_bytes())
    return len(paths)


@contextmanager
def _bare_pool(paths: list[str], workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool for the bare loop, its workers started before any timing.

    forkserver: this process may already run Prefect's threads, and forking those can deadlock. The
    process has one fork server, shared with the flow's pool: preloaded as the flow wants it."""
    from flows.runners import preload_fork_server

    with ProcessPoolExecutor(max_workers=workers, mp_context=preload_fork_server()) as pool:
        _bare_parallel(paths[: workers * 4], workers, pool)
        yield pool


def _bare_parallel(paths: list[str], workers: int, pool: ProcessPoolExecutor) -> None:
    chunk = max(1, len(paths) // (workers * 8))
    list(pool.map(_bare_chunk, [paths[i:i + chunk] for i in range(0, len(paths), chunk)]))


def _validation(db: Path) -> dict[str, Any]:
    """Every rule over every fact of the warehouse in one pass (schemas, comparisons, wording), and
    pandera's two backends over the same rows (bench/backends.py)."""
    from bench.backends import compare_backends, warehouse_fact_tables
    from tasks.validate import validate_frames

    frames = {table: arrow.to_pandas() for table, arrow in warehouse_fact_tables(db).items()}
    n_facts = sum(len(frame) for frame in frames.values())
    started = time.perf_counter()
    findings = validate_frames(frames)
    elapsed = time.perf_counter() - started
    return {"validation_reports": int(frames["amounts"]["doc_sha256"].nunique()), "validation_facts": n_facts,
            "validation_findings": len(findings), "validation_s": round(elapsed, 2),
            "validation_facts_per_s": round(n_facts / elapsed), **compare_backends(db)}


def _revalidate_and_audit(db: Path, out: Path) -> dict[str, Any]:
    import duckdb

    from flows.audit import run_audit
    from flows.revalidate import run_revalidate
    from tasks.revalidate import Selection

    # through the CLI's entry points: a Prefect flow run only where a Prefect API records runs
    started = time.perf_counter()
    revalidated = run_revalidate(Selection(), db=str(db))
    result: dict[str, Any] = {"revalidate_reports": revalidated["revalidated"],
                              "revalidate_s": round(time.perf_counter() - started, 2),
                              "revalidate_changed_findings": revalidated["raised"] + revalidated["cleared"]}
    with duckdb.connect(str(db), read_only=True) as conn:
        years = [year for (year,) in conn.execute(
            "SELECT DISTINCT fiscal_year FROM reports WHERE fiscal_year IS NOT NULL ORDER BY 1").fetchall()]
    # Every year in one pass (the audit a bureau runs over its archive), then the scheduled run's share:
    # the latest year on its own, as the annual deployment runs it.
    started = time.perf_counter()
    audited = run_audit(None, db=str(db), out_dir=str(out / "all-years"))
    result["audit_years"] = len(audited["fiscal_years"])
    result["audit_s"] = round(time.perf_counter() - started, 2)
    result["audit_stage_s"] = {stage: round(seconds, 1) for stage, seconds in audited["stage_s"].items()}
    if years:
        started = time.perf_counter()
        run_audit([years[-1]], db=str(db), out_dir=str(out / str(years[-1])))
        result["audit_latest_year_s"] = round(time.perf_counter() - started, 2)
    return result


def _warehouse(db: Path, load_seconds: float) -> dict[str, Any]:
    import duckdb

    from jixiao.settings import PROJECT_ROOT
    from warehouse.integrity import FACT_GRAIN

    conn = duckdb.connect(str(db), read_only=True)
    rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in FACT_GRAIN)
    examples = (PROJECT_ROOT / "warehouse" / "sql" / "examples.sql").read_text(encoding="utf-8")
    latencies = []
    for query in [q for q in examples.split(";") if "SELECT" in q]:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(query).fetchall()
            timings.append(time.perf_counter() - started)
        latencies.append(round(statistics.median(timings) * 1000, 1))
    conn.close()
    return {"fact_rows": rows, "load_rows_per_s": round(rows / load_seconds), "example_query_ms": latencies}


def bench_one(n: int, *, repeats: int, workers: int, naive_n: int, seed: int, work: Path) -> dict[str, Any]:
    from bench.naive import naive_flow
    from flows.ingest import run_ingest

    corpus = work / f"corpus-{n}"
    started = time.perf_counter()
    write_corpus(corpus, n, years=list(range(2019, 2025)), seed=seed)
    result: dict[str, Any] = {"n": n, "workers": workers, "repeats": repeats,
                              "generate_s": round(time.perf_counter() - started, 1)}
    paths = sorted(str(p) for p in corpus.glob("*.txt"))

    with _bare_pool(paths, workers) as pool:
        result.update(_extraction_speedup(paths[:SPEEDUP_SAMPLE], workers, pool))

    # The fixed start of a process's first run (Prefect's local server, the worker pool) is measured on
    # its own, on a few files: throughput is the steady state a long run or a served deployment sees.
    started = time.perf_counter()
    run_ingest(paths[: workers * 2], db=str(work / f"cold-{n}.duckdb"), workers=workers)
    result["cold_start_s"] = round(time.perf_counter() - started, 1)
    # Each repeat runs the bare loop and then the flow over the whole corpus: the ratio is taken per
    # pair (adjacent runs, same drift), and the median pair's is reported. Each flow run has its own
    # folder: the archive lives beside the warehouse, and a run finding the bytes already archived by
    # the previous one would write less. Memory is sampled while the flows run (the bare pool is gone).
    bare_seconds: list[float] = []
    e2e_seconds: list[float] = []
    summaries: list[dict[str, Any]] = []
    peak_rss, peak_pss = 0, 0
    for repeat in range(repeats):
        with _bare_pool(paths, workers) as pool:
            bare_seconds.append(_timed(lambda: _bare_parallel(paths, workers, pool)))
        db = work / f"e2e-{n}-{repeat}" / "jixiao.duckdb"
        with RssSampler() as rss:
            e2e_seconds.append(_timed(lambda db=db: summaries.append(run_ingest([str(corpus)], db=str(db),
                                                                                 workers=workers))))
        peak_rss, peak_pss = max(peak_rss, rss.peak_bytes), max(peak_pss, rss.peak_pss_bytes)
    result["bare_reports_per_s"] = n / statistics.median(bare_seconds)
    result["reports_per_s"] = n / statistics.median(e2e_seconds)
    result["e2e_loaded"] = summaries[0]["loaded"]
    result["ratio_vs_bare"] = statistics.median([b / e for b, e in zip(bare_seconds, e2e_seconds, strict=True)])
    result["peak_rss_mib"] = round(peak_rss / 2**20)
    result["peak_pss_mib"] = round(peak_pss / 2**20)
    first_db = work / f"e2e-{n}-0" / "jixiao.duckdb"
    # Every report loaded once, facts and findings those of a plain sequential run (bench/accounting.py)
    with _bare_pool(paths, workers) as pool:
        reference = reference_digest(paths, pool)
    for repeat in range(repeats):
        result.update(check_against_reference(work / f"e2e-{n}-{repeat}" / "jixiao.duckdb", len(paths), reference))
    del reference
    result.update(_warehouse(first_db, statistics.median(e2e_seconds)))
    result.update(_validation(first_db))
    result.update(_revalidate_and_audit(first_db, work / f"audit-{n}"))

    result.update(bench_many_machines(paths, work / f"many-{n}", workers))

    naive_paths = paths[: min(n, naive_n)]
    result["naive_n"] = len(naive_paths)
    result["naive_reports_per_s"] = len(naive_paths) / _timed(
        lambda: naive_flow(naive_paths, str(work / f"naive-{n}.duckdb")))
    result["ratio_vs_naive"] = result["reports_per_s"] / result["naive_reports_per_s"]
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in result.items()}


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"jixiao benchmark, n={result['n']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, str(value))
    Console(stderr=False).print(table)


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="jixiao benchmark suite")
    parser.add_argument("--n", default="1000", help="report counts, comma-separated (1000,10000,100000)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measure (1 above 50k reports)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive-n", type=int, default=300, help="size of the naive baseline run (<= ~1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    prefect_env.apply()  # as `jixiao` and `make` set them, before Prefect loads
    sizes = [int(part) for part in args.n.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as work:
        for n in sizes:
            if len(sizes) > 1:  # each size in a fresh process: its memory and timings owe nothing to the last
                results.append(_bench_in_child(n, args, Path(work)))
                continue
            repeats = 1 if n > 50_000 else args.repeats
            result = bench_one(n, repeats=repeats, workers=args.workers, naive_n=args.naive_n, seed=args.seed,
                               work=Path(work))
            print_table(result)
            results.append(result)
    summary = {**results[-1], "machine": machine(), "by_n": results}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def _bench_in_child(n: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """`bench_one(n)` in a child interpreter (this command for one size); its figures as it wrote them."""
    out = work / f"result-{n}.json"
    command = [sys.executable, "-m", "bench.run", "--n", str(n), "--json", str(out), "--repeats", str(args.repeats),
               "--workers", str(args.workers), "--naive-n", str(args.naive_n), "--seed", str(args.seed)]
    subprocess.run(command, check=True)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))["by_n"][0]
    return result


if __name__ == "__main__":
    sys.exit(main())
