"""An ingest run's accounting, batch by batch: counts, rejections, findings, money figures, progress.

Plain data (no Prefect, no database): the flow feeds it each loaded batch and its outcomes; it checks
count in = count out at the end and turns into the run's summary (`runs.summary`, the CLI's output,
the Prefect artifact's rows).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tasks.models import money_figures

if TYPE_CHECKING:  # tasks.load imports pyarrow and duckdb: not for the CLI's summary rendering
    from tasks.load import BatchStats, PreparedBatch
    from tasks.runs import RunRecord

# The run's file counts, in the order and with the labels the summary shows them.
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("files_seen", "files seen"), ("loaded", "loaded"), ("unchanged", "unchanged"), ("rejected", "rejected"))


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """Where a run is, for the CLI's progress bar: announced after discovery, then after each batch."""

    files_total: int
    batches_total: int
    files_done: int = 0
    batches_done: int = 0
    loaded: int = 0
    rejected: int = 0
    unchanged: int = 0


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
    db: str = ""  # the warehouse, as the summary names it
    files_total: int = 0  # discovered, for the progress
    batches_total: int = 0
    batches_done: int = 0

    def add(self, batch: PreparedBatch, stats: BatchStats, *, counts_as_batch: bool = True) -> None:
        """A loaded batch and what happened to each of its files; `counts_as_batch`: one of the run's
        `batches_total` (the run's refused links are loaded as an extra batch that is not)."""
        self.add_batch(batch, stats.outcomes)
        self.add_counts(stats.loaded, stats.rejected, stats.unchanged)
        self.batches_done += counts_as_batch

    def add_batch(self, batch: PreparedBatch, outcomes: list[Any]) -> None:
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

    def progress(self) -> IngestProgress:
        return IngestProgress(files_total=self.files_total, batches_total=self.batches_total,
                              files_done=self.files_seen, batches_done=self.batches_done,
                              loaded=self.loaded, rejected=self.rejected, unchanged=self.unchanged)

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

    def summary(self, run_id: Any, status: str) -> dict[str, Any]:
        severity_order = {"error": 0, "warning": 1}
        findings = sorted(
            self.findings.items(), key=lambda item: (severity_order.get(item[0][1], 2), -item[1], item[0][0])
        )
        return {
            "run_id": run_id,
            "status": status,
            "db": str(self.db),
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

    def record(self, run_id: str, status: str, error: str | None) -> RunRecord:
        """What the run's `runs` row gets when it ends (`tasks.runs.recorded_run`)."""
        from tasks.runs import RunRecord

        summary = self.summary(run_id, status)
        if error:
            summary["error"] = error
        return RunRecord(files_seen=self.files_seen, loaded=self.loaded, rejected=self.rejected,
                         unchanged=self.unchanged, summary=summary)


def artifact_title(summary: dict[str, Any]) -> str:
    """The one-line description of the summary's artifact."""
    return (f"Ingest run {summary['run_id']}: {summary['files_seen']} files seen, {summary['loaded']} loaded, "
            f"{summary['unchanged']} unchanged, {summary['rejected']} rejected.")


def artifact_rows(summary: dict[str, Any]) -> list[dict[str, str]]:
    """The summary as one flat table (section, item, value) for Prefect's `create_table_artifact`."""
    rows = [{"section": "run", "item": "run_id", "value": str(summary["run_id"])},
            {"section": "run", "item": "status", "value": str(summary["status"])}]
    rows += [{"section": "files", "item": label, "value": str(summary[key])} for key, label in COUNT_LABELS]
    rows += [{"section": "rejected", "item": item["path"], "value": item["reason"]}
             for item in summary["rejections"]]
    rows += [{"section": "findings", "item": f"{item['rule']} ({item['severity']})", "value": str(item["count"])}
             for item in summary["findings"]]
    rows += [{"section": "reports", "item": status, "value": str(count)}
             for status, count in summary["report_status"].items()]
    money = summary.get("money_figures")
    if money:
        rows += [{"section": "money figures", "item": key, "value": str(value)} for key, value in money.items()]
    return rows
