"""The scheduled deployments against a real Prefect server on loopback (issue 16).

One Prefect server for the module (a start costs up to a minute: the first migrates Prefect's
SQLite database). `jixiao serve` runs for the tests of `TestServed`: it registers the deployments
(schedules and timezone checked through the API), a triggered yearly ingestion completes, fills the
warehouse and shows its INFO log lines in the API (what the UI shows), and with `jixiao notify` a
failed run posts to a webhook. Then the work-pool path, as the README has a user type it: create
the pool, `prefect deploy` the same prefect.yaml, a `prefect worker` runs the deployment with its
paths from the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import yaml

from jixiao import prefect_env
from tests.shared import PROJECT_ROOT

BIN = Path(sys.executable).parent
SERVER_STARTUP_TIMEOUT = 240  # the first start migrates SQLite: well over a minute on a busy 2-core machine
RUN_TIMEOUT = 240
NOTIFY_TIMEOUT = 90  # the event -> trigger -> action pipeline of the server
SAMPLES = ("01_youxian_fulian.txt", "04_weifang_weijianwei.txt", "08_luoyang_fagaiwei.txt")  # fiscal year 2022
UNITS = sorted(["攸县妇女联合会", "潍坊市卫生健康委员会", "洛阳市发展和改革委员会"])
PREFECT_YAML = PROJECT_ROOT / "deployments" / "prefect.yaml"
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
INFO = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_ROOT,
             ) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
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


@dataclass
class PrefectServer:
    api: str
    env: dict[str, str]
    client: httpx.Client
    logs: list[Path] = field(default_factory=list)

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = check()
            except httpx.HTTPError:
                value = None
            if value:
                return value
            time.sleep(1)
        tails = "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}"
                          for log in self.logs if log.exists())
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")

    def deployments(self) -> dict[str, dict]:
        return {d["name"]: d for d in self.client.post("/deployments/filter", json={}).json()}

    def trigger(self, deployment: dict, parameters: dict[str, Any]) -> dict:
        def created() -> dict | None:
            response = self.client.post(f"/deployments/{deployment['id']}/create_flow_run",
                                        json={"parameters": parameters})
            if response.status_code >= 500:  # the SQLite-backed server may be busy: try again
                return None
            assert response.status_code < 300, response.text
            return response.json()

        return self.wait_for("the server to create the flow run", created, 60)

    def final_state(self, run: dict) -> dict:
        def finished() -> dict | None:
            state = self.client.get(f"/flow_runs/{run['id']}").json()["state"]
            return state if state["type"] in FINAL_STATES else None

        return self.wait_for(f"the run {run['name']} to finish", finished, RUN_TIMEOUT)

    def run_logs(self, run: dict) -> list[dict]:
        """The run's log lines as the UI reads them (POST /logs/filter on the flow run id)."""
        return self.client.post("/logs/filter", json={
            "logs": {"flow_run_id": {"any_": [run["id"]]}}, "sort": "TIMESTAMP_ASC"}).json()

    def cli(self, *args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT,
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env=env or self.env, cwd=cwd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "2", "PREFECT_WORKER_QUERY_SECONDS": "2"}
    for name in ("JIXIAO_TIMEZONE", "JIXIAO_INBOX", "JIXIAO_ROSTER", "JIXIAO_DB", "JIXIAO_WAREHOUSE",
                 *prefect_env.RUN_LOGS_AT_INFO):
        env.pop(name, None)  # the defaults are under test
    server_log = home / "server.log"
    server_args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with _process(server_args, env, server_log), httpx.Client(base_url=api, timeout=30) as client:
        server = PrefectServer(api=api, env=env, client=client, logs=[server_log])
        server.wait_for("the Prefect server", lambda: client.get("/health").status_code == 200,
                        SERVER_STARTUP_TIMEOUT)
        yield server


