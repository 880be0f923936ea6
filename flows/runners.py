"""Where the batch work of a flow runs: a local process pool (default) or a Dask cluster.

- "process" (default): Prefect's thread-pool task runner runs one task per batch; each task reads its
  files (IO, in the flow's process) and hands the CPU-bound read+extract+validate to a process pool of
  `workers` processes (default: every core). Threads alone would share one interpreter lock.
- "dask": prefect-dask's DaskTaskRunner; each batch task runs whole on a Dask worker process, on a
  LocalCluster of `workers` single-threaded processes or on the scheduler at `dask_address`.

Either way the flow keeps the only DuckDB connection and loads batches in their order, so the
warehouse does not depend on where the work ran.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Literal

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tasks.models import Processed
from tasks.pipeline import process_batch

TaskRunnerName = Literal["process", "dask"]
TASK_RUNNERS: tuple[str, ...] = ("process", "dask")


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@cache
def process_pool(workers: int) -> ProcessPoolExecutor:
    """One pool per worker count for the life of the process (starting workers costs imports).

    forkserver, not fork: the flow's process runs Prefect's threads, and forking a threaded process can
    deadlock. The server imports the pipeline once; each worker forks from it ready to go."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tasks.pipeline"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def process_in_pool(workers: int, files: Sequence[tuple[str, bytes]]) -> list[Processed]:
    """`process_batch` on one of the pool's processes; inline when there is a single worker."""
    if workers <= 1:
        return process_batch(files)
    return process_pool(workers).submit(process_batch, list(files)).result()


def build_task_runner(name: TaskRunnerName, *, workers: int, dask_address: str | None = None) -> TaskRunner:
    """The Prefect task runner for `name` (see the module docstring)."""
    if name == "dask":
        from prefect_dask import DaskTaskRunner  # imports dask.distributed: only when asked for

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if name != "process":
        raise ValueError(f"unknown task runner {name!r}: choose one of {', '.join(TASK_RUNNERS)}")
    # threads only wait on the pool (and read files); one more than the pool keeps it busy while the
    # flow loads the previous batch
    return ThreadPoolTaskRunner(max_workers=workers + 1)
