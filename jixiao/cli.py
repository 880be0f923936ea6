"""The `jixiao` command line: ingest reports, extract facts, list findings, query the warehouse.

Heavy imports (Prefect, the extractor) happen inside the commands that need them, so `--help` and
the warehouse commands start fast and `extract` never starts Prefect.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from jixiao import __version__, prefect_env
from jixiao.commands import register_commands
from jixiao.commands.revalidate import PrefectOption
from jixiao.console import (
    DbOption,
    InputPaths,
    default_db,
    fail,
    flow_errors_as_one_line,
    open_warehouse,
    render_table,
    resolve_target,
    run_query,
    shown,
    stderr_console,
    stdout_console,
)
from jixiao.output_formats import OutputFormat, default_format, is_terminal, render
from jixiao.settings import Settings, describe
from jixiao.summary import money_line, render_summary

if TYPE_CHECKING:
    from tasks.accounting import IngestProgress
    from tasks.models import Processed

prefect_env.apply()  # before anything imports Prefect

app = typer.Typer(
    name="jixiao",
    help="绩效 jixiao: performance self-evaluation reports -> a validated DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

class ReportStatus(StrEnum):
    failed = "failed"
    warning = "warning"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jixiao {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    # Our own log lines go to stderr: stdout is reserved for results (extract --json is piped).
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# --- ingest ---------------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: InputPaths,
    db: DbOption = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, show_default=False,
        help="Most files per batch: one Prefect task and one transaction each; a run is cut into even batches, a multiple of the workers (default: $JIXIAO_BATCH_SIZE, else 1000).",
    )] = None,
    task_runner: Annotated[str, typer.Option(
        "--task-runner", help="Where batches run: 'process' (a local process pool) or 'dask' (prefect-dask).",
    )] = "process",
    dask_address: Annotated[str | None, typer.Option(
        "--dask-address", show_default=False,
        help="Scheduler of an existing Dask cluster (tcp://host:8786); default: a local cluster. Needs --task-runner dask.",
    )] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, show_default=False,
        help="Worker processes for the batch work (default: every core).",
    )] = None,
    prefect: PrefectOption = False,
) -> None:
    """Read, extract, validate and load report files into the warehouse.

    A Prefect flow run when a Prefect API is configured (PREFECT_API_URL), with --prefect, or on Dask;
    otherwise the same steps run directly, without starting Prefect. Exits 0 when the run completes,
    even with findings or rejected files; 1 when the run failed. Re-running over the same files changes
    nothing but adds its own `runs` row.
    """
    from flows.ingest import run_ingest  # the pipeline's imports: slow, so only here
    from flows.progress import progress_reported_to
    from flows.runners import TASK_RUNNERS

    if task_runner not in TASK_RUNNERS:
        raise typer.BadParameter(f"choose one of {', '.join(TASK_RUNNERS)}", param_hint="--task-runner")
    if dask_address and task_runner != "dask":
        raise typer.BadParameter("needs --task-runner dask", param_hint="--dask-address")
    resolve_target(db)  # a malformed warehouse URL: one line now, not a failed flow run
    err = stderr_console()
    with flow_errors_as_one_line("ingest"), _progress_display(err) as show_progress, \
            progress_reported_to(show_progress):
        summary = run_ingest([str(path) for path in paths], db=str(db) if db else None,
                             batch_size=batch_size, task_runner=task_runner,  # type: ignore[arg-type]
                             workers=workers, dask_address=dask_address,
                             orchestrator="prefect" if prefect else "auto")
    render_summary(summary, stdout_console(), default_db=describe(default_db()))


@contextlib.contextmanager
def _progress_display(err: Console) -> Iterator[Callable[[IngestProgress], None]]:
    """A progress bar on a terminal; plain lines on stderr otherwise (logs, CI, pipes)."""
    if not err.is_terminal:
        yield _log_progress
        return
    columns = (TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TextColumn("batch {task.fields[batch]}"), TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task_id = bar.add_task("ingest", total=None, batch="-")

        def show(progress: IngestProgress) -> None:
            bar.update(task_id, total=progress.files_total, completed=progress.files_done,
                       batch=f"{progress.batches_done}/{progress.batches_total}")

        yield show


def _log_progress(progress: IngestProgress) -> None:
    if progress.batches_done == 0:
        plural = "" if progress.batches_total == 1 else "es"
        line = f"found {progress.files_total} files, {progress.batches_total} batch{plural}"
    else:
        line = (f"batch {progress.batches_done}/{progress.batches_total}: "
                f"{progress.files_done}/{progress.files_total} files "
                f"(loaded {progress.loaded}, rejected {progress.rejected}, unchanged {progress.unchanged})")
    typer.echo(line, err=True)


# --- extract --------------------------------------------------------------------------------------


@app.command()
def extract(
    paths: InputPaths,
    as_json: Annotated[bool, typer.Option("--json", help="Print the fact contract as a JSON array on stdout.")] = False,
) -> None:
    """Extract and validate facts from report files without touching the warehouse.

    With --json: one object per document (`document` = the file name), nothing else on stdout.
    Unreadable files are reported on stderr; the exit code is then 1, after the others are done.
    """
    from flows.discover import discover_files

    with contextlib.redirect_stdout(sys.stderr):  # an NLP library prints a banner on import
        from tasks.pipeline import process_batch

    err, out = stderr_console(), stdout_console()
    settings = Settings()
    documents: list[dict[str, Any]] = []
    failed = 0
    money = [0, 0]  # classified, unclassified: the share of the money read that became facts
    files = discover_files(paths)
    for start in range(0, len(files), settings.batch_size):
        readable: list[tuple[str, bytes]] = []
        for path in files[start:start + settings.batch_size]:
            try:
                size = path.stat().st_size
                if size > settings.max_file_bytes:
                    raise ValueError(f"file is {size:,} bytes, over the limit of {settings.max_file_bytes:,}"
                                     " (JIXIAO_MAX_FILE_BYTES)")
                readable.append((str(path), path.read_bytes()))
            except (OSError, ValueError) as exc:  # one bad file must not stop the others
                err.print(Text.assemble(("cannot read", "red"), " ", shown(f"{path}: {exc}")), soft_wrap=True)
                failed += 1
        with contextlib.redirect_stdout(sys.stderr):  # stdout stays clean whatever a library prints
            batch = process_batch(readable, settings.read_limits)  # one validation pass per batch; never raises for one file
        for processed in batch:
            path = Path(processed.document.path)
            if processed.facts is None:
                err.print(Text.assemble(("cannot read", "red"), " ", shown(f"{path}: {processed.reject_reason}")),
                          soft_wrap=True)
                failed += 1
                continue
            money[0] += len(processed.facts.amounts)
            money[1] += len(processed.facts.unclassified)
            if as_json:
                document = processed.facts.to_json()
                document["document"] = path.name
                documents.append(document)
            else:
                _render_facts(out, path, processed)
    if as_json:
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
    err.print(money_line(*money), highlight=False)  # stderr: stdout stays the JSON alone
    if failed:
        raise typer.Exit(1)


def _render_facts(console: Console, path: Path, processed: Processed) -> None:
    from expectations.concepts import zh_label

    facts = processed.facts
    assert facts is not None  # rejected files are reported before this point
    region = " ".join(part for part in facts.region.values() if part)
    # file names, unit names and subjects come from the report: shown as text, never as markup
    console.rule(Text(shown(path.name).plain, style="bold"))
    console.print(shown(f"unit: {facts.unit_name or '-'}   region: {region or '-'}   fiscal year: "
                        f"{facts.fiscal_year or '-'}   report date: {facts.report_date or '-'}   status: {facts.status}"),
                  highlight=False)
    console.print(shown(f"kind: {facts.report_kind}   subject: {facts.subject or '-'}   "
                        + money_line(len(facts.amounts), len(facts.unclassified))), highlight=False)
    tables = [
        ("Amounts 金额", ["concept", "名称", "basis", "yuan", "as written"],
         [[a.concept, zh_label(a.concept), a.basis, f"{a.value_yuan:,.2f}", a.as_written] for a in facts.amounts]),
        ("Rates 比率", ["concept", "kind", "%", "as written"],
         [[r.concept, r.kind, f"{r.value_pct:g}", r.as_written] for r in facts.rates]),
        ("Staff 人员", ["concept", "名称", "count", "as written"],
         [[s.concept, zh_label(s.concept), str(s.value), s.as_written] for s in facts.staff]),
        ("Scores 得分", ["label", "score", "as written"],
         [[s.label, f"{s.value:g}", s.as_written] for s in facts.scores]),
        ("Unclassified 未归类金额", ["as written", "label", "reason"],
         [[u["as_written"], u.get("label") or "", u["reason"]] for u in facts.unclassified]),
        ("Findings 校验发现", ["rule", "severity", "message"],
         [[f.rule, f.severity, f.message] for f in facts.findings]),
    ]
    for title, columns, rows in tables:
        if rows:
            console.print(render_table(columns, rows, title=title))


# --- warehouse commands -----------------------------------------------------------------------------


class FindingSeverity(StrEnum):  # the severities findings.severity allows (warehouse/sql/001_tables.sql)
    error = "error"
    warning = "warning"


@app.command()
def findings(
    status: Annotated[ReportStatus | None, typer.Option(
        "--status", help="Only reports with this validation result.", show_default=False)] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this fiscal year.", show_default=False)] = None,
    rule: Annotated[str | None, typer.Option(
        "--rule", help="Only findings of this rule (its name, e.g. sum_mismatch, or its Chinese label).",
        show_default=False)] = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", help="Only units whose name contains this text (e.g. 教育 for 某县教育局).",
        show_default=False)] = None,
    severity: Annotated[FindingSeverity | None, typer.Option(
        "--severity", help="Only findings of this severity.", show_default=False)] = None,
    all_versions: Annotated[bool, typer.Option(
        "--all-versions", help="Include superseded versions of a file (default: the latest only).")] = False,
    diff: Annotated[tuple[str, str] | None, typer.Option(
        "--diff", metavar="RUN_A RUN_B", show_default=False,
        help="Findings raised, cleared and persisting from run A to run B (run ids or unique prefixes), "
             "for the reports the runs in between validated; other filters do not apply.")] = None,
    db: DbOption = None,
) -> None:
    """List validation findings (from v_findings); the filters combine (every one given must hold)."""
    if diff is not None:
        from jixiao.commands.revalidate import show_findings_diff

        show_findings_diff(db, *diff)
        return
    from warehouse.queries import query

    with open_warehouse(db) as conn:
        params = {"status": status.value if status else None, "year": year,
                  "rule": _rule_name(conn, rule) if rule is not None else None,
                  "unit": unit.strip() if unit and unit.strip() else None,
                  "severity": severity.value if severity else None, "all_versions": all_versions}
        columns, rows = run_query(conn, query("findings/list_findings"), params)
    if not rows:
        typer.echo("No findings match.")
        return
    from jixiao.fitted_table import FittedTable

    # a message's figures stay whole on a narrow terminal (rich alone folds 1339.87 into 1339 / .87)
    stdout_console().print(FittedTable(columns, rows, title=f"{len(rows)} finding{'' if len(rows) == 1 else 's'}"))


def _rule_name(conn: Any, given: str) -> str:
    """The rule `given` names (by name or Chinese label, from the rules table); an unknown one is an
    error listing the rules, so a typo is not mistaken for "no findings"."""
    from warehouse.queries import query

    found = conn.execute(query("rules/rule_by_name_or_label"), {"given": given.strip()}).fetchall()
    if len(found) == 1:
        return str(found[0][0])
    known = ", ".join(f"{name} ({label})" for name, label in conn.execute(query("rules/rules_with_labels")).fetchall())
    fail(f"unknown rule {given!r}; the rules are: {known}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query, e.g. \"SELECT * FROM v_report_summary\".",
                                         show_default=False)],
    db: DbOption = None,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Show at most this many rows.")] = 1000,
    output_format: Annotated[OutputFormat | None, typer.Option(
        "--format", show_default=False,
        help="table (for people), csv (RFC 4180, header row, UTF-8), json (one JSON array of objects, "
             "column -> value) or markdown (a GitHub pipe table). Default: table on a terminal, csv when "
             "piped or redirected. csv/json/markdown write values exactly: no thousands separators, "
             "decimals digit for digit, ISO dates; NULL is an empty field (csv, markdown) or null (json).",
    )] = None,
    timeout_s: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Stop the query after this many seconds.")] = 300.0,
    raw: Annotated[bool, typer.Option(
        "--raw", help="CSV into a file: write text cells exactly, even those a spreadsheet would run as a formula "
                      "(by default they get a leading ' there; into a pipe CSV is always exact).")] = False,
) -> None:
    """Run a query against the warehouse, read-only, and print the result.

    The query sees the warehouse only: reading or writing other files (read_text, read_csv, COPY … TO),
    ATTACH, INSTALL and LOAD are refused (file warehouses; see the README).

    Tables: documents, reports, amounts, rates, staff, scores, findings, runs, concepts;
    views: v_report_summary, v_findings, v_facts, v_amounts, v_documents.
    """
    chosen = output_format or default_format(is_terminal())
    with open_warehouse(db, confined=True) as conn:
        columns, rows = run_query(conn, query, None, limit=max_rows + 1, timeout_s=timeout_s)
    if not columns:  # in a machine format stdout stays data only
        typer.echo("OK (the statement returned no rows).", err=chosen is not OutputFormat.table)
        return
    shown_rows = rows[:max_rows]
    if chosen is OutputFormat.table:
        stdout_console().print(render_table(columns, shown_rows,
                                            title=f"{len(shown_rows)} row{'' if len(shown_rows) == 1 else 's'}"))
    else:
        typer.echo(render(chosen, columns, shown_rows, spreadsheet_safe=False if raw else None).encode("utf-8"),
                   nl=False)  # bytes: UTF-8 whatever the locale
    if len(rows) > max_rows:
        stderr_console().print(f"(only the first {max_rows} rows are shown: raise --max-rows or add LIMIT)",
                               soft_wrap=True)


# Commands of later features live in jixiao/commands/, one module each, registered here.
register_commands(app)
