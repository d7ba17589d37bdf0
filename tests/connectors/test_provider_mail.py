"""The provider-mail connector on every fixture of tests/fixtures/provider-mail: what each mail is taken
for (kind, platform, trust), the rows it makes (hand-checked against the mail's text), and what it must
never make (a deprecation from a spoofed sender, an event from an attachment or an API version)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, default
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors._mail_kinds import kind_of
from connectors._mail_message import letter, sent_time
from connectors._mail_senders import platform_of, proof
from connectors.provider_mail import read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "provider-mail"


def mail(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rows(name: str) -> list[tuple[str, str, str, str | None, str | None]]:
    return [(d.kind, d.provider, d.external_id, d.deadline, d.replacement) for d in read(mail(name)).drafts]


def test_every_fixture_has_an_authenticated_reading_and_every_spoof_is_unverified() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.eml"))
    spoofs = [n for n in names if n.endswith("_spoofed.eml")]
    assert len(names) == 23 and len(spoofs) == 10
    for spoof in spoofs:
        genuine, forged = read(mail(spoof.replace("_spoofed", ""))), read(mail(spoof))
        assert (genuine.trust, genuine.authenticated) == ("provider", True), spoof
        assert (forged.trust, forged.authenticated) == ("unverified", False), spoof
        assert forged.platform == genuine.platform
        [draft] = forged.drafts
        assert (draft.kind, draft.severity, draft.status) == ("account", "notice", "unverified")
        assert draft.title.startswith("Unverified mail claiming to be from ")
        assert draft.title.endswith(letter(mail(spoof)).subject)


def test_anthropic_claude4_mail_deprecates_both_models_with_the_time_zone_kept() -> None:
    found = read(mail("anthropic_claude4_retirement.eml"))
    assert (found.platform, found.vendor, found.key) == ("anthropic", "anthropic",
                                                         "claude4-retirement.20260415@mail.anthropic.com")
    assert [(d.kind, d.provider, d.external_id, d.deadline, d.replacement, d.status) for d in found.drafts] == [
        ("deprecation", "anthropic", "claude-sonnet-4-20250514", "2026-06-15", "Claude Sonnet 4.6", "deprecated"),
        ("deprecation", "anthropic", "claude-opus-4-20250514", "2026-06-15", "Claude Opus 4.6", "deprecated"),
    ]
    sonnet = found.drafts[0]
    assert sonnet.severity == "warning"
    assert sonnet.extra["deadline_time"] == "9AM PT"
    assert sonnet.extra["deadline_zone"] == "America/Los_Angeles"
    assert sonnet.extra["deadline_at"] == "2026-06-15T16:00:00Z"  # 9AM PDT
    assert sonnet.extra["milestones"] == [{"date": "2026-05-14", "text": (
        "Starting May 14, 2026, users may experience decreased availability when using these models, as well as "
        "errors if usage is accelerated too quickly.")}]
    assert sonnet.extra["action"] == ("You must upgrade to a newer, supported model by this date to avoid service "
                                      "interruption.")
    assert sonnet.extra["mail"]["told"] == ["ai-platform@example.com"]
    assert sonnet.updates == [{"at": "2026-04-15T16:02:11Z", "status": "e-mailed", "body": (
        "Anthropic told ai-platform@example.com: Claude Sonnet 4 and Claude Opus 4 will be retired on June 15, 2026")}]
    assert sonnet.url is None and "third_party" not in sonnet.extra


def test_anthropic_opus3_mail_reads_the_id_beside_the_name_and_the_january_zone() -> None:
    [draft] = read(mail("anthropic_opus3_retirement.eml")).drafts
    assert (draft.external_id, draft.deadline, draft.replacement) == ("claude-3-opus-20240229", "2026-01-05",
                                                                       "Claude Opus 4")
    assert draft.extra["deadline_at"] == "2026-01-05T17:00:00Z"  # 9AM PST: winter time
    assert draft.published_at == datetime(2025, 6, 30, 17, 15, tzinfo=UTC)  # the mail's Date, in UTC


def test_openai_html_only_base64_table_lowercases_the_ids() -> None:
    assert rows("openai_gpt5_snapshots_shutdown.eml") == [
        ("deprecation", "openai", "gpt-5-2025-08-07", "2026-12-10", None),
        ("deprecation", "openai", "gpt-5-mini-2025-08-07", "2026-12-10", None),
        ("deprecation", "openai", "gpt-5-nano-2025-08-07", "2026-12-10", None),
        ("deprecation", "openai", "gpt-5-pro-2025-10-06", "2026-12-10", None),
    ]
    assert b"Content-Transfer-Encoding: base64" in mail("openai_gpt5_snapshots_shutdown.eml")
    first = read(mail("openai_gpt5_snapshots_shutdown.eml")).drafts[0]
    assert first.title == "gpt-5-2025-08-07 retirement (2026-12-10)"


def test_google_cloud_retired_ids_table_gives_each_its_upgrade_on_vertex() -> None:
    assert rows("google_vertex_gemini15_retired.eml") == [
        ("deprecation", "vertex", "gemini-1.5-flash-002", "2025-09-24", "gemini-2.5-flash"),
        ("deprecation", "vertex", "gemini-1.5-pro-002", "2025-09-24", "gemini-2.5-pro"),
    ]


def test_google_cloud_dates_update_reads_a_display_name_and_an_id_each_with_its_date() -> None:
    found = read(mail("google_vertex_gemini20_dates_updated.eml")).drafts
    assert [(d.external_id, d.deadline) for d in found] == [("gemini-2.0-flash", "2026-03-03"),
                                                            ("gemini-2.5-flash-preview-09-2025", "2026-01-15")]
    assert found[0].extra["id_from_name"] is True  # "Gemini 2.0 Flash": the id it spells
    assert "id_from_name" not in found[1].extra


def test_aws_health_bedrock_mail_this_model_and_the_day_requests_fail_attachment_ignored() -> None:
    raw = mail("aws_bedrock_claude35_sonnet_eol.eml")
    assert b'filename="affected-resources.txt"' in raw and b"Content-Disposition: attachment" in raw
    found = read(raw)
    assert (found.platform, found.vendor) == ("bedrock", "aws")
    [draft] = found.drafts  # the attachment (a deprecations page listing dozens of OpenAI ids) is not read
    assert (draft.provider, draft.external_id, draft.deadline) == (
        "bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0", "2026-03-01")
    assert {m["date"] for m in draft.extra["milestones"]} == {"2025-12-01"}


def test_azure_mails_are_news_with_the_action_not_deprecations() -> None:
    update = read(mail("azure_openai_gpt4o_auto_update.eml"))
    [draft] = update.drafts
    assert (update.platform, draft.kind, draft.severity) == ("azure-openai", "changelog", "notice")
    assert draft.extra["action"].startswith("Recommended action Test your applications and workflows")
    assert "You’re receiving this notice because you use Azure OpenAI Service." in draft.summary  # windows-1252
    assert b'charset="windows-1252"' in mail("azure_openai_gpt4o_auto_update.eml")
    assert {m["date"] for m in draft.extra["milestones"]} == {"2024-12-11"}  # "version 2024-05-13" is no date
    preview = read(mail("azure_openai_preview_api_retirement.eml")).drafts
    assert [(d.kind, d.severity) for d in preview] == [("changelog", "info")]  # API versions are no models


def test_account_and_incident_mails() -> None:
    [key] = read(mail("openai_api_key_leaked.eml")).drafts
    assert (key.kind, key.provider, key.severity, key.external_id) == ("account", "openai", "warning",
                                                                         "key-rotation.20230130@openai.com")
    assert key.title == "OpenAI: Your OpenAI API key was rotated"
    assert b"Content-Transfer-Encoding: quoted-printable" in mail("openai_api_key_leaked.eml")
    assert "determined to have been leaked" in key.summary
    [incident] = read(mail("anthropic_status_incident.eml")).drafts
    assert (incident.kind, incident.provider, incident.status, incident.severity) == (
        "incident", "anthropic", "monitoring", "warning")


def test_forwards_are_unwrapped_and_trusted_as_far_as_authentication_goes() -> None:
    gmail = read(mail("forward_gmail_anthropic_opus3.eml"))
    assert (gmail.trust, gmail.authenticated, gmail.platform) == ("forwarder", False, "anthropic")
    assert gmail.extra["from"] == "Anthropic <no-reply@mail.anthropic.com>"
    assert gmail.extra["date_as_written"] == "Mon, Jun 30, 2025 at 7:15 PM"
    assert gmail.sent_at == datetime(2025, 6, 30, tzinfo=UTC)  # the forward gives no zone: the day
    [draft] = gmail.drafts
    assert (draft.external_id, draft.deadline) == ("claude-3-opus-20240229", "2026-01-05")
    assert draft.extra["third_party"] is True and draft.extra["publisher"] == "alice@example.com (forwarded)"
    assert draft.extra["mail"]["forwarded"]["trust"] == (
        "trusted only as alice@example.com's word: the receiving server authenticated the forwarder, not Anthropic")

    group = read(mail("group_anthropic_claude4_retirement.eml"))
    assert (group.trust, group.authenticated) == ("provider", True)  # the original DKIM still verified
    assert [d.external_id for d in group.drafts] == ["claude-sonnet-4-20250514", "claude-opus-4-20250514"]
    assert group.extra["forwarded"]["how"] == "resent by the list <ai-platform.example.com>"
    assert "third_party" not in group.drafts[0].extra

    outlook = read(mail("forward_outlook_openai_gpt5_unauthenticated.eml"))
    assert (outlook.trust, outlook.platform) == ("unverified", "openai")
    assert outlook.extra["from"] == "OpenAI <noreply@email.openai.com>"
    assert [d.kind for d in outlook.drafts] == ["account"]  # the forwarder failed SPF: never a deprecation


def test_a_forward_as_attachment_reads_the_attached_original() -> None:
    wrapper = EmailMessage()
    wrapper["Authentication-Results"] = "mx.example.com; dkim=pass header.d=example.com; spf=pass " \
                                        "smtp.mailfrom=carol@example.com"
    wrapper["From"] = "Carol <carol@example.com>"
    wrapper["To"] = "ai-platform@example.com"
    wrapper["Subject"] = "FW: key rotated"
    wrapper["Message-ID"] = "<attached-forward@example.com>"
    wrapper.set_content("See attached.")
    wrapper.add_attachment(BytesParser(policy=default).parsebytes(mail("openai_api_key_leaked.eml")))
    found = read(wrapper.as_bytes(policy=SMTP))
    assert (found.trust, found.extra["from"], found.extra["forwarded"]["how"]) == (
        "forwarder", "OpenAI <noreply@openai.com>", "forwarded as an attachment")
    [draft] = found.drafts
    assert (draft.kind, draft.external_id, draft.extra["third_party"]) == ("account", "attached-forward@example.com",
                                                                           True)


def test_only_the_receiving_servers_results_are_believed() -> None:
    spoof = letter(mail("anthropic_claude4_retirement_spoofed.eml"))
    assert len(spoof.auth_results) == 2  # a forged "pass" from mail.evil.example sits below the receiver's
    assert not proof(spoof.auth_results).covers("anthropic.com")
    assert proof(spoof.auth_results, ["mail.evil.example"]).covers("anthropic.com")  # only if told to trust it
    assert proof(spoof.auth_results, ["mx.example.com"]).said == (
        "dkim=fail (mail.anthropic.com)", "spf=fail (mail.anthropic.com)", "dmarc=fail (anthropic.com)")


def test_mail_that_is_none_of_the_watchers_business() -> None:
    colleague = EmailMessage()
    colleague["From"] = "Dave <dave@gmail.com>"
    colleague["Subject"] = "lunch? (we retire gpt-4 on Friday, ha)"
    colleague.set_content("no")
    found = read(colleague.as_bytes(policy=SMTP))
    assert (found.drafts, found.platform, found.trust, found.why) == ([], None, "none", "not provider mail")
    assert found.key.startswith("sha256:") and len(found.key) == 71  # no Message-ID: named by its bytes
    ec2 = EmailMessage()
    ec2["Authentication-Results"] = "mx.example.com; dkim=pass header.d=amazon.com"
    ec2["From"] = "Amazon Web Services <no-reply-aws@amazon.com>"
    ec2["Subject"] = "[Action Required] EC2 instance retirement"
    ec2["Message-ID"] = "<ec2@amazon.com>"
    ec2.set_content("Your instance i-0abc will be retired on March 3, 2026.")
    other = read(ec2.as_bytes(policy=SMTP))
    assert (other.drafts, other.platform, other.vendor, other.authenticated) == ([], None, "aws", True)


@pytest.mark.parametrize(("vendor", "text", "platform"), [
    ("google", "Gemini 1.5 models on Vertex AI", "vertex"),
    ("google", "discontinuing GA models on Gemini API and Google AI Studio", "gemini"),
    ("google", "Your Workspace invoice", None),
    ("aws", "Amazon Bedrock: Claude 3.5 Sonnet", "bedrock"),
    ("azure", "Azure OpenAI Service gpt-4o", "azure-openai"),
    ("azure", "Models in Azure AI Foundry", "azure-ai"),
    ("mistral", "anything", "mistral"),
])
def test_platform_of_a_vendors_mail(vendor: str, text: str, platform: str | None) -> None:
    assert platform_of(vendor, text) == platform


@pytest.mark.parametrize(("written", "utc"), [
    ("Tue, 14 Apr 2026 17:02:00 -0700", datetime(2026, 4, 15, 0, 2, tzinfo=UTC)),
    ("Tue, Apr 14, 2026 at 5:02 PM", datetime(2026, 4, 14, tzinfo=UTC)),
    ("Tuesday, April 14, 2026 5:02 PM", datetime(2026, 4, 14, tzinfo=UTC)),
    ("14 April 2026 at 17:02:00 GMT+2", datetime(2026, 4, 14, 15, 2, tzinfo=UTC)),
    ("yesterday", None),
])
def test_forwarded_dates_as_mail_clients_write_them(written: str, utc: datetime | None) -> None:
    assert sent_time(written) == utc


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000) | st.sampled_from(sorted(FIXTURES.glob("*.eml"))).map(
    lambda p: p.read_bytes()[: len(p.read_bytes()) // 2]))
def test_hostile_or_cut_mail_never_raises(raw: bytes) -> None:
    found = read(raw)
    assert found.key and all(d.provider and d.external_id for d in found.drafts)


def test_charsets_python_does_not_know_are_read_as_utf8_not_an_error() -> None:
    raw = (b"Authentication-Results: mx.example.com; dkim=pass header.d=openai.com\r\nFrom: OpenAI <noreply@openai.com>"
           b"\r\nSubject: =?x-unknown?q?Your_invoice?=\r\nMessage-ID: <bogus@openai.com>\r\n"
           b"Content-Type: text/plain; charset=x-bogus\r\n\r\nYour payment failed \xff\r\n")
    [draft] = read(raw).drafts
    assert (draft.kind, draft.severity) == ("billing", "warning")
    assert draft.summary == "Your payment failed \ufffd"


@pytest.mark.parametrize(("subject", "text", "expected"), [
    # OpenAI's quota answer and Anthropic's credit answer, as the APIs word them (quoted in many issues)
    ("", "You exceeded your current quota, please check your plan and billing details.", ("billing", "warning", None)),
    ("", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or "
         "purchase credits.", ("billing", "warning", None)),
    ("Elevated errors on platform.claude.com", "We are investigating elevated errors affecting usage data on the "
     "platform.claude.com Usage page and the Admin API usage report.", ("incident", "warning", "investigating")),
    ("Your OpenAI API key was rotated", "Your OpenAI API key was determined to have been leaked",
     ("account", "warning", None)),
    ("Introducing Claude Sonnet 5", "Claude Sonnet 5 is available today in the API.", ("changelog", "info", None)),
])
def test_what_a_mail_that_retires_nothing_is(subject: str, text: str, expected: tuple[str, str, str | None]) -> None:
    assert kind_of(subject, text) == expected
