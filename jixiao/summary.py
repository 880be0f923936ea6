"""Rendering of an ingest run's summary for the terminal (rich; the Prefect artifact's rows: tasks.accounting).

The summary is the plain dict `flows.ingest.run_ingest` returns (and stores in `runs.summary`):
run_id, status, db, files_seen, loaded, unchanged, rejected, rejections [{path, reason}],
findings [{rule, severity, count}], report_status {passed, warning, failed},
money_figures {classified, unclassified, classified_pct}.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tasks.accounting import COUNT_LABELS
from tasks.models import money_figures
from tasks.safe_text import for_terminal
from warehouse.queries import query

# Pasted by an analyst after a run: one line per report, its headline figures and validation result.
EXAMPLE_QUERY = " ".join(query("findings/example_report_summary").split())  # one line, to paste whole


def money_line(classified: int, unclassified: int) -> str:
    """"money figures: 120 classified, 6 unclassified (95.2% classified)"."""
    pct = money_figures(classified, unclassified)["classified_pct"]
    share = f" ({pct:.1f}% classified)" if pct is not None else ""
    return f"money figures: {classified} classified, {unclassified} unclassified{share}"


def example_command(db: str | Path | None = None, default_db: str | Path | None = None) -> str:
    """A `jixiao sql` command line to paste; names the warehouse when it is not the default one."""
    parts = ["jixiao", "sql", EXAMPLE_QUERY]
    if db is not None and (default_db is None or Path(db) != Path(default_db)):
        parts += ["--db", str(db)]
    return shlex.join(parts)


def _shown(value: Any) -> Text:
    # File names, rejection reasons and the warehouse path are data: never markup, no control characters.
    return Text(for_terminal(str(value)))


def render_summary(summary: dict[str, Any], console: Console, default_db: str | Path | None = None) -> None:
    """Print the run's counts, rejections, findings and an example query."""
    console.print(Text.assemble(("Ingest run", "bold"), " ", _shown(f"{summary['run_id']}: {summary['status']}  ->  "
                                                                     f"{summary['db']}")), highlight=False)
    console.print("  ".join(f"{label}: [bold]{summary[key]}[/bold]" for key, label in COUNT_LABELS), highlight=False)

    if summary["rejections"]:
        rejected = Table(title="Rejected files", title_justify="left")
        rejected.add_column("file", overflow="fold")
        rejected.add_column("reason", overflow="fold")
        for item in summary["rejections"]:
            rejected.add_row(_shown(item["path"]), _shown(item["reason"]))
        console.print(rejected)

    if summary["findings"]:
        findings = Table(title="Findings by rule and severity", title_justify="left")
        findings.add_column("rule")
        findings.add_column("severity")
        findings.add_column("count", justify="right")
        for item in summary["findings"]:
            style = "red" if item["severity"] == "error" else "yellow"
            findings.add_row(_shown(item["rule"]), Text(for_terminal(item["severity"]), style=style), str(item["count"]))
        console.print(findings)
    else:
        console.print("Findings: none.")

    statuses = summary["report_status"]
    console.print("Reports: " + ", ".join(f"{status} {count}" for status, count in statuses.items()),
                  highlight=False)
    money = summary.get("money_figures")
    if money:
        console.print(money_line(money["classified"], money["unclassified"]).capitalize(), highlight=False)
    console.print("Try:", style="bold")
    # soft_wrap: the command stays on one line however narrow the terminal, so it pastes whole.
    console.print(_shown(example_command(summary["db"], default_db)), soft_wrap=True, highlight=False)
