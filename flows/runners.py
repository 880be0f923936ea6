"""Where the batch work of a flow runs: a local process pool (default) or a Dask cluster.

- "process" (default): one thread per batch in flight (Prefect's thread-pool task runner, or a plain
  thread pool when the run goes without Prefect: flows/orchestrator.py) hands its batch (read, archive,
  extract, validate, tables) to a process pool of `workers` processes (default: every core) and waits.
  Threads alone would share one interpreter lock.
- "dask": prefect-dask's DaskTaskRunner; each batch task runs whole on a Dask worker process, on a
  LocalCluster of `workers` single-threaded processes or on the scheduler at `dask_address`.

Either way the flow keeps the only DuckDB connection and loads batches in their order, so the
warehouse does not depend on where the work ran.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from tasks.lifeline import exit_with

if TYPE_CHECKING:  # Prefect is imported only by runs that use it (flows/orchestrator.py)
    from prefect.task_runners import TaskRunner

T = TypeVar("T")
TaskRunnerName = Literal["process", "dask"]
TASK_RUNNERS: tuple[str, ...] = ("process", "dask")


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# What the fork server imports before it forks any worker (tasks.warmup runs the pipeline once there).
# A process has one fork server, started by its first forkserver pool: a caller starting another pool
# first (bench/run.py's bare loop) calls `preload_fork_server()` before, or workers fork cold.
FORK_SERVER_PRELOAD = ["tasks.batch", "tasks.warmup"]
_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """One pool per worker count for the life of the process (starting workers costs imports).

    The batch tasks of a run ask for it from several threads at once: the lock makes sure they all
    get the same pool (two pools would run more processes than there are cores).
    forkserver, not fork: the flow's process runs Prefect's threads, and forking a threaded process can
    deadlock. The server imports the pipeline once; each worker forks from it ready to go."""
    with _pools_lock:
        if workers not in _pools:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=preload_fork_server(),
                                       initializer=exit_with, initargs=(os.getpid(),))
            atexit.register(pool.shutdown, cancel_futures=True)
            _pools[workers] = pool
        return _pools[workers]


def preload_fork_server() -> multiprocessing.context.BaseContext:
    """The forkserver context, set to import FORK_SERVER_PRELOAD when its server starts."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
    return context


def run_in_pool(workers: int, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` on one of the pool's processes; inline when there is a single worker."""
    if workers <= 1:
        return function(*args, **kwargs)
    return process_pool(workers).submit(function, *args, **kwargs).result()


def results_in_order(count: int, window: int, submit: Callable[[int], Any]) -> Iterator[tuple[int, Any]]:
    """(number, result) of the futures `submit(0)` .. `submit(count - 1)`, in that order, at most `window`
    submissions in flight: the next one goes out as soon as the oldest is done, so the workers stay
    busy while the caller handles each result through its one connection."""
    in_flight = deque(submit(number) for number in range(min(window, count)))
    submitted = len(in_flight)
    for number in range(count):
        done = [in_flight.popleft().result()]
        if submitted < count:
            in_flight.append(submit(submitted))
            submitted += 1
        # handed over through the list: this suspended frame keeps no reference to the result, so
        # the caller alone decides when a (large) batch is freed
        yield number, done.pop()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep what the process held before the block out of the collector's reach during it.

    A flow collects after each batch (see flows/ingest.py); a full collection walks every object of the
    process (Prefect, pydantic, DuckDB: ~0.3-0.5 s each time, holding the interpreter lock the batch
    threads need). Frozen, the objects from before the run are skipped, and the collection only walks
    what the run itself made. They are handed back to the collector afterwards. One full collection
    first: garbage from before the run (an earlier run's frames in a long-lived process) would
    otherwise be frozen with the rest and held for the whole run."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def quiet_distributed() -> None:
    """Keep distributed's warnings and errors, not its INFO chatter (~33 lines a run: scheduler, nanny
    and connection events), unless the user asked for it (DASK_LOGGING__DISTRIBUTED).

    distributed sets its `distributed` logger to INFO when imported (dask's `logging` config), and
    LocalCluster's `silence_logs` only lowers that logger's own handlers: its records still reach the
    root handler the CLI installs on stderr. The level of the logger itself is what stops them. The
    worker processes are quiet already (LocalCluster passes `silence_logs` to them)."""
    if "DASK_LOGGING__DISTRIBUTED" not in os.environ:
        logging.getLogger("distributed").setLevel(logging.WARNING)


def build_task_runner(name: TaskRunnerName, *, workers: int, dask_address: str | None = None) -> TaskRunner:
    """The Prefect task runner for `name` (see the module docstring)."""
    if name == "dask":
        from prefect_dask import DaskTaskRunner  # imports dask.distributed: only when asked for

        quiet_distributed()
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if name != "process":
        raise ValueError(f"unknown task runner {name!r}: choose one of {', '.join(TASK_RUNNERS)}")
    from prefect.task_runners import ThreadPoolTaskRunner

    # threads only wait on the pool (and read files); one more than the pool keeps it busy while the
    # flow loads the previous batch
    return ThreadPoolTaskRunner(max_workers=workers + 1)
