"""`jixiao notify`: its input checks, and the automation it saves (the run against a real server,
a failed run posting to a local webhook, is in tests/test_deployments.py)."""

from __future__ import annotations

import sys
import uuid

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # deployments/ is beside the installed packages
from deployments.notify import BODY, failure_automation  # noqa: E402


@pytest.mark.parametrize("url", ["hooks.example.com/x", "ftp://example.com/x", "http://"])
def test_a_webhook_that_is_not_an_http_url_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    result = CliRunner().invoke(app, ["notify", "--webhook", url])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --webhook takes an http(s) URL") and result.stderr.count("\n") == 1


def test_a_malformed_header_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    result = CliRunner().invoke(app, ["notify", "--webhook", "https://hooks.example.com/x", "--header", "Bearer"])
    assert result.exit_code == 2 and result.stderr.startswith("error: --header takes NAME=VALUE")


def test_the_automation_fires_on_failed_and_crashed_runs_of_the_deployments_only() -> None:
    block_id = uuid.uuid4()
    automation = failure_automation(block_id, ["yearly-ingestion", "annual-audit"])
    trigger = automation.trigger
    assert trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert trigger.posture == "Reactive" and trigger.threshold == 1
    # by the run's deployment: the ingest and audit subflows, and `jixiao ingest` runs, have none
    (related,) = trigger.match_related if isinstance(trigger.match_related, list) else [trigger.match_related]
    assert related.root == {"prefect.resource.role": "deployment",
                            "prefect.resource.name": ["yearly-ingestion", "annual-audit"]}
    (action,) = automation.actions
    assert action.type == "send-notification" and action.block_document_id == block_id
    assert "{{ flow_run.name }}" in BODY and "{{ flow_run.state.message }}" in BODY
