"""`jixiao explain REPORT`: a report's findings with the source sentences and the figures highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from jixiao.console import DbOption, fail, open_warehouse, render_table, shown, stdout_console

if TYPE_CHECKING:
    import duckdb

    from tasks.explain import ExplainedFinding


def explain(
    report: Annotated[str, typer.Argument(help="The report: its file name, path, sha256 prefix or unit name.",
                                          show_default=False)],
    db: DbOption = None,
) -> None:
    """Print the report's findings, each with the sentences its figures come from (figures highlighted;
    corrected ones in magenta) and a table of those figures, so you see whether the report or the
    extractor is wrong; then the money figures that could not be classified, each in its sentence."""
    from tasks.explain import explain_report

    with open_warehouse(db) as conn:
        sha256 = _resolve(conn, report)
        explanation = explain_report(conn, sha256)
    out = stdout_console()
    # Unit names, paths and messages come from the report: Text (never markup), control characters inert.
    heading = Text.assemble(shown(explanation.unit_name or "-"), f"  {explanation.fiscal_year or '-'}")
    heading.stylize("bold", 0, len(heading) - len(f"  {explanation.fiscal_year or '-'}"))
    status = shown(explanation.status)
    status.stylize("bold")
    out.rule(heading)
    out.print(Text.assemble("file: ", shown(explanation.path), f"   sha256: {explanation.sha256[:12]}   status: ",
                            status, f"   findings: {len(explanation.findings)}"), highlight=False)
    if not explanation.findings:
        out.print("No findings: every rule holds for this report.")
    for finding in explanation.findings:
        _print_finding(out, finding)
    if explanation.unclassified:
        rows = [[u.as_written, u.label or "", u.reason, u.sentence] for u in explanation.unclassified]
        out.print(render_table(["as written", "label", "reason", "原文"], rows,
                               title=f"Unclassified money figures 未归类金额 ({len(rows)})"))
    else:
        out.print("Every money figure read is classified.")


def _print_finding(out: Console, finding: ExplainedFinding) -> None:
    colour = "red" if finding.severity == "error" else "yellow"
    body = Text.assemble(shown(finding.message), "\n")
    # The sentences are markup made by tasks.explain (data escaped there): parsed here without emoji
    # codes, so a report's ":smile:" stays text.
    for sentence in finding.sentences:
        body.append("\n")
        body.append_text(Text.from_markup(f"[dim]原文[/dim] {sentence}", emoji=False))
    if not finding.sentences:
        body.append("\n(no source figures)", style="dim")
    title = Text.assemble(shown(f"#{finding.finding_no} {finding.severity}"), " ",
                          shown(f"{finding.rule} {finding.rule_zh}"))
    title.stylize(colour, 0, len(f"#{finding.finding_no} {finding.severity}"))
    out.print(Panel(body, title=title, title_align="left", border_style=colour))
    rows = [[fact.fact_id, fact.concept_zh, fact.qualifier or "", fact.as_written,
             f"{fact.value:,.2f}{fact.value_unit}",
             "" if fact.corrected_value is None else f"{fact.corrected_value:,.2f}{fact.value_unit}",
             fact.correction_reason or ""] for fact in finding.facts]
    if rows:
        out.print(render_table(["fact", "concept", "basis/kind", "as written", "extracted", "corrected", "reason"],
                               rows))


def _resolve(conn: duckdb.DuckDBPyConnection, reference: str) -> str:
    """The sha256 of the report meant: by sha256 prefix, file name or path, else by unit name."""
    from tasks.corrections import match_documents
    from warehouse.queries import query

    matches = match_documents(conn, reference)
    if not matches:
        rows = conn.execute(query("explain/reports_by_unit_name"), {"ref": reference.strip()}).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if not rows:
            fail(f"no report {reference!r}: give a file name, a sha256 prefix or a unit name")
        listed = "\n".join(f"  {sha[:12]}  {year or '-'}  {unit}  {path}" for sha, path, unit, year in rows)
        fail(f"{reference!r} fits {len(rows)} reports; name one by its sha256 prefix:\n{listed}")
    if len({match.path for match in matches}) == 1:  # versions of one file: the latest unless named
        return next((m.sha256 for m in matches if m.is_latest), matches[-1].sha256)
    listed = "\n".join(f"  {m.sha256[:12]}  {m.fiscal_year or '-'}  {m.unit_name}  {m.path}" for m in matches)
    fail(f"{reference!r} fits {len(matches)} reports; name one by its sha256 prefix:\n{listed}")


def register(app: typer.Typer) -> None:
    app.command()(explain)