def _inbox(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in SAMPLES:
        shutil.copy(PROJECT_ROOT / "samples" / name, folder / name)
    return folder


@dataclass
class Served:
    server: PrefectServer
    inbox: Path
    db: Path
    deployments: dict[str, dict]
    log: Path


@pytest.fixture(scope="class")  # ends with TestServed: the worker test deploys the same names
def served(prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    inbox, db = _inbox(tmp / "inbox"), tmp / "warehouse.duckdb"
    serve_log = tmp / "serve.log"
    prefect_server.logs.append(serve_log)
    expected = {d["name"] for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]}
    with _process([str(BIN / "jixiao"), "serve", "--inbox", str(inbox), "--db", str(db)],
                  prefect_server.env, serve_log):
        def registered_all() -> dict[str, dict] | None:
            found = prefect_server.deployments()
            return found if set(found) >= expected else None

        registered = prefect_server.wait_for("jixiao serve to register the deployments", registered_all, 120)
        yield Served(prefect_server, inbox, db, registered, serve_log)
    prefect_server.logs.remove(serve_log)


class TestServed:
    def test_yearly_deployment_runs_and_logs_at_info(self, served: Served, tmp_path: Path) -> None:
        server, registered, db, out = served.server, served.deployments, served.db, tmp_path / "audit"
        expected = {d["name"]: d["schedules"][0]["cron"] for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]}
        for name, cron in expected.items():
            (schedule,) = registered[name]["schedules"]
            assert schedule["schedule"]["cron"] == cron
            assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
            assert schedule["active"]
            assert registered[name]["global_concurrency_limit"]["limit"] == 1  # one run of a deployment at a time
            assert registered[name]["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        yearly = registered["yearly-ingestion"]
        assert set(yearly["parameter_openapi_schema"]["properties"]) >= {"inbox", "fiscal_year", "db"}
        assert yearly["parameters"]["inbox"] == str(served.inbox)  # --inbox, made absolute

        # two runs triggered at once: the second waits for the first, and both complete
        runs = [server.trigger(yearly, {"fiscal_year": 2022, "out_dir": str(out)}) for _ in range(2)]
        for run in runs:
            state = server.final_state(run)
            assert state["type"] == "COMPLETED", f"{state}\n{served.log.read_text(errors='replace')[-3000:]}"

        # what the run's page in the UI shows: the flows' INFO lines, though the CLI defaults to WARNING
        def info_lines(run: dict) -> list[str] | None:
            lines = [log["message"] for log in server.run_logs(run) if log["level"] == INFO]
            return lines if any(line.startswith("audit 2022") for line in lines) else None

        for run in runs:
            lines = server.wait_for(f"the INFO log lines of {run['name']} in the API", lambda run=run: info_lines(run), 30)
            assert any(line.startswith(f"yearly ingestion: inbox {served.inbox}, fiscal year 2022") for line in lines)
            # the first run to start loads the files, the other finds them unchanged
            assert any(line.startswith(f"ingested {served.inbox}: 3 files, ") for line in lines), lines
            assert any(line.startswith("audit 2022: 3 reports") for line in lines), lines

        with duckdb.connect(str(db), read_only=True) as conn:
            units = conn.execute("SELECT unit_name FROM reports WHERE fiscal_year = 2022 ORDER BY unit_name").fetchall()
            audit = conn.execute("SELECT fiscal_year, status, n_reports FROM audit_runs").fetchall()
            ingests = conn.execute("SELECT flow, status, loaded FROM runs").fetchall()
        assert sorted(unit for (unit,) in units) == UNITS
        assert sorted(ingests) == [("ingest", "completed", 0), ("ingest", "completed", 3)]  # the second: unchanged
        assert audit == [(2022, "completed", 3)] * 2
        assert (out / "audit-2022.html").is_file()

    def test_a_failed_run_posts_to_the_webhook(self, served: Served, tmp_path: Path) -> None:
        server = served.server
        received: list[dict] = []

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "json": json.loads(body or b"null"),
                                 "auth": self.headers.get("Authorization")})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # keep pytest's output clean
                pass

        hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=hook.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{hook.server_address[1]}/jixiao-hook"
        try:
            first = server.cli(str(BIN / "jixiao"), "notify", "--webhook", url + "-old")
            again = server.cli(str(BIN / "jixiao"), "notify", "--webhook", url, "--header", "Authorization=Bearer t0k")
            assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
            assert "created the automation" in first.stderr and "updated the automation" in again.stderr

            automations = [a for a in server.client.post("/automations/filter", json={}).json()
                           if a["name"] == "jixiao: a scheduled run failed"]
            assert len(automations) == 1  # the second call updated it
            (automation,) = automations
            assert set(automation["trigger"]["expect"]) == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
            assert automation["trigger"]["match_related"]["prefect.resource.name"] == ["yearly-ingestion", "annual-audit"]
            (action,) = automation["actions"]
            block = server.client.get(f"/block_documents/{action['block_document_id']}",
                                      params={"include_secrets": True}).json()
            assert block["name"] == "jixiao-run-failed" and block["data"]["url"] == url

            missing = tmp_path / "no-such-inbox"  # the inbox is gone by the time the run starts
            run = server.trigger(served.deployments["yearly-ingestion"], {"inbox": str(missing), "fiscal_year": 2022})
            assert server.final_state(run)["type"] == "FAILED"
            (post,) = server.wait_for("the webhook to receive the failed run", lambda: received, NOTIFY_TIMEOUT)
        finally:
            hook.shutdown()
        assert post["path"] == "/jixiao-hook" and post["auth"] == "Bearer t0k"
        message = post["json"]
        assert message["subject"] == f"jixiao: yearly-ingestion run {run['name']} Failed"
        assert f"Flow run {run['name']} (id {run['id']})" in message["body"]
        assert f"no such file or folder: {missing}" in message["body"]  # the cause, from the run's state
        assert message["text"] == f"{message['subject']}\n{message['body']}" and message["title"] == message["subject"]


