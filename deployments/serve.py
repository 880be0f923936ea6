"""Serve the deployments of `deployments/prefect.yaml` in one long-running process (`jixiao serve`).

Each deployment's flow is imported from its entrypoint and registered with its schedule; the
process then polls the Prefect API and runs scheduled (and manually triggered) flow runs itself, so
no work pool or worker is needed. Overrides, strongest first: arguments (the CLI's flags), the
environment (JIXIAO_TIMEZONE, JIXIAO_CRON_<DEPLOYMENT NAME>), then prefect.yaml.
"""

from __future__ import annotations

import importlib
import os
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


if __name__ == "__main__":
    serve(load_specs())
