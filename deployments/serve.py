"""Serve the deployments of `deployments/prefect.yaml` in one long-running process (`jixiao serve`).

Each deployment's flow is imported from its entrypoint and registered with its schedule; the
process then polls the Prefect API and runs scheduled (and manually triggered) flow runs itself, so
no work pool or worker is needed. Overrides, strongest first: arguments (the CLI's flags), the
environment (JIXIAO_TIMEZONE, JIXIAO_CRON_<DEPLOYMENT NAME>), then prefect.yaml.

`check_specs` fails, before anything is registered, on what a run would fail on months later: a
schedule Prefect refuses or that never fires, an unknown timezone, a missing inbox or roster, a
warehouse that cannot be written.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PREFECT_YAML = Path(__file__).with_name("prefect.yaml")
TIMEZONE_ENV = "JIXIAO_TIMEZONE"


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # path/to/module.py:flow_function
    cron: str
    timezone: str
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    concurrency_limit: int | None = None
    collision_strategy: str = "ENQUEUE"


class ServeConfigError(ValueError):
    """Input `jixiao serve` refuses: the message is one line, the cause and what to do."""


def cron_env_name(deployment: str) -> str:
    return "JIXIAO_CRON_" + deployment.upper().replace("-", "_")


def load_specs(prefect_yaml: Path = PREFECT_YAML, *, timezone: str | None = None,
               crons: dict[str, str] | None = None, parameters: dict[str, Any] | None = None) -> list[DeploymentSpec]:
    """The deployments of prefect.yaml with the overrides applied.

    `parameters` are set on every deployment whose flow takes them (e.g. db, inbox)."""
    config = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))
    crons = crons or {}
    unknown = set(crons) - {d["name"] for d in config["deployments"]}
    if unknown:
        raise ValueError(f"no deployment named {', '.join(sorted(unknown))} in {prefect_yaml}")
    specs = []
    for deployment in config["deployments"]:
        name = deployment["name"]
        schedule = (deployment.get("schedules") or [{}])[0]
        spec_parameters = dict(deployment.get("parameters") or {})
        spec_parameters.update({k: v for k, v in (parameters or {}).items() if k in spec_parameters})
        specs.append(DeploymentSpec(
            name=name,
            entrypoint=deployment["entrypoint"],
            cron=crons.get(name) or os.environ.get(cron_env_name(name)) or schedule["cron"],
            timezone=timezone or os.environ.get(TIMEZONE_ENV) or schedule.get("timezone") or "Asia/Shanghai",
            description=" ".join((deployment.get("description") or "").split()),
            tags=tuple(deployment.get("tags") or ()),
            parameters=spec_parameters,
            concurrency_limit=(deployment.get("concurrency_limit") or {}).get("limit"),
            collision_strategy=(deployment.get("concurrency_limit") or {}).get("collision_strategy", "ENQUEUE"),
        ))
    return specs


def check_schedule(spec: DeploymentSpec) -> None:
    """Prefect's own validation of the schedule (what registering it would fail on), then whether
    it ever fires (Prefect accepts "0 2 30 2 *", 30 February, which never comes)."""
    from prefect._vendor.croniter import croniter  # the croniter Prefect validates and schedules with
    from prefect._vendor.croniter.croniter import CroniterError
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=spec.cron, timezone=spec.timezone)
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = str(error.get("ctx", {}).get("error") or error["msg"])
        if error["loc"] and error["loc"][0] == "timezone":
            raise ServeConfigError(f"{cause}: pass --timezone (or set {TIMEZONE_ENV}) to a name such as "
                                   "Asia/Shanghai or UTC") from None
        raise ServeConfigError(f"{cause} for {spec.name}: a cron takes 5 fields, minute hour day month weekday, "
                               f'e.g. --cron {spec.name}="0 2 15 5 *"') from None
    try:
        croniter(spec.cron).get_next()
    except CroniterError:
        raise ServeConfigError(f'the schedule "{spec.cron}" of {spec.name} never fires (no such date): '
                               "fix --cron or " + cron_env_name(spec.name)) from None


def check_paths(inbox: Path | None, roster: Path | None, warehouse: Path | None) -> None:
    """The files the runs will need: an inbox folder, a roster file, a warehouse they can write
    (`None`: not used, or a warehouse URL, which its catalog checks when opened)."""
    if inbox is not None:
        if not inbox.exists():
            raise ServeConfigError(f"no inbox folder at {inbox}: create it, or pass --inbox (or set JIXIAO_INBOX)")
        if not inbox.is_dir():
            raise ServeConfigError(f"the inbox {inbox} is not a folder: pass --inbox the folder the reports arrive in")
    if roster is not None and not roster.is_file():
        what = "is a folder" if roster.is_dir() else "does not exist"
        raise ServeConfigError(f"the roster {roster} {what}: pass --roster a units CSV (or set JIXIAO_ROSTER)")
    if warehouse is not None:
        from warehouse.db import WarehouseError
        from warehouse.writer import check_writable

        try:
            check_writable(warehouse)
        except WarehouseError as exc:
            raise ServeConfigError(str(exc)) from None


def check_specs(specs: Iterable[DeploymentSpec]) -> dict[str, str]:
    """Every schedule, then the paths the runs default to (a parameter, else the environment).
    Returns what the runs will use: inbox, roster, warehouse, as they will see them."""
    from jixiao.settings import Settings, describe

    specs = list(specs)
    for spec in specs:
        check_schedule(spec)
    parameters: dict[str, Any] = {}
    for spec in specs:
        parameters.update({key: value for key, value in spec.parameters.items() if value is not None})
    takes = {key for spec in specs for key in spec.parameters}
    try:
        settings = Settings.for_run(parameters.get("db"))
        target = settings.target
    except ValueError as exc:  # a malformed warehouse URL or setting
        raise ServeConfigError(str(exc).splitlines()[0]) from None
    inbox = Path(parameters.get("inbox") or settings.inbox).expanduser()
    roster_value = parameters.get("roster") or settings.roster
    roster = Path(roster_value).expanduser() if roster_value else None
    check_paths(inbox if "inbox" in takes else None, roster if "roster" in takes else None,
                target if isinstance(target, Path) and "db" in takes else None)
    used = {"inbox": str(inbox) if "inbox" in takes else None,
            "roster": (str(roster) if roster else "the one loaded") if "roster" in takes else None,
            "warehouse": describe(target) if "db" in takes else None}
    return {key: value for key, value in used.items() if value is not None}


def load_flow(entrypoint: str) -> Any:
    """Import the flow of `flows/yearly.py:yearly_ingestion_flow` (an installed package, any cwd)."""
    path, _, attribute = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, attribute)


def runner_deployments(specs: list[DeploymentSpec]) -> list[Any]:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.deployments.runner import EntrypointType

    deployments = []
    for spec in specs:
        deployments.append(load_flow(spec.entrypoint).to_deployment(
            name=spec.name,
            schedule=CronSchedule(cron=spec.cron, timezone=spec.timezone),
            parameters=spec.parameters,
            description=spec.description,
            tags=list(spec.tags),
            concurrency_limit=None if spec.concurrency_limit is None else ConcurrencyLimitConfig(
                limit=spec.concurrency_limit, collision_strategy=ConcurrencyLimitStrategy(spec.collision_strategy)),
            # module path, not file path: the runs import the installed package wherever they start
            entrypoint_type=EntrypointType.MODULE_PATH,
        ))
    return deployments


def serve(specs: list[DeploymentSpec]) -> None:
    """Register the deployments and run their flow runs until interrupted."""
    from prefect import serve as prefect_serve

    prefect_serve(*runner_deployments(specs), print_starting_message=True)


if __name__ == "__main__":  # `python -m deployments.serve`: what `jixiao serve` does without flags
    import sys

    from jixiao import prefect_env

    prefect_env.apply_for_runs()  # before Prefect is imported (runner_deployments imports it)
    specs = load_specs()
    try:
        check_specs(specs)
    except ServeConfigError as exc:
        sys.exit(f"error: {exc}")
    serve(specs)
