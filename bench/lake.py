"""The warehouse backends side by side: the embedded file and DuckLake on a Postgres catalog.

    python -m bench.lake --n 10000 [--json FILE]

Generates one corpus, then times, each from the `runs` table (the flow's own span, without the
process's Prefect start-up):
- `jixiao ingest` of the whole corpus into a fresh embedded warehouse file;
- the same into a fresh DuckLake (a throwaway Postgres catalog from tests/postgres.py, data files in
  a temp dir);
- two `jixiao ingest` processes at once into one fresh DuckLake, half the corpus each (two machines
  or two provinces): their combined throughput over the span from the first start to the last end.
Every run must end `completed` with every file loaded once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus
from tests.postgres import PostgresServer, running_postgres
from warehouse.integrity import key_violations
from warehouse.lake import LakeTarget
from warehouse.reader import reading

JIXIAO = str(Path(sys.executable).with_name("jixiao"))


def _ingest(folders: list[Path], warehouse: str, home: Path) -> list[subprocess.Popen[str]]:
    """One `jixiao ingest` process per folder, started together; each has its own Prefect home."""
    processes = []
    for index, folder in enumerate(folders):
        env = {**os.environ, "JIXIAO_WAREHOUSE": warehouse, "PREFECT_HOME": str(home / f"prefect-{index}"),
               "PREFECT_LOGGING_LEVEL": "WARNING", "DO_NOT_TRACK": "1"}
        env.pop("PREFECT_API_URL", None)  # each process its own ephemeral API
        processes.append(subprocess.Popen([JIXIAO, "ingest", str(folder)], env=env, text=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for process in processes:
        _, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"ingest failed: {err[-2000:]}")
    return processes


def _runs(warehouse: str) -> dict[str, Any]:
    target: Path | LakeTarget = LakeTarget.from_url(warehouse) if "://" in warehouse else Path(warehouse)
    conn = reading(target)
    try:
        [(documents,)] = conn.execute("SELECT count(*) FROM documents").fetchall()
        rows = conn.execute(
            "SELECT status, epoch(started_at), epoch(finished_at), files_seen FROM runs WHERE flow = 'ingest'"
        ).fetchall()
        violations = key_violations(conn)
    finally:
        conn.close()
    if violations or any(status != "completed" for status, *_ in rows):
        raise SystemExit(f"{warehouse}: runs {rows}, key violations {violations}")
    span = max(end for _, _, end, _ in rows) - min(start for _, start, _, _ in rows)
    return {"documents": documents, "runs": len(rows), "span_s": round(span, 2)}


def _split(corpus: Path, out: Path) -> list[Path]:
    files = sorted(corpus.rglob("*.txt"))
    halves = [out / "half-a", out / "half-b"]
    for folder, chunk in zip(halves, (files[: len(files) // 2], files[len(files) // 2:]), strict=True):
        folder.mkdir()
        for file in chunk:
            os.link(file, folder / file.name)  # not symlinks: those out of the folder are refused
    return halves


def bench(n: int, server: PostgresServer, work: Path) -> dict[str, Any]:
    corpus = work / "corpus"
    write_corpus(corpus, n, years=[2022, 2023, 2024], seed=7)
    files = len(list(corpus.rglob("*.txt")))

    def lake_url(name: str) -> str:
        database = f"{name}_{uuid.uuid4().hex[:6]}"
        server.create_database(database)
        return f"ducklake+postgres://postgres@/{database}?host={server.socket_dir}&data_path={work / database}"

    result: dict[str, Any] = {"n": n, "files": files}
    for name, warehouse, folders in (
        ("embedded", str(work / "embedded" / "jixiao.duckdb"), [corpus]),
        ("ducklake_postgres", lake_url("one"), [corpus]),
        ("ducklake_postgres_2_writers", lake_url("two"), _split(corpus, work)),
    ):
        started = time.perf_counter()
        _ingest(folders, warehouse, work)
        runs = _runs(warehouse)
        if runs["documents"] != files:
            raise SystemExit(f"{name}: {runs['documents']} documents for {files} files")
        result[name] = {**runs, "wall_s": round(time.perf_counter() - started, 2),
                        "reports_per_s": round(files / runs["span_s"], 1)}
        print(f"{name:>30}: {result[name]['reports_per_s']:8.1f} reports/s "
              f"({files} files in {runs['span_s']:.1f} s, {runs['runs']} run(s))", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-lake-") as tmp, running_postgres() as server:
        result = bench(args.n, server, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
