"""The ingest flow: report files on disk -> validated facts in the DuckDB warehouse.

discover files -> cut into batches -> per batch ONE Prefect task (read bytes, archive them, read +
extract + validate each file, turn the rows into Arrow tables) -> the flow loads the batch in one
transaction through its single writer connection (DuckDB allows one writer) -> one `runs` row and a
summary artifact.

Prefect's overhead is per task run, so there is one task per batch, never one per document or
figure. The batch work is a plain function (`tasks.batch.read_and_prepare_batch`) the task only
wraps. Batches run side by side (`flows/runners.py`): by default each task hands its whole batch to a
process pool of one process per core, so the flow's own process only inserts finished tables; with
`task_runner="dask"` the tasks run on Dask workers.
A bounded window of batches is in flight, and the flow loads them in order through its one writer,
so memory stays flat and the warehouse is the same whatever ran the batches.
"""

from __future__ import annotations

import gc
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.runtime import task_run as current_task_run

from flows.discover import discover_inputs
from flows.runners import TaskRunnerName, build_task_runner, default_workers, results_in_order, run_in_pool
from flows.settings import Settings, describe
from jixiao.summary import artifact_rows
from tasks.batch import READ_RETRIES, read_and_prepare_batch
from tasks.formats.limits import ReadLimits
from tasks.load import FileOutcome, PreparedBatch, finish_run, load_prepared, prepare_batch, start_run
from tasks.models import money_figures
from tasks.pipeline import unread
from tasks.safe_text import storable
from warehouse.writer import commit_lock, writing

SUMMARY_ARTIFACT_KEY = "ingest-summary"


# --- progress, for the CLI's progress bar --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestProgress:
    files_total: int
    batches_total: int
    files_done: int = 0
    batches_done: int = 0
    loaded: int = 0
    rejected: int = 0
    unchanged: int = 0


ProgressListener = Callable[[IngestProgress], None]
# A module-level hook rather than a flow parameter: flow parameters are sent to the Prefect API and
# must be serializable; a callback is not.
_progress_listeners: list[ProgressListener] = []


@contextmanager
def progress_reported_to(listener: ProgressListener) -> Iterator[None]:
    """Call `listener` once after discovery and once after each loaded batch while in the block."""
    _progress_listeners.append(listener)
    try:
        yield
    finally:
        _progress_listeners.remove(listener)


def _notify(progress: IngestProgress) -> None:
    for listener in list(_progress_listeners):
        listener(progress)


# --- the run's tally ------------------------------------------------------------------------------


@dataclass(slots=True)
class RunTally:
    """Counts of one run, kept batch by batch."""

    files_seen: int = 0
    loaded: int = 0
    rejected: int = 0
    unchanged: int = 0
    rejections: list[dict[str, str]] = field(default_factory=list)
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)
    report_status: Counter[str] = field(default_factory=Counter)
    money: Counter[str] = field(default_factory=Counter)  # classified / unclassified money figures

    def add_batch(self, batch: PreparedBatch, outcomes: list[FileOutcome]) -> None:
        loaded_documents = batch.finding_summary()
        money = batch.money_counts()
        self.files_seen += len(batch)
        for path, sha256, outcome, reason in outcomes:
            if outcome == "rejected":
                self.rejections.append({"path": path, "reason": reason or "no reason given"})
                continue
            if sha256 not in loaded_documents:
                continue
            # Findings of every accepted document, loaded now or unchanged since an earlier run: a
            # re-run reports the same picture of the warehouse, not an empty one.
            status, findings = loaded_documents[sha256]
            self.findings.update(findings)
            self.report_status[status] += 1
            classified, unclassified = money[sha256]
            self.money["classified"] += classified
            self.money["unclassified"] += unclassified

    def add_counts(self, loaded: int, rejected: int, unchanged: int) -> None:
        self.loaded += loaded
        self.rejected += rejected
        self.unchanged += unchanged

    def check_balanced(self, files_discovered: int) -> None:
        """Count in = count out: every file found is loaded, rejected or unchanged, exactly once."""
        accounted = self.loaded + self.rejected + self.unchanged
        if not (files_discovered == self.files_seen == accounted and len(self.rejections) == self.rejected):
            raise RuntimeError(
                f"count in != count out: {files_discovered} files found, {self.files_seen} seen, but "
                f"{self.loaded} loaded + "
                f"{self.rejected} rejected + {self.unchanged} unchanged = {accounted} "
                f"({len(self.rejections)} rejection reasons)"
            )

    def summary(self, run_id: Any, db: str, status: str) -> dict[str, Any]:
        severity_order = {"error": 0, "warning": 1}
        findings = sorted(
            self.findings.items(), key=lambda item: (severity_order.get(item[0][1], 2), -item[1], item[0][0])
        )
        return {
            "run_id": run_id,
            "status": status,
            "db": str(db),
            "files_seen": self.files_seen,
            "loaded": self.loaded,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": list(self.rejections),
            "findings": [{"rule": rule, "severity": severity, "count": count}
                         for (rule, severity), count in findings],
            "report_status": {status_: self.report_status.get(status_, 0)
                              for status_ in ("passed", "warning", "failed")},
            "money_figures": money_figures(self.money["classified"], self.money["unclassified"]),
        }


