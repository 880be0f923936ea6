"""`jixiao serve`: run the scheduled deployments of deployments/prefect.yaml (yearly ingestion, audit)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jixiao.console import DbOption, fail, render_table, stderr_console
from jixiao.settings import PROJECT_ROOT


def serve(
    cron: Annotated[list[str] | None, typer.Option(
        "--cron", metavar="NAME=CRON", show_default=False,
        help='Override a schedule, e.g. --cron yearly-ingestion="0 2 1 4 *" (repeatable).')] = None,
    timezone: Annotated[str | None, typer.Option(
        "--timezone", show_default=False,
        help="Timezone of the schedules (default: $JIXIAO_TIMEZONE, else prefect.yaml's: Asia/Shanghai).")] = None,
    inbox: Annotated[Path | None, typer.Option(
        "--inbox", file_okay=False, show_default=False, help="Inbox folder of the yearly ingestion.")] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", dir_okay=False, show_default=False, help="Units CSV for the audit's completeness check.")] = None,
    db: DbOption = None,
    prefect_yaml: Annotated[Path | None, typer.Option(
        "--prefect-yaml", exists=True, dir_okay=False, show_default=False,
        help="Deployments file (default: deployments/prefect.yaml).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the deployments and exit.")] = False,
) -> None:
    """Serve the deployments (needs a Prefect server: set PREFECT_API_URL, e.g. after `prefect server start`).

    Runs until interrupted; scheduled and manually triggered runs execute in this process's children.
    """
    if str(PROJECT_ROOT) not in sys.path:  # deployments/ lives in the checkout beside the installed packages
        sys.path.insert(0, str(PROJECT_ROOT))
    from deployments.serve import PREFECT_YAML, load_specs
    from deployments.serve import serve as serve_deployments

    crons: dict[str, str] = {}
    for item in cron or []:
        name, sep, expression = item.partition("=")
        if not sep or not expression.strip():
            fail(f"--cron takes NAME=CRON, not {item!r}")
        crons[name.strip()] = expression.strip()
    parameters = {key: str(value) for key, value in {"inbox": inbox, "roster": roster, "db": db}.items()
                  if value is not None}
    try:
        specs = load_specs(prefect_yaml or PREFECT_YAML, timezone=timezone, crons=crons, parameters=parameters)
    except (ValueError, KeyError, OSError) as exc:
        fail(f"cannot read the deployments: {exc}")
    err = stderr_console()
    err.print(render_table(["deployment", "cron", "timezone", "parameters"],
                           [[s.name, s.cron, s.timezone, ", ".join(f"{k}={v}" for k, v in s.parameters.items())]
                            for s in specs]))
    if dry_run:
        return
    serve_deployments(specs)


def register(app: typer.Typer) -> None:
    app.command()(serve)
