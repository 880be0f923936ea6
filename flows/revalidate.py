"""The revalidate flow: run the rules again over the facts already in the warehouse.

select reports (status / year / unit / rule) -> cut into batches -> per batch ONE Prefect task that
validates the batch's fact frames (corrections applied as an overlay) on the worker pool -> the flow
replaces those reports' findings and status in one transaction, recording the findings history -> one
`runs` row. The flow reads the next batches' facts while the pool validates (findings never change
facts, so reading ahead is safe) and applies the results in batch order through its one connection.

No file is read: the facts come from the warehouse. With `reextract`, the archived bytes of each
report are read and extracted again (after an extractor fix), and that document version's facts and
findings are replaced in one transaction per batch.

The selection is one function (`select_reports`), used by `--dry-run` too, so a dry run lists
exactly what a real run then touches.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from expectations.schemas import RULE_BY_NAME
from flows.runners import default_workers, results_in_order, run_in_pool
from flows.settings import Settings, describe
from tasks.archive import archived_path
from tasks.corrections import effective_frames
from tasks.frames import FACT_TABLES
from tasks.history import RunChanges, replace_findings
from tasks.load import finish_run, insert_fact_rows, start_run
from tasks.models import Processed
from tasks.pipeline import process_batch
from tasks.validate import validate_frames
from warehouse.writer import writing

FLOW_NAME = "revalidate"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which reports to revalidate; every criterion given must hold."""

    status: str | None = None  # passed / warning / failed
    year: int | None = None
    unit: str | None = None  # part of the unit name
    rule: str | None = None  # reports with a current finding of this rule
    all_versions: bool = False  # older versions of a file too (default: the latest only)


@dataclass(frozen=True, slots=True)
class SelectedReport:
    sha256: str
    path: str
    file_name: str
    unit_name: str | None
    fiscal_year: int | None
    status: str


def select_reports(conn: duckdb.DuckDBPyConnection, selection: Selection) -> list[SelectedReport]:
    """The reports a run with this selection touches, in a stable order (year, path)."""
    rows = conn.execute(
        """
        SELECT r.sha256, d.path, d.file_name, r.unit_name, r.fiscal_year, r.status
        FROM reports AS r JOIN v_documents AS d ON d.sha256 = r.sha256
        WHERE ($all_versions OR d.is_latest)
          AND ($status IS NULL OR r.status = $status)
          AND ($year IS NULL OR r.fiscal_year = $year)
          AND ($unit IS NULL OR contains(r.unit_name, $unit))
          AND ($rule IS NULL OR EXISTS (
                SELECT 1 FROM findings AS f WHERE f.doc_sha256 = r.sha256 AND f.rule = $rule))
        ORDER BY r.fiscal_year NULLS LAST, d.path, d.version
        """,
        asdict(selection),
    ).fetchall()
    return [SelectedReport(*row) for row in rows]


# --- the batch work: plain functions, no Prefect -------------------------------------------------


def validate_batch(frames: dict[str, pd.DataFrame], doc_shas: Sequence[str]) -> pd.DataFrame:
    """The findings of a batch of reports from their (effective) fact frames."""
    return with_no_figures(validate_frames(frames), frames, doc_shas)


def with_no_figures(findings: pd.DataFrame, frames: dict[str, pd.DataFrame], doc_shas: Sequence[str]) -> pd.DataFrame:
    """Add the `no_figures` warning for reports without a single fact, as `tasks.pipeline` does at ingest
    (that rule lives in the pipeline, not in `validate_frames`; without this a revalidation would drop it)."""
    definition = RULE_BY_NAME.get("no_figures")
    with_facts = set().union(*(set(frame["doc_sha256"]) for frame in frames.values()))
    empty = [sha for sha in doc_shas if sha not in with_facts]
    if definition is None or not empty:
        return findings
    flagged = pd.DataFrame({"doc_sha256": empty, "rule": definition.rule, "severity": definition.severity,
                            "message": definition.template, "fact_ids": [[] for _ in empty]})
    return pd.concat([findings, flagged], ignore_index=True) if len(findings) else flagged


