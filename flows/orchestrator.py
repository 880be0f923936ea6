"""Who runs a flow's steps: Prefect (a flow run, one task per batch) or this process directly.

A flow run's state is worth keeping when a Prefect API records it: a server (`prefect server start`,
Prefect Cloud) the user can look at, or a parent flow run (the scheduled yearly ingestion). A CLI run
with no API configured would get an ephemeral server instead, started for the run (~10 s, most of a
small run) and thrown away with it; nobody sees its state, and the run's record is the warehouse's
`runs` row anyway. So "auto" uses Prefect only when there is an API to record the run; "direct" runs
the same steps in the same order without importing Prefect at all: the same batches, the same
process pool, the same retries of a failed batch attempt, the same warehouse content.

A flow module names its batch work as `Step`s and runs them through `RunSteps`: `PrefectSteps` (each
step a Prefect task, inside a Prefect flow run) or `DirectSteps` (each step in a thread of this process,
as Prefect's thread-pool task runner would).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from prefect import Flow, Task

Orchestrator = Literal["auto", "prefect", "direct"]
ORCHESTRATORS: tuple[str, ...] = ("auto", "prefect", "direct")


def uses_prefect(orchestrator: Orchestrator, task_runner: str = "process") -> bool:
    """Whether a run goes through Prefect: asked for, on Dask (prefect-dask's task runner), or "auto"
    with a Prefect API to record the run (see the module docstring)."""
    if orchestrator not in ORCHESTRATORS:
        raise ValueError(f"unknown orchestrator {orchestrator!r}: choose one of {', '.join(ORCHESTRATORS)}")
    if orchestrator == "prefect" or task_runner == "dask":
        return True
    return orchestrator == "auto" and (_in_prefect_run() or prefect_api_configured())


def prefect_api_configured(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """A Prefect API URL configured: Prefect's own settings when it is imported already (a test harness,
    a served run), else PREFECT_API_URL in the environment or in the active profile of
    $PREFECT_HOME/profiles.toml (`prefect config set PREFECT_API_URL=…`), read without importing Prefect."""
    settings = sys.modules.get("prefect.settings")
    if settings is not None:
        return bool(settings.get_current_settings().api.url)
    if environ.get("PREFECT_API_URL"):
        return True
    home = Path(environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    path = Path(environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return bool(profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


def _in_prefect_run() -> bool:
    context = sys.modules.get("prefect.context")  # not imported: certainly not in a run
    return context is not None and context.FlowRunContext.get() is not None


@dataclass(frozen=True, slots=True)
class Step:
    """A batch step of a flow: a plain function and how often a failed attempt is retried (the Prefect
    task's `retries`). A step with retries takes `last_attempt`: its last attempt may degrade (a flaky
    read becomes a rejection) instead of failing the run."""

    name: str
    fn: Callable[..., Any]
    retries: int = 0
    retry_delay_s: float = 1.0


class RunSteps(Protocol):
    log: logging.Logger | logging.LoggerAdapter[Any]
    run_name: str  # names the run to another run waiting for the warehouse

    def submit(self, step: Step, name: str, *args: Any) -> Any:
        """Start the step; a future-like whose `.result()` waits for it."""

    def call(self, step: Step, name: str, *args: Any) -> Any:
        """Run the step and return its result."""


class DirectSteps:
    """Steps without Prefect: each submitted step in a thread of this process (it only waits on the
    process pool, or reads files), retried as its Prefect task would be; logs through `logging`."""

    def __init__(self, threads: int, log_name: str) -> None:
        self.log: logging.Logger | logging.LoggerAdapter[Any] = logging.getLogger(log_name)
        self.run_name = f"pid {os.getpid()}"
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=log_name)

    def submit(self, step: Step, name: str, *args: Any) -> Future[Any]:
        return self._threads.submit(self.call, step, name, *args)

    def call(self, step: Step, name: str, *args: Any) -> Any:
        for attempt in range(1, step.retries + 2):
            try:
                return step.fn(*args, last_attempt=attempt > step.retries) if step.retries else step.fn(*args)
            except Exception as exc:
                if attempt > step.retries:
                    raise
                self.log.warning("%s: attempt %d of %d failed (%s: %s); retrying in %g s", name, attempt,
                                 step.retries + 1, type(exc).__name__, exc, step.retry_delay_s)
                time.sleep(step.retry_delay_s)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)


@contextmanager
def direct_steps(threads: int, log_name: str) -> Iterator[DirectSteps]:
    steps = DirectSteps(threads, log_name)
    try:
        yield steps
    finally:
        steps.close()


class PrefectSteps:
    """Steps inside a Prefect flow run: each step a Prefect task run (one per batch, never per document)."""

    def __init__(self) -> None:
        from prefect import get_run_logger
        from prefect.runtime import flow_run

        self.log = get_run_logger()
        self.run_name = str(flow_run.name)

    def submit(self, step: Step, name: str, *args: Any) -> Any:
        return prefect_task(step).with_options(task_run_name=name).submit(*args)

    def call(self, step: Step, name: str, *args: Any) -> Any:
        return prefect_task(step).with_options(task_run_name=name)(*args)


@cache
def prefect_task(step: Step) -> Task[..., Any]:
    """The Prefect task of a step, made once (so a test may adjust it: `retry_delay_seconds`)."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    def run_step(*args: Any) -> Any:
        if not step.retries:
            return step.fn(*args)
        from prefect.runtime import task_run

        return step.fn(*args, last_attempt=(task_run.run_count or 1) > step.retries)

    run_step.__qualname__ = run_step.__name__ = step.name.replace("-", "_")
    return task(name=step.name, retries=step.retries, retry_delay_seconds=step.retry_delay_s,
                cache_policy=NO_CACHE,  # every run works afresh; nothing of ours is cached by Prefect
                persist_result=False)(run_step)  # batches hold whole texts: out of Prefect's result storage


@cache
def prefect_flow(name: str, fn: Callable[..., Any]) -> Flow[..., Any]:
    """`fn` as a Prefect flow, made on first use: a direct run never imports Prefect (~1.7 s)."""
    from prefect import flow

    return flow(name=name, persist_result=False)(fn)


# Prefect's server refuses a flow run whose parameters serialize to more than 512 KiB (~6,000 paths)
PARAMETER_BYTES_LIMIT = 256 * 1024


@contextmanager
def paths_parameter(paths: list[str]) -> Iterator[tuple[list[str], str | None]]:
    """`paths` as a flow run's parameters: the list itself, or, when it is too long for Prefect's
    server, none and a file listing them (a JSON list) that lives while the run does."""
    if len(json.dumps(paths)) <= PARAMETER_BYTES_LIMIT:
        yield list(paths), None
        return
    with tempfile.TemporaryDirectory(prefix="jixiao-paths-") as folder:
        listing = Path(folder) / "paths.json"
        listing.write_text(json.dumps(paths, ensure_ascii=False), encoding="utf-8")
        yield [], str(listing)


def listed_paths(paths_file: str | None) -> list[str]:
    """The paths a `paths_parameter` file lists (none without one)."""
    if not paths_file:
        return []
    return list(json.loads(Path(paths_file).read_text(encoding="utf-8")))
