"""The environment jixiao gives Prefect (and Great Expectations) before either is imported.

The same defaults the Makefile exports, so `jixiao ingest` outside make behaves the same: Prefect's
state lives in the user's home (not the project tree), the CLI's own logs stay quiet, and nothing is
phoned home: `DO_NOT_TRACK` is the Prefect client's telemetry switch, the others the server's and GX's.
Prefect reads them at import time, so `apply()` runs first thing.

Runs that nobody watches in a terminal (served by `jixiao serve`, or run by a worker) are the
exception to "quiet": their INFO lines are what the Prefect UI shows of them, so `apply_for_runs()`
raises the run loggers (only those: not Prefect's client or server chatter) back to INFO.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFECT_DEFAULTS: dict[str, str] = {
    "PREFECT_HOME": str(Path.home() / ".jixiao" / "prefect"),
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}
# Every phone-home switch Prefect and GX know, off unless the environment says otherwise.
NO_PHONE_HOME: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "False",
}
# Prefect's logging.yml gives the loggers `prefect.flow_runs` and `prefect.task_runs` the handler that
# sends records to the API, at level NOTSET (so PREFECT_LOGGING_LEVEL decides); these variables
# override just those two levels (Prefect reads PREFECT_LOGGING_<path>_<key> over logging.yml).
RUN_LOGS_AT_INFO: dict[str, str] = {
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "INFO",
}


def apply(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Set each default the environment does not already set; create PREFECT_HOME."""
    for name, value in {**PREFECT_DEFAULTS, **NO_PHONE_HOME}.items():
        environ.setdefault(name, value)
    # Prefect's SQLite state cannot be created in a missing folder (its API then fails to start).
    Path(environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def apply_for_runs(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """`apply()`, plus flow and task run logs at INFO (unless set): for a process whose runs are
    watched in the Prefect UI (`jixiao serve`); the runs it starts inherit the environment.
    Before Prefect is imported: its logging is configured then."""
    apply(environ)
    for name, value in RUN_LOGS_AT_INFO.items():
        environ.setdefault(name, value)


def run_environment() -> dict[str, str]:
    """What a deployment's runs get in their environment wherever they start (a worker's job env)."""
    return {**NO_PHONE_HOME, **RUN_LOGS_AT_INFO}
