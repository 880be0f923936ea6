"""The revalidate flow: run the rules again over the facts already in the warehouse.

select reports -> cut into batches -> per batch one step validating its fact frames (corrections
applied) on the worker pool -> replace those reports' findings and status, one transaction per batch,
in batch order (findings history recorded) -> one `runs` row. The next batches' facts are read while
the pool validates (findings never change facts, so reading ahead is safe). No file is read; with
`reextract`, each report's archived bytes are extracted again and its facts and findings replaced.
Steps are Prefect tasks in a flow run when a Prefect API records runs, else run directly (flows/orchestrator.py).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows import orchestrator as orchestration
from flows import runners
from flows.settings import Settings, describe
from tasks import revalidate as revalidation
from tasks.corrections import effective_frames
from tasks.runs import recorded_run
from warehouse.writer import writing

FLOW_NAME = "revalidate"


def validate_on_pool(frames: dict[str, pd.DataFrame], doc_shas: list[str], pool_workers: int) -> pd.DataFrame:
    return runners.run_in_pool(pool_workers, revalidation.validate_batch, frames, doc_shas)  # CPU-bound pandas


VALIDATE_BATCH = orchestration.Step("validate-batch", validate_on_pool)
REEXTRACT_BATCH = orchestration.Step("reextract-batch", revalidation.reextract_batch)


def run_revalidate(selection: revalidation.Selection, *, reextract: bool = False, db: str | None = None,
                   batch_size: int | None = None, workers: int | None = None,
                   orchestrator: orchestration.Orchestrator = "auto") -> dict[str, Any]:
    """Revalidate the selection; a Prefect flow run when `uses_prefect`, the same steps directly otherwise."""
    workers = workers or runners.default_workers()
    if not orchestration.uses_prefect(orchestrator):
        with orchestration.direct_steps(threads=workers + 1, log_name="jixiao.revalidate") as steps:
            return revalidate(selection, reextract, db, batch_size, workers, steps)
    return orchestration.prefect_flow(FLOW_NAME, _revalidate_flow)(
        **asdict(selection), reextract=reextract, db=db, batch_size=batch_size, workers=workers)


def _revalidate_flow(status: str | None = None, year: int | None = None, unit: str | None = None,
                     rule: str | None = None, all_versions: bool = False, reextract: bool = False,
                     db: str | None = None, batch_size: int | None = None, workers: int | None = None,
                     ) -> dict[str, Any]:
    """Revalidate (or re-extract) the selected reports (a Prefect flow run); return the run's summary."""
    selection = revalidation.Selection(status=status, year=year, unit=unit, rule=rule, all_versions=all_versions)
    return revalidate(selection, reextract, db, batch_size, workers or runners.default_workers(),
                      orchestration.PrefectSteps())


def revalidate(selection: revalidation.Selection, reextract: bool, db: str | None, batch_size: int | None, workers: int,
               steps: orchestration.RunSteps) -> dict[str, Any]:
    """The steps of a revalidation run, in order, whoever runs them; returns the run's summary."""
    settings = Settings.for_run(db)
    # re-extraction holds the texts of a batch, like ingest; revalidation holds only facts
    size = batch_size or (settings.batch_size if reextract else settings.revalidate_batch_size)
    with writing(settings.target, holder=f"revalidate run {steps.run_name}", wait_s=settings.lock_wait_s,
                 on_wait=steps.log.warning) as conn:
        selected = revalidation.select_reports(conn, selection)
        tally = revalidation.RevalidationTally(db=describe(settings.target), selected=len(selected), reextract=reextract)
        params = {**asdict(selection), "reextract": reextract, "db": tally.db, "batch_size": size, "workers": workers}
        batches = [selected[start:start + size] for start in range(0, len(selected), size)]
        with recorded_run(conn, flow=FLOW_NAME, params=params, outcome=tally.record,
                          log_error=steps.log.error) as run:
            if reextract:
                _reextract_in_order(conn, run.run_id, batches, settings.archive_path, steps, tally)
            else:
                _revalidate_in_order(conn, run.run_id, batches, workers, steps, tally)
    del conn  # a failed run's traceback may keep this frame: not the connection with it
    return run.summary


def _revalidate_in_order(conn: duckdb.DuckDBPyConnection, run_id: str, batches: list[list[revalidation.SelectedReport]],
                         workers: int, steps: orchestration.RunSteps, tally: revalidation.RevalidationTally) -> None:
    """Validate the batches on the pool, a window of them in flight so every worker stays busy while
    this process reads facts and writes findings; apply the findings in batch order."""
    pool_workers = workers if len(batches) > 1 else 1  # one batch has nothing to overlap with: no pool

    def submit(number: int) -> Any:
        shas = [report.sha256 for report in batches[number]]
        return steps.submit(VALIDATE_BATCH, _name(number, batches), effective_frames(conn, shas), shas, pool_workers)

    for number, findings in runners.results_in_order(len(batches), workers + 1, submit):
        shas = [report.sha256 for report in batches[number]]
        tally.add(shas, revalidation.apply_findings(conn, run_id, shas, findings))
        steps.log.info("%s: %d reports revalidated", _name(number, batches), len(shas))


def _reextract_in_order(conn: duckdb.DuckDBPyConnection, run_id: str, batches: list[list[revalidation.SelectedReport]],
                        archive: Path, steps: orchestration.RunSteps, tally: revalidation.RevalidationTally) -> None:
    for number, batch in enumerate(batches):
        outcomes = steps.call(REEXTRACT_BATCH, _name(number, batches), batch, archive)
        done, kept = revalidation.reextracted_and_kept(batch, outcomes)
        shas = [sha for sha, _ in done]
        items = [item for _, item in done]
        tally.add(shas, revalidation.apply_reextraction(conn, run_id, items, shas) if shas else None, kept)
        steps.log.info("%s: %d reports re-extracted", _name(number, batches), len(shas))


def _name(number: int, batches: list[Any]) -> str:
    return f"batch-{number + 1}-of-{len(batches)}"


def __getattr__(name: str) -> Any:
    # Prefect's flow (bench/run.py), made on first use: a direct run never imports Prefect
    if name == "revalidate_flow":
        return orchestration.prefect_flow(FLOW_NAME, _revalidate_flow)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