def test_worker_runs_the_deployed_prefect_yaml(prefect_server: PrefectServer, tmp_path: Path) -> None:
    """The README's work-pool path, command by command, from the project root."""
    server = prefect_server
    shell = {**server.env, "PWD": str(PROJECT_ROOT)}  # as a shell in the project root has it
    created = server.cli(str(BIN / "prefect"), "work-pool", "create", "jixiao", "--type", "process", env=shell)
    assert created.returncode == 0, created.stdout + created.stderr
    deployed = server.cli(str(BIN / "prefect"), "--no-prompt", "deploy", "--all",
                          "--prefect-file", "deployments/prefect.yaml", env=shell)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr

    deployments = server.deployments()
    yearly = deployments["yearly-ingestion"]
    assert yearly["work_pool_name"] == "jixiao"
    assert yearly["parameters"].get("inbox") is None  # no path written into the deployment
    assert yearly["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {
        "directory": str(PROJECT_ROOT)}}]
    for deployment in deployments.values():  # every run on a worker: nothing phoned home, logs at INFO
        assert deployment["job_variables"]["env"] == prefect_env.run_environment()
        assert deployment["global_concurrency_limit"]["limit"] == 1

    inbox, db = _inbox(tmp_path / "inbox"), tmp_path / "warehouse.duckdb"
    worker_env = {**server.env, "JIXIAO_INBOX": str(inbox), "JIXIAO_DB": str(db)}  # as the README configures it
    worker_log = tmp_path / "worker.log"
    server.logs.append(worker_log)
    elsewhere = tmp_path / "elsewhere"  # the worker starts away from the project: paths must not depend on it
    elsewhere.mkdir()
    with _process([str(BIN / "prefect"), "worker", "start", "--pool", "jixiao", "--type", "process"],
                  worker_env, worker_log, cwd=elsewhere):
        run = server.trigger(yearly, {"fiscal_year": 2022})
        state = server.final_state(run)
        assert state["type"] == "COMPLETED", f"{state}\n{worker_log.read_text(errors='replace')[-3000:]}"
    server.logs.remove(worker_log)

    with duckdb.connect(str(db), read_only=True) as conn:
        units = conn.execute("SELECT unit_name FROM reports WHERE fiscal_year = 2022").fetchall()
        runs = conn.execute("SELECT flow, status, loaded FROM runs").fetchall()
    assert sorted(unit for (unit,) in units) == UNITS
    assert runs == [("ingest", "completed", 3)]
    assert (tmp_path / "audit" / "audit-2022.html").is_file()  # out_dir's default: beside the warehouse

    def info_lines() -> list[str] | None:  # a worker's runs log to the UI at INFO too
        lines = [log["message"] for log in server.run_logs(run) if log["level"] == INFO]
        return lines if any(line.startswith(f"yearly ingestion: inbox {inbox}") for line in lines) else None

    server.wait_for("the worker run's INFO log lines in the API", info_lines, 30)
