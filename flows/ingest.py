"""The ingest flow: discover files -> even batches -> per batch one step on the worker pool (read, archive,
extract, validate, Arrow tables: `tasks.batch`) -> load each batch in order, one transaction each, through
the one writer connection -> one `runs` row (count in = count out checked), under Prefect an artifact.

Steps are Prefect tasks (one per batch, never per document) in a flow run when a Prefect API records runs,
and run directly otherwise: same batches, pool, retries, warehouse (flows/orchestrator.py). A bounded
window of batches is in flight, so memory stays flat whatever the size of the run.
"""

from __future__ import annotations

import gc
from functools import partial
from pathlib import Path
from typing import Any

from flows import orchestrator as orchestration
from flows import runners
from flows.discover import discover_inputs
from flows.progress import notify_progress
from flows.progress import progress_reported_to as progress_reported_to  # re-exported (tests, the CLI)
from flows.settings import Settings, describe
from tasks.accounting import RunTally as RunTally  # re-exported: tested with the flow
from tasks.accounting import artifact_rows, artifact_title
from tasks.batch import READ_RETRIES, even_batches, read_and_prepare_batch, refused_batch
from tasks.formats.limits import ReadLimits
from tasks.load import PreparedBatch, load_prepared
from tasks.runs import recorded_run
from warehouse.writer import commit_lock, writing

SUMMARY_ARTIFACT_KEY = "ingest-summary"
SMALL_RUN_FILES = 200  # one batch this small runs inline: starting the pool costs more (39 files: ~1 s)


def process_batch(paths: list[str], archive_dir: Path, max_file_bytes: int, pool_workers: int,
                  limits: ReadLimits | None, *, last_attempt: bool) -> PreparedBatch:
    # On the pool (if any). Transient IO errors fail an attempt (retried); the last makes them rejections.
    return runners.run_in_pool(pool_workers, read_and_prepare_batch, paths, archive_dir, max_file_bytes,
                               raise_transient_io=not last_attempt, limits=limits)


PROCESS_BATCH = orchestration.Step("process-batch", process_batch, retries=READ_RETRIES)


def run_ingest(paths: list[str], db: str | None = None, batch_size: int | None = None, *,
               task_runner: runners.TaskRunnerName = "process", workers: int | None = None,
               dask_address: str | None = None, orchestrator: orchestration.Orchestrator = "auto") -> dict[str, Any]:
    """Ingest `paths`; return the summary: a Prefect flow run when `uses_prefect`, else the steps directly."""
    workers = workers or runners.default_workers()
    if not orchestration.uses_prefect(orchestrator, task_runner):
        with orchestration.direct_steps(threads=workers + 1, log_name="jixiao.ingest") as steps:
            return ingest(paths, db, batch_size, task_runner, workers, steps)
    runner = runners.build_task_runner(task_runner, workers=workers, dask_address=dask_address)
    with orchestration.paths_parameter(paths) as (listed, paths_file):
        return orchestration.prefect_flow("ingest", _ingest_flow).with_options(task_runner=runner)(
            listed, db=db, batch_size=batch_size, task_runner=task_runner, workers=workers, paths_file=paths_file)


def _ingest_flow(paths: list[str], db: str | None = None, batch_size: int | None = None,
                 task_runner: runners.TaskRunnerName = "process", workers: int | None = None,
                 paths_file: str | None = None) -> dict[str, Any]:
    """Ingest the files under `paths` (and listed in `paths_file`) into the warehouse; return the summary."""
    from prefect.artifacts import create_table_artifact  # in a flow run: Prefect is imported already
    summary = ingest([*paths, *orchestration.listed_paths(paths_file)], db, batch_size, task_runner,
                     workers or runners.default_workers(), orchestration.PrefectSteps())
    create_table_artifact(table=artifact_rows(summary), key=SUMMARY_ARTIFACT_KEY, description=artifact_title(summary))
    return summary


def ingest(paths: list[str], db: str | None, batch_size: int | None, task_runner: runners.TaskRunnerName,
           workers: int, steps: orchestration.RunSteps) -> dict[str, Any]:
    """The steps of an ingest run, in order, whoever runs them; returns the run's summary."""
    settings = Settings.for_run(db, batch_size=batch_size)
    discovered, refused_links = discover_inputs(paths)
    if task_runner == "process" and len(discovered) <= min(settings.batch_size, SMALL_RUN_FILES):
        workers = 1
    batches = even_batches([str(path) for path in discovered], settings.batch_size, workers)
    tally = RunTally(db=describe(settings.target), files_total=len(discovered), batches_total=len(batches))
    notify_progress(tally.progress())
    steps.log.info("%d files in %d batches -> %s", len(discovered), len(batches), tally.db)
    pool_workers, window = (workers, workers + 1) if task_runner == "process" else (1, 2 * workers)  # Dask: no pool
    params = dict(paths=list(paths), db=tally.db, batch_size=settings.batch_size, task_runner=task_runner, workers=workers)
    commit = partial(commit_lock, settings.target, settings.lock_wait_s)  # a lake's writers take turns

    def submit(index: int) -> Any:
        return steps.submit(PROCESS_BATCH, f"batch-{index + 1}-of-{len(batches)}", batches[index],
                            settings.archive_path, settings.max_file_bytes, pool_workers, settings.read_limits)

    # a file warehouse: a private copy, published when the run ends (created and migrated if needed)
    with writing(settings.target, holder=f"ingest run {steps.run_name}", wait_s=settings.lock_wait_s,
                 memory_limit=settings.writer_memory_limit, on_wait=steps.log.warning, exclusive=False) as conn, \
            recorded_run(conn, flow="ingest", params=params, outcome=tally.record, log_error=steps.log.error,
                         commit=commit) as run:
        with runners.heap_frozen():  # before the first batch is submitted: every batch is collectable
            for _, prepared in runners.results_in_order(len(batches), window, submit):
                with commit():
                    stats = load_prepared(conn, run.run_id, prepared)
                tally.add(prepared, stats)
                notify_progress(tally.progress())
                steps.log.info("batch %d/%d: %d loaded, %d rejected, %d unchanged", tally.batches_done,
                               len(batches), stats.loaded, stats.rejected, stats.unchanged)
                # Prefect's futures keep a batch in a reference cycle: collect (cheap, frozen; +0.6 GiB at 100k)
                del prepared
                gc.collect()
        if refused_links:  # links out of the input folder: never read, counted as rejected
            refused = refused_batch(refused_links)
            with commit():
                stats = load_prepared(conn, run.run_id, refused)
            tally.add(refused, stats, counts_as_batch=False)
        tally.check_balanced(len(discovered) + len(refused_links))
    del conn  # a failed run's traceback may keep this frame: not the connection with it
    return run.summary


def __getattr__(name: str) -> Any:
    # Prefect's flow and task (flows/yearly.py, tests), made on first use: a direct run never imports Prefect
    if name == "ingest_flow":  # its task: orchestration.prefect_task(PROCESS_BATCH)
        return orchestration.prefect_flow("ingest", _ingest_flow)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
