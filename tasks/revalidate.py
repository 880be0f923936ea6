"""Revalidation's steps as plain functions (no Prefect): select reports, validate or re-extract a batch,
write the results back in one transaction per batch, and the run's summary.

The selection is one function (`select_reports`), used by `--dry-run` too, so a dry run lists exactly
what a real run then touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.schemas import RULE_BY_NAME
from tasks.archive import archived_path
from tasks.corrections import effective_frames
from tasks.frames import FACT_TABLES
from tasks.history import RunChanges, replace_findings
from tasks.load import insert_fact_rows
from tasks.models import Processed
from tasks.pipeline import process_batch
from tasks.runs import RunRecord
from tasks.validate import validate_frames
from warehouse.queries import query
from warehouse.transactions import transaction


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
    rows = conn.execute(query("revalidate/select_reports"), asdict(selection)).fetchall()
    return [SelectedReport(*row) for row in rows]


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


def reextracted_and_kept(reports: Sequence[SelectedReport], outcomes: Sequence[Processed | str]
                         ) -> tuple[list[tuple[str, Processed]], list[dict[str, str]]]:
    """(sha256, Processed) of the reports that extracted again, and {path, reason} of those kept as
    they were (bytes missing from the archive, or no longer read)."""
    done: list[tuple[str, Processed]] = []
    kept: list[dict[str, str]] = []
    for report, item in zip(reports, outcomes, strict=True):
        if isinstance(item, Processed) and item.facts is not None:
            done.append((report.sha256, item))
        else:
            kept.append({"path": report.path, "reason": item if isinstance(item, str) else str(item.reject_reason)})
    return done, kept


def apply_findings(conn: duckdb.DuckDBPyConnection, run_id: str, shas: Sequence[str],
                   findings: pd.DataFrame) -> RunChanges:
    """Replace the findings and status of `shas` in one transaction."""
    with transaction(conn):
        return replace_findings(conn, run_id, shas, findings)


def apply_reextraction(conn: duckdb.DuckDBPyConnection, run_id: str, items: Sequence[Processed],
                       shas: Sequence[str]) -> RunChanges:
    """Replace the facts (and then findings) of these document versions in one transaction.

    Findings come from the new facts with the corrections overlay, as revalidation computes them.
    """
    with transaction(conn):
        for table in FACT_TABLES:
            # One statement per fact table, its name from the fixed FACT_TABLES (never from input): a
            # warehouse/queries file per table would repeat the same line.
            conn.execute(f"DELETE FROM {table} WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[]))", [list(shas)])
        for sha, item in zip(shas, items, strict=True):
            facts, document = item.facts, item.document
            assert facts is not None
            conn.execute(query("revalidate/update_reextracted_document"),
                         [document.text or None, document.encoding, document.format, sha])
            conn.execute(query("revalidate/update_reextracted_report"),
                         [facts.unit_name, facts.region.get("province"), facts.region.get("city"),
                          facts.region.get("county"), facts.fiscal_year, facts.report_date, facts.report_kind,
                          facts.subject, sha])
        insert_fact_rows(conn, [(sha, item.facts) for sha, item in zip(shas, items, strict=True)
                                if item.facts is not None])
        frames = effective_frames(conn, shas)
        return replace_findings(conn, run_id, shas, with_no_figures(validate_frames(frames), frames, shas))


@dataclass(slots=True)
class RevalidationTally:
    """What a revalidation run did so far, and its summary."""

    db: str
    selected: int
    reextract: bool
    changes: RunChanges = field(default_factory=lambda: RunChanges(status_changes={}))
    touched: list[str] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)

    def add(self, shas: Sequence[str], changes: RunChanges | None, kept: Sequence[dict[str, str]] = ()) -> None:
        if changes is not None:
            self.changes.add(changes)
        self.touched += shas
        self.kept += kept

    def summary(self, run_id: str, error: str | None = None) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "run_id": run_id, "db": str(self.db), "reextract": self.reextract, "selected": self.selected,
            "revalidated": len(self.touched), "raised": self.changes.raised, "cleared": self.changes.cleared,
            "persisting": self.changes.persisting, "status_changes": self.changes.status_changes or {},
            "kept": list(self.kept),
        }
        if error:
            summary["error"] = error
        return summary

    def record(self, run_id: str, status: str, error: str | None) -> RunRecord:
        """The run's `runs` row: with --reextract, the archived files read and loaded again."""
        return RunRecord(files_seen=self.selected if self.reextract else 0,
                         loaded=len(self.touched) if self.reextract else 0, rejected=len(self.kept), unchanged=0,
                         summary=self.summary(run_id, error))
