"""`jixiao serve`: run the scheduled deployments of deployments/prefect.yaml (yearly ingestion, audit)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from jixiao import prefect_env
from jixiao.console import DbOption, fail, render_table, stderr_console
from jixiao.settings import PROJECT_ROOT, is_url


def usage_error(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit 2 (as the CLI's other usage errors)."""
    stderr_console().print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    raise typer.Exit(2)


def parse_crons(items: list[str]) -> dict[str, str]:
    crons: dict[str, str] = {}
    for item in items:
        name, sep, expression = item.partition("=")
        if not sep or not name.strip() or not expression.strip():
            usage_error(f'--cron takes NAME=CRON, e.g. --cron yearly-ingestion="0 2 15 5 *", not {item!r}')
        crons[name.strip()] = expression.strip()
    return crons


def serve(
    cron: Annotated[list[str] | None, typer.Option(
        "--cron", metavar="NAME=CRON", show_default=False,
        help='Override a schedule, e.g. --cron yearly-ingestion="0 2 1 4 *" (repeatable).')] = None,
    timezone: Annotated[str | None, typer.Option(
        "--timezone", show_default=False,
        help="Timezone of the schedules (default: $JIXIAO_TIMEZONE, else prefect.yaml's: Asia/Shanghai).")] = None,
    inbox: Annotated[Path | None, typer.Option(
        "--inbox", show_default=False,
        help="Inbox folder of the yearly ingestion (default: $JIXIAO_INBOX, else inbox/ in the project).")] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", show_default=False,
        help="Units CSV for the audit's completeness check (default: $JIXIAO_ROSTER).")] = None,
    db: DbOption = None,
    prefect_yaml: Annotated[Path | None, typer.Option(
        "--prefect-yaml", exists=True, dir_okay=False, show_default=False,
        help="Deployments file (default: deployments/prefect.yaml).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the schedules and paths, print the deployments and exit.")] = False,
) -> None:
    """Serve the deployments (needs a Prefect server: set PREFECT_API_URL, e.g. after `prefect server start`).

    Runs until interrupted; scheduled and manually triggered runs execute in this process's children,
    which log to the Prefect UI at INFO. Bad schedules or paths exit 2 before anything is served.
    """
    # Before Prefect is imported: the runs this process starts inherit its environment.
    prefect_env.apply_for_runs()
    if str(PROJECT_ROOT) not in sys.path:  # deployments/ lives in the checkout beside the installed packages
        sys.path.insert(0, str(PROJECT_ROOT))
    from deployments.serve import PREFECT_YAML, ServeConfigError, check_specs, load_specs
    from deployments.serve import serve as serve_deployments

    crons = parse_crons(cron or [])
    # Absolute: the runs start in other working directories than this shell's.
    paths = {"inbox": inbox, "roster": roster}
    parameters = {key: str(value.expanduser().resolve()) for key, value in paths.items() if value is not None}
    if db:
        parameters["db"] = db if is_url(db) else str(Path(db).expanduser().resolve())
    try:
        specs = load_specs(prefect_yaml or PREFECT_YAML, timezone=timezone, crons=crons, parameters=parameters)
    except ValueError as exc:  # e.g. --cron names no deployment
        usage_error(f"{exc}: name one of the deployments, e.g. --cron yearly-ingestion=CRON")
    except (KeyError, OSError, TypeError) as exc:
        fail(f"cannot read the deployments of {prefect_yaml or PREFECT_YAML}: {exc}")
    try:
        used = check_specs(specs)
    except ServeConfigError as exc:
        usage_error(str(exc))
    err = stderr_console()
    err.print(render_table(["deployment", "cron", "timezone", "parameters"],
                           [[s.name, s.cron, s.timezone,
                             ", ".join(f"{k}={v}" for k, v in s.parameters.items() if v is not None)]
                            for s in specs]))
    err.print("runs use: " + "; ".join(f"{key} {value}" for key, value in used.items()), soft_wrap=True)
    if dry_run:
        return
    if not api_url():
        usage_error("jixiao serve needs a Prefect server: start one (`prefect server start`) and set "
                    "PREFECT_API_URL, e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api")
    import httpx

    try:
        serve_deployments(specs)
    except KeyboardInterrupt:
        return
    except httpx.ConnectError as exc:
        fail(f"cannot reach the Prefect server at {api_url()} ({exc}): start it, or fix PREFECT_API_URL")
    except httpx.HTTPError as exc:
        fail(f"the Prefect server at {api_url()} failed: {type(exc).__name__}: {exc}")


def api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile."""
    from prefect.settings import get_current_settings

    return os.environ.get("PREFECT_API_URL") or get_current_settings().api.url


def register(app: typer.Typer) -> None:
    app.command()(serve)
