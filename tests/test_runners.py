"""Where batch work runs: one shared worker pool, whatever the number of threads asking for it."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flows.runners import process_pool, results_in_order, run_in_pool
from tests.shared import PROJECT_ROOT


def test_threads_asking_at_once_share_one_pool() -> None:
    # The batch tasks of a run start together on Prefect's threads: two pools would mean more worker
    # processes than cores.
    with ThreadPoolExecutor(max_workers=8) as threads:
        pools = list(threads.map(lambda _: process_pool(3), range(8)))

    assert len({id(pool) for pool in pools}) == 1


def test_work_runs_inline_with_one_worker_and_in_a_pool_process_otherwise() -> None:
    import os

    assert run_in_pool(1, os.getpid) == os.getpid()
    assert run_in_pool(2, os.getpid) != os.getpid()


def test_a_process_using_the_pool_exits_quietly() -> None:
    # The fork server freezes its warm heap (tasks/warmup.py); frozen DuckDB objects still alive at
    # its exit made DuckDB's bindings print leak reports after every ingest.
    script = "from flows.runners import run_in_pool\nimport os\nif __name__ == '__main__':\n    run_in_pool(2, os.getpid)\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "leak" not in done.stderr, done.stderr[:500]


def test_results_come_in_submission_order_with_a_bounded_window() -> None:
    in_flight, most = set(), 0

    def submit(number: int) -> Any:
        nonlocal most
        in_flight.add(number)
        most = max(most, len(in_flight))
        # later submissions finish first: the order must come from the helper, not from timing
        return pool.submit(lambda: (time.sleep(0.01 * (5 - number % 5)), in_flight.discard(number), number * 10)[2])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(results_in_order(12, 3, submit))

    assert results == [(number, number * 10) for number in range(12)]
    assert most == 3  # the window is kept full and never exceeded