def reextract_batch(reports: Sequence[SelectedReport], archive_dir: Path) -> list[Processed | str]:
    """Read each report's archived bytes and extract them again: a Processed per report, or the
    reason it cannot be re-extracted (bytes missing from the archive)."""
    outcomes: list[Processed | str | None] = []
    readable: list[tuple[int, str, bytes]] = []
    for report in reports:
        archived = archived_path(archive_dir, report.sha256)
        try:
            readable.append((len(outcomes), report.path, archived.read_bytes()))
            outcomes.append(None)
        except OSError as exc:
            outcomes.append(f"archived bytes not readable at {archived}: {exc.strerror or exc}")
    for (index, _, _), processed in zip(readable, process_batch([(p, data) for _, p, data in readable]),
                                        strict=True):
        outcomes[index] = processed
    return [outcome for outcome in outcomes if outcome is not None]


def apply_findings(conn: duckdb.DuckDBPyConnection, run_id: str, shas: Sequence[str],
                   findings: pd.DataFrame) -> RunChanges:
    """Replace the findings and status of `shas` in one transaction."""
    with _transaction(conn):
        return replace_findings(conn, run_id, shas, findings)


def apply_reextraction(conn: duckdb.DuckDBPyConnection, run_id: str, items: Sequence[Processed],
                       shas: Sequence[str]) -> RunChanges:
    """Replace the facts (and then findings) of these document versions in one transaction.

    Findings come from the new facts with the corrections overlay, as revalidation computes them.
    """
    with _transaction(conn):
        in_selection = "doc_sha256 IN (SELECT unnest(?::VARCHAR[]))"
        for table in FACT_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE {in_selection}", [list(shas)])
        for sha, item in zip(shas, items, strict=True):
            facts, document = item.facts, item.document
            assert facts is not None
            conn.execute("UPDATE documents SET canonical_text = ?, encoding = ?, format = ? WHERE sha256 = ?",
                         [document.text or None, document.encoding, document.format, sha])
            conn.execute(
                "UPDATE reports SET unit_name = ?, province = ?, city = ?, county = ?, fiscal_year = ?,"
                " report_date = ?, report_kind = ?, subject = ? WHERE sha256 = ?",
                [facts.unit_name, facts.region.get("province"), facts.region.get("city"),
                 facts.region.get("county"), facts.fiscal_year, facts.report_date, facts.report_kind,
                 facts.subject, sha],
            )
        insert_fact_rows(conn, [(sha, item.facts) for sha, item in zip(shas, items, strict=True)
                                if item.facts is not None])
        frames = effective_frames(conn, shas)
        return replace_findings(conn, run_id, shas, with_no_figures(validate_frames(frames), frames, shas))


@contextlib.contextmanager
def _transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # the original error is what matters
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --- Prefect ----------------------------------------------------------------------------------------


@task(name="validate-batch", cache_policy=NO_CACHE, persist_result=False)
def validate_batch_task(frames: dict[str, pd.DataFrame], doc_shas: list[str], pool_workers: int = 1) -> pd.DataFrame:
    # on the process's worker pool (flows.runners, one process per core): validation is CPU-bound pandas
    return run_in_pool(pool_workers, validate_batch, frames, doc_shas)


@task(name="reextract-batch", cache_policy=NO_CACHE, persist_result=False)
def reextract_batch_task(reports: list[SelectedReport], archive_dir: Path) -> list[Processed | str]:
    return reextract_batch(reports, archive_dir)


