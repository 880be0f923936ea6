"""The environment jixiao gives Prefect (and Great Expectations) before either is imported.

The same defaults the Makefile exports, so `jixiao ingest` outside make behaves the same: Prefect's
state lives in the user's home (not the project tree), the CLI's own logs stay quiet, and nothing is
phoned home: `DO_NOT_TRACK` is the Prefect client's telemetry switch, the others the server's and GX's.
Prefect reads them at import time, so `apply()` runs first thing.
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


def apply(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Set each default the environment does not already set; create PREFECT_HOME."""
    for name, value in {**PREFECT_DEFAULTS, **NO_PHONE_HOME}.items():
        environ.setdefault(name, value)
    # Prefect's SQLite state cannot be created in a missing folder (its API then fails to start).
    Path(environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
