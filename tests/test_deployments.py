"""The scheduled deployments against a real Prefect server on loopback (acceptance 3).

Starts `prefect server start` and `jixiao serve` as subprocesses, checks the deployments' cron
schedules and timezone through the API, triggers the yearly ingestion over an inbox of sample
reports, waits for the run to complete and checks the warehouse. One test: a server start costs
about a minute (the first start migrates Prefect's SQLite database).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import yaml

from tests.shared import PROJECT_ROOT

BIN = Path(sys.executable).parent
SERVER_STARTUP_TIMEOUT = 240  # the first start migrates SQLite: well over a minute on a busy 2-core machine
RUN_TIMEOUT = 240
SAMPLES = ("01_youxian_fulian.txt", "04_weifang_weijianwei.txt", "08_luoyang_fagaiwei.txt")  # fiscal year 2022


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                                   start_new_session=True)  # its own group: stop its children too
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _wait_for(what: str, check, timeout: float, logs: list[Path]):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def test_yearly_deployment_runs_on_a_real_prefect_server(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in SAMPLES:
        shutil.copy(PROJECT_ROOT / "samples" / name, inbox / name)
    db, out = tmp_path / "warehouse.duckdb", tmp_path / "audit"
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_API_URL": api,
           "PREFECT_RUNNER_POLL_FREQUENCY": "2", "JIXIAO_DB": str(db)}
    env.pop("JIXIAO_TIMEZONE", None)  # the default timezone is under test
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    logs = [server_log, serve_log]
    expected = {d["name"]: d["schedules"][0]["cron"]
                for d in yaml.safe_load((PROJECT_ROOT / "deployments" / "prefect.yaml").read_text())["deployments"]}

    server_args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with _process(server_args, env, server_log), httpx.Client(base_url=api, timeout=30) as client:
        _wait_for("the Prefect server", lambda: client.get("/health").status_code == 200,
                  SERVER_STARTUP_TIMEOUT, logs)
        with _process([str(BIN / "jixiao"), "serve"], env, serve_log):
            def deployments() -> dict[str, dict] | None:
                found = client.post("/deployments/filter", json={}).json()
                return {d["name"]: d for d in found} if {d["name"] for d in found} >= set(expected) else None

            registered = _wait_for("jixiao serve to register the deployments", deployments, 120, logs)
            for name, cron in expected.items():
                (schedule,) = registered[name]["schedules"]
                assert schedule["schedule"]["cron"] == cron
                assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
                assert schedule["active"]
            assert set(registered["yearly-ingestion"]["parameter_openapi_schema"]["properties"]) >= {
                "inbox", "fiscal_year", "db"}

            def created() -> dict | None:
                response = client.post(
                    f"/deployments/{registered['yearly-ingestion']['id']}/create_flow_run",
                    json={"parameters": {"inbox": str(inbox), "fiscal_year": 2022, "db": str(db),
                                         "out_dir": str(out)}},
                )
                if response.status_code >= 500:  # the SQLite-backed server may be busy: try again
                    return None
                assert response.status_code < 300, response.text
                return response.json()

            for name in expected:  # one run of a deployment at a time, the next one queued
                assert registered[name]["global_concurrency_limit"]["limit"] == 1
                assert registered[name]["concurrency_options"]["collision_strategy"] == "ENQUEUE"
            # two runs triggered at once: the second waits for the first, and both complete
            runs = [_wait_for("the server to create the flow run", created, 60, logs) for _ in range(2)]

            for run in runs:
                def finished(run: dict = run) -> dict | None:
                    state = client.get(f"/flow_runs/{run['id']}").json()["state"]
                    return state if state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

                state = _wait_for("the triggered run to finish", finished, RUN_TIMEOUT, logs)
                assert state["type"] == "COMPLETED", f"{state}\n{serve_log.read_text(errors='replace')[-3000:]}"

    with duckdb.connect(str(db), read_only=True) as conn:
        units = conn.execute("SELECT unit_name FROM reports WHERE fiscal_year = 2022 ORDER BY unit_name").fetchall()
        audit = conn.execute("SELECT fiscal_year, status, n_reports FROM audit_runs").fetchall()
        ingests = conn.execute("SELECT flow, status, loaded FROM runs").fetchall()
    assert sorted(unit for (unit,) in units) == sorted(["攸县妇女联合会", "潍坊市卫生健康委员会", "洛阳市发展和改革委员会"])
    assert sorted(ingests) == [("ingest", "completed", 0), ("ingest", "completed", 3)]  # the second: unchanged
    assert audit == [(2022, "completed", 3)] * 2
    assert (out / "audit-2022.html").is_file()
