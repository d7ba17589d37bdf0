"""Every webhook fixture through its connector's parser, with concrete fields."""

from __future__ import annotations

import json
from types import SimpleNamespace

from connectors import WEBHOOKS
from tests.scenarios import fixture

HOOK = SimpleNamespace(name="hook", provider="example", tolerance=300.0, header=None, algorithm="sha256",
                       encoding="hex", prefix="")


def parse(kind: str, body: bytes, headers: dict | None = None) -> list:
    return WEBHOOKS[kind].parse(headers or {}, body, settings=HOOK)


def test_openai_success_event_is_recorded_not_escalated() -> None:
    [event] = parse("standard-webhooks", fixture("standard-webhooks/openai_response_completed.json"))
    data = event.to_json()
    assert (data["kind"], data["external_id"], data["severity"], data["status"]) == (
        "account", "evt_abc123", "info", "completed")
    assert data["title"] == "example response.completed: resp_abc123"
    assert data["published_at"] == "2024-06-23T18:40:00Z"
    assert data["escalate"] is False


def test_openai_safety_and_failure_events() -> None:
    body = json.loads(fixture("standard-webhooks/openai_response_completed.json"))
    for kind, severity in (("safety.violation", "critical"), ("batch.failed", "warning"),
                           ("fine_tuning.job.failed", "warning"), ("eval.run.failed", "warning"),
                           ("batch.cancelled", "notice"), ("batch.completed", "info")):
        [event] = parse("standard-webhooks", json.dumps({**body, "type": kind}).encode())
        assert (event.kind, event.severity) == ("account", severity), kind
        assert event.extra["escalate"] is (severity != "info")


def test_statuspage_incident_and_its_resolution_share_a_key() -> None:
    [created] = parse("statuspage-webhook", fixture("statuspage-webhook/incident_created.json"))
    [resolved] = parse("statuspage-webhook", fixture("statuspage-webhook/incident_update_resolved.json"))
    assert created.key == resolved.key == ("example", "incident", "z3lct0r596n4")
    assert (created.status, resolved.status) == ("identified", "resolved")
    assert created.title == "Database query delays"
    assert created.url == "http://stspg.io/646947c1e"
    assert created.components == ["Management Portal (example)"]
    assert resolved.ends_at is not None


def test_statuspage_component_update() -> None:
    [event] = parse("statuspage-webhook", fixture("statuspage-webhook/component_status_update.json"))
    assert (event.kind, event.external_id, event.status, event.severity) == (
        "incident", "component:sqm6pl84wzjc", "under_maintenance", "info")
    assert event.title == "Database component: under maintenance"
    assert event.summary == "Database component went from operational to under_maintenance"


def test_azure_test_action_with_services_as_array() -> None:
    body = fixture("azure-service-health/test_action_common_schema_array_services.json")
    [event] = parse("azure-service-health", body)
    assert (event.kind, event.external_id, event.status, event.severity) == (
        "incident", "TEST-TTT", "resolved", "warning")
    assert (event.components, event.regions) == (["AzureServiceName"], ["Global"])
    assert event.summary == "ThisisatestfromServiceHealthAlert"
    assert WEBHOOKS["azure-service-health"].delivery_id({}, body) == "11223344556677"


def test_azure_maintenance_with_services_as_json_string() -> None:
    body = fixture("azure-service-health/maintenance_alert_context_string_services.json")
    [event] = parse("azure-service-health", body)
    assert (event.kind, event.status, event.severity) == ("maintenance", "planned", "info")
    assert event.title == "Azure Synapse Analytics Scheduled Maintenance Pending"
    assert (event.components, event.regions) == (["Azure Synapse Analytics"], ["East US"])
    assert event.starts_at.isoformat() == "2019-06-26T04:00:00+00:00"


def test_aws_health_eventbridge_event() -> None:
    body = fixture("aws-health/eventbridge_ec2_operational_issue.json")
    [event] = parse("aws-health", body)
    assert (event.kind, event.external_id, event.status, event.severity) == (
        "incident", "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE", "open", "warning")
    assert event.title == "AWS EC2: AWS_EC2_OPERATIONAL_ISSUE"
    assert event.summary.startswith("We are investigating increased API Error rates")
    assert (event.components, event.regions) == (["EC2"], ["us-east-1"])
    assert event.starts_at.isoformat() == "2023-02-15T22:07:07+00:00"  # RFC 1123 in the payload
    # deduplicated on eventArn + communicationId
    assert WEBHOOKS["aws-health"].delivery_id({}, body) == (
        "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE#01b0993207d81a09dcd552ebd1e633e36cf1f09a-1")
