"""Analysts and runs share one warehouse: readers are never blocked, runs queue (issue 15).

Each test drives the real CLI in subprocesses, as a scheduler, an engineer and an analyst would.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from bench.corpus import write_corpus
from warehouse.integrity import key_violations
from warehouse.writer import lock_path, work_path

pytestmark = pytest.mark.prefect

JIXIAO = str(Path(sys.executable).with_name("jixiao"))
READER = textwrap.dedent("""
    import os, sys, time, duckdb
    db, stop = sys.argv[1], sys.argv[2]
    ok = failed = 0
    while not os.path.exists(stop):
        try:
            with duckdb.connect(db, read_only=True) as conn:
                conn.execute("SELECT count(*) FROM reports").fetchone()
                conn.execute("SELECT count(*) FROM v_report_summary").fetchone()
            ok += 1
        except Exception as exc:
            failed += 1
            print("FAILED", type(exc).__name__, exc, flush=True)
        time.sleep(0.5)
    print("OK", ok, "FAILED", failed, flush=True)
""")


def _env() -> dict[str, str]:
    """The CLI's environment: the session's Prefect test server (not one ephemeral server each)."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "COLUMNS": "200", "JIXIAO_BATCH_SIZE": "250", "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def _ingest(paths: list[Path], db: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([JIXIAO, "ingest", *map(str, paths), "--db", str(db)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process: subprocess.Popen[str], timeout: float = 600) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"exit {process.returncode}\n{out[-2000:]}\n{err[-3000:]}"
    assert "Traceback" not in err
    return out + err


def _counts(db: Path) -> tuple[int, int, dict[str, int]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        runs_done = conn.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0]
        return documents, runs_done, key_violations(conn)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, 2000, years=[2023, 2024], seed=11)
    return out


def test_an_open_reader_never_fails_an_ingest_and_readers_query_throughout(
        tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "wh.duckdb"
    env = _env()
    first = sorted(corpus.rglob("*.txt"))[:20]
    _finish(_ingest(first, db, env))

    held = duckdb.connect(str(db), read_only=True)  # an analyst's notebook, left open
    before = held.execute("SELECT count(*) FROM reports").fetchone()[0]
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        output = _finish(_ingest([corpus], db, env))
    finally:
        stop.touch()
        reader_out, reader_err = reader.communicate(timeout=60)
    assert "loaded" in output
    # the reader queried all through the run and never failed
    assert "FAILED 0" in reader_out and "FAILED " not in reader_out.replace("FAILED 0", ""), reader_out + reader_err
    queries = int(reader_out.split()[1])
    assert queries >= 4, reader_out
    # the open connection kept reading the state it opened; a new one sees the run
    assert held.execute("SELECT count(*) FROM reports").fetchone()[0] == before
    held.close()
    documents, runs_done, violations = _counts(db)
    files = len(list(corpus.rglob("*.txt")))
    assert documents == files
    assert runs_done == 2
    assert violations == {}


def test_two_ingests_at_once_queue_and_both_complete(tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "wh.duckdb"
    env = _env()
    files = sorted(corpus.rglob("*.txt"))[:400]
    half = tmp_path / "a"
    other = tmp_path / "b"
    for folder, chunk in ((half, files[:250]), (other, files[150:])):  # 100 files in both
        folder.mkdir()
        for file in chunk:
            (folder / file.name).write_bytes(file.read_bytes())
    first = _ingest([half], db, env)
    time.sleep(0.5)
    second = _ingest([other], db, env)
    outputs = [_finish(first), _finish(second)]
    documents, runs_done, violations = _counts(db)
    assert documents == 400  # every file loaded once, the shared ones too
    assert runs_done == 2
    assert violations == {}
    # the second started while the first held the warehouse (its first batch takes longer than 0.5 s)
    assert "waiting for ingest run" in outputs[1], outputs[1][-2000:]


def test_a_run_waits_for_the_run_holding_the_lock_and_says_who(tmp_path: Path) -> None:
    from warehouse.writer import run_lock

    db = tmp_path / "wh.duckdb"
    report = tmp_path / "in"
    report.mkdir()
    (report / "r.txt").write_text("某某局2024年度部门整体支出绩效自评报告\n年初预算数100万元，全年支出90万元。\n",
                                  encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from warehouse.writer import run_lock
        with run_lock(Path({str(db)!r}), "an engineer's revalidate", wait_s=1):
            print("held", flush=True)
            time.sleep(15)  # longer than a loaded machine takes to start the CLI and reach the lock
    """)], text=True, stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    assert holder.stdout.readline().strip() == "held"
    env = {**_env(), "PREFECT_LOGGING_LEVEL": "WARNING"}
    output = _finish(_ingest([report], db, env))
    holder.wait(timeout=30)
    assert "waiting for an engineer's revalidate" in output
    assert _counts(db)[0] == 1
    # refused at once when told not to wait: one line naming the holder, exit 1
    with run_lock(db, "the yearly ingestion", wait_s=1):
        refused = subprocess.run([JIXIAO, "ingest", str(report), "--db", str(db)], text=True, capture_output=True,
                                 env={**env, "JIXIAO_LOCK_WAIT_S": "0"}, timeout=300)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    error_lines = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "the yearly ingestion" in error_lines[0] and "busy" in error_lines[0]


def test_a_crash_leaves_the_published_warehouse_and_the_next_run_completes(tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "wh.duckdb"
    env = _env()
    files = sorted(corpus.rglob("*.txt"))
    _finish(_ingest(files[:10], db, env))
    process = _ingest([corpus], db, env)
    deadline = time.monotonic() + 120
    work = db.with_name(db.name + ".next")
    while not work.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # in the middle of the batches
    helpers = psutil.Process(process.pid).children(recursive=True)  # the pool's fork server and workers
    assert helpers
    process.kill()  # SIGKILL: no cleanup of any kind
    process.wait(timeout=30)
    _, alive = psutil.wait_procs(helpers, timeout=20)
    assert not alive, f"worker processes outlived the killed run: {alive}"
    documents, _, violations = _counts(db)
    assert documents == 10 and violations == {}
    _finish(_ingest([corpus], db, env))
    documents, _, violations = _counts(db)
    assert documents == len(files) and violations == {}


# --- kill -9 at several moments (issue 16) ----------------------------------------------------------------

KILL_POINTS = ("lock_taken", "reading", "first_commit", "last_batch")


def _kill_at(process: subprocess.Popen[str], db: Path, point: str, rng: random.Random) -> str:
    """SIGKILL `process` at `point` of its run; return its stderr so far.

    lock_taken: the run lock names its holder (the copy is being made); reading: the copy exists and
    batches are being read and extracted (a random 0.2-1.5 s in); first_commit: the first batch was
    committed to the copy, the others in flight; last_batch: the last batch is committed, the run is
    recording itself and publishing (it may just finish first: then the published state is complete)."""
    lines: list[str] = []
    seen = threading.Event()
    patterns = {"first_commit": re.compile(r"^batch 1/\d+:"), "last_batch": re.compile(r"^batch (\d+)/\1:")}

    def follow() -> None:  # the plain progress lines on stderr (not a terminal)
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if point in patterns and patterns[point].match(line):
                seen.set()

    threading.Thread(target=follow, daemon=True).start()
    deadline = time.monotonic() + 180
    if point == "lock_taken":
        while time.monotonic() < deadline and not (lock_path(db).exists() and lock_path(db).read_text().strip()):
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.2))
    elif point == "reading":
        while time.monotonic() < deadline and not work_path(db).exists():
            time.sleep(0.01)
        time.sleep(rng.uniform(0.2, 1.5))
    else:
        assert seen.wait(timeout=180), "".join(lines)[-3000:]
    helpers = psutil.Process(process.pid).children(recursive=True)
    process.kill()  # SIGKILL: no cleanup of any kind
    process.wait(timeout=30)
    _, alive = psutil.wait_procs(helpers, timeout=20)
    assert not alive, f"processes outlived the run killed at {point}: {alive}"
    return "".join(lines)


def test_a_kill_at_any_moment_leaves_a_consistent_warehouse_and_the_rerun_completes(
        tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "wh.duckdb"
    env = {**_env(), "JIXIAO_BATCH_SIZE": "20", "PREFECT_LOGGING_LEVEL": "WARNING"}  # several batches a run
    files = sorted(corpus.rglob("*.txt"))
    _finish(_ingest(files[:10], db, env))
    rng = random.Random(16)
    expected = 10
    for round_number, point in enumerate(KILL_POINTS):
        # each round brings new files (readable and rejected ones), so every moment has writing to do
        inbox = tmp_path / f"round{round_number}"
        inbox.mkdir()
        for file in files[10 + 100 * round_number: 10 + 100 * (round_number + 1)]:
            (inbox / file.name).write_bytes(file.read_bytes())
        (inbox / "blank.txt").write_bytes(b" " * (round_number + 1))  # rejected: no text (bytes of its own)
        (inbox / "binary.bin").write_bytes(bytes(range(256)) * 16 + str(round_number).encode())
        entries = len(list(inbox.iterdir()))
        before = _counts(db)
        _kill_at(_ingest([inbox], db, env), db, point, rng)
        documents, runs_done, violations = _counts(db)
        assert violations == {}, point
        # the published warehouse is the last finished run's; killed while publishing, possibly this run's, whole
        finished = {before[:2], (expected + entries, before[1] + 1)} if point == "last_batch" else {before[:2]}
        assert (documents, runs_done) in finished, (point, documents, runs_done, before)
        _finish(_ingest([inbox], db, env))
        expected += entries
        documents, runs_done, violations = _counts(db)
        assert documents == expected and violations == {}, (point, documents, expected)
        with duckdb.connect(str(db), read_only=True) as conn:
            [(rejected, loaded_once)] = conn.execute(
                "SELECT count(*) FILTER (status = 'rejected'), count(*) = count(DISTINCT sha256) FROM documents").fetchall()
            [(last_status, seen)] = conn.execute(
                "SELECT status, files_seen FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()
        assert rejected == 2 * (round_number + 1) and loaded_once, point
        assert last_status == "completed" and seen == entries, point
