"""Tell someone when a scheduled run fails: a Prefect automation with a webhook notification.

`jixiao notify --webhook URL` saves a notification block (Prefect's built-in "Custom Webhook",
which the server can load: a block type of jixiao's own could not be) and an automation that fires
on the `prefect.flow-run.Failed` / `prefect.flow-run.Crashed` events of runs of jixiao's deployments
(by deployment name, so subflows and the CLI's own runs never notify). Prefect's server runs the
automation: it holds the URL, and the notification is sent even when the run's process died.
Both are saved under fixed names and overwritten, so running the command again updates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:  # Prefect is imported only when a command needs it
    from prefect.events.schemas.automations import AutomationCore

BLOCK_NAME = "jixiao-run-failed"
AUTOMATION_NAME = "jixiao: a scheduled run failed"
FAILED_EVENTS = frozenset({"prefect.flow-run.Failed", "prefect.flow-run.Crashed"})
SUBJECT = "jixiao: {{ deployment.name }} run {{ flow_run.name }} {{ flow_run.state.name }}"
# Rendered by the server (Jinja, with the run, its deployment and flow as objects).
BODY = ("Flow run {{ flow_run.name }} (id {{ flow_run.id }}) of the deployment {{ deployment.name }} "
        "ended {{ flow_run.state.name }} at {{ flow_run.state.timestamp }}: {{ flow_run.state.message }}\n"
        "Parameters: {{ flow_run.parameters }}\n"
        "{{ flow_run|ui_url }}")
# The request the webhook receives: "text" for chat webhooks (Slack, Mattermost, Teams' legacy
# connectors), subject and body apart for anything else, "title" + "body" as the Apprise API (a
# webhook-to-mail relay) reads them.
JSON_PAYLOAD = {"text": "{{subject}}\n{{body}}", "subject": "{{subject}}", "title": "{{subject}}", "body": "{{body}}"}


@dataclass(frozen=True, slots=True)
class NotificationSetup:
    block_id: UUID
    automation_id: UUID
    created: bool  # False: an earlier setup was updated


def failure_automation(block_id: UUID, deployments: Sequence[str]) -> AutomationCore:
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    return AutomationCore(
        name=AUTOMATION_NAME,
        description="A run of a jixiao deployment (" + ", ".join(deployments) + ") failed or crashed.",
        trigger=EventTrigger(
            expect=set(FAILED_EVENTS),
            match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "deployment", "prefect.resource.name": list(deployments)}),
            posture=Posture.Reactive,
            threshold=1,
            within=0,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    )


def configure_failure_notifications(webhook_url: str, deployments: Sequence[str],
                                    headers: dict[str, str] | None = None) -> NotificationSetup:
    """Create or update the webhook block and the automation on the Prefect server of
    PREFECT_API_URL."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client

    block = CustomWebhookNotificationBlock(name=BLOCK_NAME, url=webhook_url, method="POST",
                                           json_data=JSON_PAYLOAD, headers=headers or None)
    block_id = block.save(BLOCK_NAME, overwrite=True)
    automation = failure_automation(block_id, deployments)
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(AUTOMATION_NAME)
        if existing:
            client.update_automation(existing[0].id, automation)
            for duplicate in existing[1:]:  # one automation, one notification per failed run
                client.delete_automation(duplicate.id)
            return NotificationSetup(block_id, existing[0].id, created=False)
        return NotificationSetup(block_id, client.create_automation(automation), created=True)