# --- Prefect ----------------------------------------------------------------------------------------


@task(
    name="process-batch",
    retries=READ_RETRIES,
    retry_delay_seconds=1,
    cache_policy=NO_CACHE,  # every run reads the files afresh; nothing of ours is cached by Prefect
    persist_result=False,  # batches hold whole texts: keep them out of Prefect's result storage
)
def process_batch_task(paths: list[str], archive_dir: Path, max_file_bytes: int,
                       pool_workers: int = 1, limits: ReadLimits | None = None) -> PreparedBatch:
    # Transient IO errors fail the attempt so Prefect retries it; the last attempt turns them into
    # rejections instead, so a flaky disk costs a few files, not the run.
    last_attempt = (current_task_run.run_count or 1) > READ_RETRIES
    # The whole batch (reading included) runs in a pool process when there is a pool: this process
    # keeps the CPU for inserting, and gets back Arrow tables rather than Python objects.
    return run_in_pool(pool_workers, read_and_prepare_batch, paths, archive_dir, max_file_bytes,
                       raise_transient_io=not last_attempt, limits=limits)


def _batches(items: list[str], size: int, workers: int) -> list[list[str]]:
    """Batches of at most `size` items, as many as a multiple of `workers` and of even size, so no
    worker idles while another finishes one more batch (a small run is spread over every core)."""
    if not items:
        return []
    count = -(-len(items) // size)
    count = min(len(items), -(-count // workers) * workers)
    base, extra = divmod(len(items), count)
    bounds = [0]
    for number in range(count):
        bounds.append(bounds[-1] + base + (number < extra))
    return [items[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def run_ingest(paths: list[str], db: str | None = None, batch_size: int | None = None, *,
               task_runner: TaskRunnerName = "process", workers: int | None = None,
               dask_address: str | None = None) -> dict[str, Any]:
    """Run `ingest_flow` on the chosen task runner (see flows/runners.py); return the run's summary."""
    workers = workers or default_workers()
    runner = build_task_runner(task_runner, workers=workers, dask_address=dask_address)
    return ingest_flow.with_options(task_runner=runner)(
        paths, db=db, batch_size=batch_size, task_runner=task_runner, workers=workers)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep what the process held before the block out of the collector's reach during it.

    The flow collects after each batch (see there); a full collection walks every object of the
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


@flow(name="ingest", persist_result=False)
def ingest_flow(paths: list[str], db: str | None = None, batch_size: int | None = None,
                task_runner: TaskRunnerName = "process", workers: int | None = None) -> dict[str, Any]:
    """Ingest the report files under `paths` into the warehouse; return the run's summary.

    `task_runner` says where the batch work runs ("process": a local pool of `workers` processes,
    default every core; "dask": the flow's Dask task runner, see `run_ingest`)."""
    logger = get_run_logger()
    workers = workers or default_workers()
    # On Dask the whole task runs on a worker process already: no pool of our own there.
    pool_workers = workers if task_runner == "process" else 1
    window = workers + 1 if task_runner == "process" else 2 * workers
    settings = Settings.for_run(db, batch_size=batch_size)
    where = describe(settings.target)
    discovered, refused_links = discover_inputs(paths)
    files = [str(path) for path in discovered]
    batches = _batches(files, settings.batch_size, workers)
    progress = IngestProgress(files_total=len(files), batches_total=len(batches))
    _notify(progress)
    logger.info("%d files in %d batches -> %s", len(files), len(batches), where)

    tally = RunTally()
    def commit() -> AbstractContextManager[None]:  # many writers on a lake: their commits take turns
        return commit_lock(settings.target, settings.lock_wait_s)

    # a file warehouse: a private copy, published when the run ends (created and migrated if needed)
    with writing(settings.target, holder=f"ingest run {flow_run.name}", wait_s=settings.lock_wait_s,
                 memory_limit=settings.writer_memory_limit, on_wait=logger.warning, exclusive=False) as conn:
        with commit():
            run_id = start_run(
                conn, flow="ingest",
                params={"paths": list(paths), "db": where, "batch_size": settings.batch_size,
                        "task_runner": task_runner, "workers": workers},
            )
        try:
            def submit(index: int) -> Any:
                return process_batch_task.with_options(task_run_name=f"batch-{index + 1}-of-{len(batches)}").submit(
                    batches[index], settings.archive_path, settings.max_file_bytes, pool_workers,
                    settings.read_limits)

            with _heap_frozen():  # before the first batch is submitted: every batch is collectable
                # A bounded window of batches in flight: the workers stay busy while the flow loads,
                # and memory holds `window` batches at most, whatever the size of the run.
                for index, prepared in results_in_order(len(batches), window, submit):
                    number = index + 1
                    with commit():
                        stats = load_prepared(conn, run_id, prepared)
                    tally.add_batch(prepared, stats.outcomes)
                    tally.add_counts(stats.loaded, stats.rejected, stats.unchanged)
                    progress = IngestProgress(
                        files_total=len(files), batches_total=len(batches),
                        files_done=tally.files_seen, batches_done=number,
                        loaded=tally.loaded, rejected=tally.rejected, unchanged=tally.unchanged,
                    )
                    _notify(progress)
                    logger.info("batch %d/%d: %d loaded, %d rejected, %d unchanged",
                                number, len(batches), stats.loaded, stats.rejected, stats.unchanged)
                    del prepared
                    # Prefect's future and its concurrent future refer to each other (a done callback),
                    # so the batch in the future's state is freed only by a full cyclic collection, which
                    # a run with few but large objects rarely triggers: without this, a 100k run kept ~12
                    # MB per batch until the end (+0.6 GiB). Cheap in `_heap_frozen`.
                    gc.collect()
            if refused_links:  # links out of the input folder: never read, counted as rejected
                refused = prepare_batch([unread(storable(str(path)), reason) for path, reason in refused_links])
                with commit():
                    stats = load_prepared(conn, run_id, refused)
                tally.add_batch(refused, stats.outcomes)
                tally.add_counts(stats.loaded, stats.rejected, stats.unchanged)
            tally.check_balanced(len(files) + len(refused_links))
        except BaseException as exc:
            with commit():
                _finish_failed(conn, run_id, tally, where, exc)
            # Prefect keeps the exception in the run's state, and with it every frame of its
            # traceback: drop those frames' locals (batches of texts, connections) so they can be
            # freed. File names and line numbers stay for the traceback.
            traceback.clear_frames(exc.__traceback__)
            raise
        summary = tally.summary(run_id, where, status="completed")
        with commit():
            finish_run(
                conn, run_id, files_seen=tally.files_seen, loaded=tally.loaded, rejected=tally.rejected,
                unchanged=tally.unchanged, status="completed", summary=summary,
            )
    del conn  # this frame too may outlive the run in a failed state's traceback (see above)

    create_table_artifact(
        table=artifact_rows(summary),
        key=SUMMARY_ARTIFACT_KEY,
        description=(f"Ingest run {run_id}: {summary['files_seen']} files seen, {summary['loaded']} loaded, "
                     f"{summary['unchanged']} unchanged, {summary['rejected']} rejected."),
    )
    return summary


def _finish_failed(conn: duckdb.DuckDBPyConnection, run_id: str, tally: RunTally, db: str, exc: BaseException) -> None:
    """Record the failed (or interrupted) run; never let a second error hide the first."""
    status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
    summary = tally.summary(run_id, db, status=status)
    summary["error"] = f"{type(exc).__name__}: {exc}"
    try:
        finish_run(
            conn, run_id, files_seen=tally.files_seen, loaded=tally.loaded, rejected=tally.rejected,
            unchanged=tally.unchanged, status=status, summary=summary,
        )
    except Exception as finish_error:  # the original exception is what the user must see
        get_run_logger().error("could not record the failed run %s: %s", run_id, finish_error)