@flow(name=FLOW_NAME, persist_result=False)
def revalidate_flow(
    status: str | None = None,
    year: int | None = None,
    unit: str | None = None,
    rule: str | None = None,
    all_versions: bool = False,
    reextract: bool = False,
    db: str | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Revalidate (or re-extract) the selected reports from the warehouse; return the run's summary.

    `workers`: processes validating batches side by side (default: every core)."""
    logger = get_run_logger()
    workers = workers or default_workers()
    settings = Settings.for_run(db)
    where = describe(settings.target)
    # re-extraction holds the texts of a batch, like ingest; revalidation holds only facts
    size = batch_size or (settings.batch_size if reextract else settings.revalidate_batch_size)
    selection = Selection(status=status, year=year, unit=unit, rule=rule, all_versions=all_versions)
    with writing(settings.target, holder=f"revalidate run {flow_run.name}", wait_s=settings.lock_wait_s,
                 on_wait=logger.warning) as conn:
        selected = select_reports(conn, selection)
        params = {**asdict(selection), "reextract": reextract, "db": where,
                  "batch_size": size, "workers": workers}
        run_id = start_run(conn, flow=FLOW_NAME, params=params)
        changes = RunChanges(status_changes={})
        touched: list[str] = []
        kept: list[dict[str, str]] = []
        try:
            batches = [selected[start:start + size] for start in range(0, len(selected), size)]
            names = [f"batch-{number}-of-{len(batches)}" for number in range(1, len(batches) + 1)]
            if reextract:
                for batch, name in zip(batches, names, strict=True):
                    outcomes = reextract_batch_task.with_options(task_run_name=name)(batch, settings.archive_path)
                    done = [(report, item) for report, item in zip(batch, outcomes, strict=True)
                            if isinstance(item, Processed) and item.facts is not None]
                    kept += [{"path": report.path, "reason": item if isinstance(item, str) else str(item.reject_reason)}
                             for report, item in zip(batch, outcomes, strict=True)
                             if not (isinstance(item, Processed) and item.facts is not None)]
                    shas = [report.sha256 for report, _ in done]
                    if shas:
                        changes.add(apply_reextraction(conn, run_id, [item for _, item in done], shas))
                    touched += shas
                    logger.info("%s: %d reports re-extracted", name, len(shas))
            else:
                _revalidate_in_order(conn, run_id, batches, names, workers, changes, touched)
        except BaseException as exc:
            _finish(conn, run_id, "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed",
                    _summary(run_id, where, selected, touched, changes, kept, reextract,
                             error=f"{type(exc).__name__}: {exc}"))
            traceback.clear_frames(exc.__traceback__)
            raise
        summary = _summary(run_id, where, selected, touched, changes, kept, reextract)
        _finish(conn, run_id, "completed", summary)
    del conn
    return summary


def _revalidate_in_order(conn: duckdb.DuckDBPyConnection, run_id: str, batches: list[list[SelectedReport]],
                         names: list[str], workers: int, changes: RunChanges, touched: list[str]) -> None:
    """Validate the batches on the pool, a window of them in flight so every worker stays busy while
    this process reads facts and writes findings; apply the findings in batch order."""
    logger = get_run_logger()
    # one batch has nothing to overlap with: validated here, no pool to start
    pool_workers = workers if len(batches) > 1 else 1

    def submit(number: int) -> Any:
        shas = [report.sha256 for report in batches[number]]
        task_run = validate_batch_task.with_options(task_run_name=names[number])
        return task_run.submit(effective_frames(conn, shas), shas, pool_workers)

    for number, findings in results_in_order(len(batches), workers + 1, submit):
        shas = [report.sha256 for report in batches[number]]
        changes.add(apply_findings(conn, run_id, shas, findings))
        touched += shas
        logger.info("%s: %d reports revalidated", names[number], len(shas))

def _summary(run_id: str, db: str, selected: list[SelectedReport], touched: list[str], changes: RunChanges,
             kept: list[dict[str, str]], reextract: bool, error: str | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "run_id": run_id, "db": str(db), "reextract": reextract, "selected": len(selected),
        "revalidated": len(touched), "raised": changes.raised, "cleared": changes.cleared,
        "persisting": changes.persisting, "status_changes": changes.status_changes or {}, "kept": kept,
    }
    if error:
        summary["error"] = error
    return summary


def _finish(conn: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict[str, Any]) -> None:
    read = summary["selected"] if summary["reextract"] else 0  # files (archived bytes) read
    try:
        finish_run(conn, run_id, files_seen=read, loaded=summary["revalidated"] if summary["reextract"] else 0,
                   rejected=len(summary["kept"]), unchanged=0, status=status, summary=summary)
    except Exception as finish_error:  # on failure, the original exception is what the user must see
        if status == "completed":
            raise
        get_run_logger().error("could not record the failed run %s: %s", run_id, finish_error)
