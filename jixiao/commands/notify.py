"""`jixiao notify`: a failed or crashed scheduled run posts to a webhook (a Prefect automation)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer

from jixiao.commands.serve import usage_error
from jixiao.console import fail, stderr_console
from jixiao.settings import PROJECT_ROOT


def notify(
    webhook: Annotated[str, typer.Option(
        "--webhook", metavar="URL", show_default=False,
        help="URL that receives a JSON POST (text, subject, title, body) naming the failed run.")],
    header: Annotated[list[str] | None, typer.Option(
        "--header", metavar="NAME=VALUE", show_default=False,
        help="A header of the request, e.g. --header Authorization='Bearer …' (repeatable).")] = None,
    prefect_yaml: Annotated[Path | None, typer.Option(
        "--prefect-yaml", exists=True, dir_okay=False, show_default=False,
        help="Deployments file whose deployments are watched (default: deployments/prefect.yaml).")] = None,
) -> None:
    """Notify a webhook when a run of the deployments fails or crashes (needs PREFECT_API_URL).

    Saves the Prefect block `jixiao-run-failed` and the automation `jixiao: a scheduled run failed`; running it again updates both (e.g. a new URL).
    """
    if str(PROJECT_ROOT) not in sys.path:  # deployments/ lives in the checkout beside the installed packages
        sys.path.insert(0, str(PROJECT_ROOT))
    from deployments.notify import AUTOMATION_NAME, BLOCK_NAME, configure_failure_notifications
    from deployments.serve import PREFECT_YAML, load_specs

    url = urlparse(webhook)
    if url.scheme not in {"http", "https"} or not url.netloc:
        usage_error(f"--webhook takes an http(s) URL, e.g. https://hooks.example.com/jixiao, not {webhook!r}")
    headers: dict[str, str] = {}
    for item in header or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            usage_error(f"--header takes NAME=VALUE, not {item!r}")
        headers[name.strip()] = value.strip()
    names = [spec.name for spec in load_specs(prefect_yaml or PREFECT_YAML)]

    import httpx

    from jixiao.commands.serve import api_url

    if not api_url():
        usage_error("jixiao notify needs the Prefect server that runs the deployments: set PREFECT_API_URL, "
                    "e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api")
    try:
        setup = configure_failure_notifications(webhook, names, headers)
    except httpx.ConnectError as exc:
        fail(f"cannot reach the Prefect server at {api_url()} ({exc}): start it, or fix PREFECT_API_URL")
    except httpx.HTTPError as exc:
        fail(f"the Prefect server at {api_url()} refused the automation: {type(exc).__name__}: {exc}")
    verb = "created" if setup.created else "updated"
    shown = f"{url.scheme}://{url.netloc}" + ("/…" if url.path.strip("/") else "")  # its path may be a token
    stderr_console().print(
        f"{verb} the automation {AUTOMATION_NAME!r} ({setup.automation_id}): a failed or crashed run of "
        f"{', '.join(names)} posts to {shown} (block {BLOCK_NAME!r})", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(notify)
