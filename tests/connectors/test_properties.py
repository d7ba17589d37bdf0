"""Properties over hostile input (hypothesis; derandomized, so that CI runs the same examples every
time: when changing a parser, drop `derandomize` and raise `max_examples` locally to search wider):

- every connector, polled or webhook, fed a real fixture mutated at random (bytes flipped, cut,
  spliced, JSON values swapped for hostile ones) returns a result or raises a SourceError, never
  another exception;
- every output (Slack messages, the digest's text and HTML, the calendar) given provider text full
  of markup, line breaks and non-http links produces no markup of its own making, links only to
  http(s) URLs, stays within Slack's limits, and writes an ICS that an independent parser reads back.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from connectors import POLLED, WEBHOOKS
from connectors.contract.errors import SourceError
from tests.scenarios import FIXTURES
from watcher.config import Config, ServerConfig, WebhookConfig
from watcher.events import claims
from watcher.notify import calendar as calendar_module
from watcher.notify import digest, digest_view, messages
from watcher.notify.escalation import Step
from watcher.storage.tables import Event, Impact

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".json", ".xml", ".atom",
                                                                                        ".rss", ".md", ".html"))
HOSTILE_VALUES: list[Any] = [None, 10 ** 40, -1, 1.5e308, "", "\x00", "<script>x</script>", "javascript:alert(1)",
                             [], {}, [[[[[]]]]], "\r\n", "9" * 5000, True]
NASTY = st.sampled_from(["<b>", "</a>", "&amp;", "&", "<!channel>", "<@U1>", "|", "\r\n", "\n", "javascript:x()",
                         "<script>alert(1)</script>", "\x00", "💥", "*", "`", "\u202e", "https://ok.example/x"])
PROVIDER_TEXT = st.lists(st.one_of(NASTY, st.text(max_size=40)), max_size=12).map("".join)


def mutate(body: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    choice = rng.randrange(4)
    if choice == 0 and body:
        data = bytearray(body)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if choice == 1:
        return body[: rng.randrange(len(body) + 1)]
    if choice == 2 and body:
        at = rng.randrange(len(body))
        return body[:at] + rng.randbytes(rng.randint(1, 64)) + body[at:]
    try:
        document = json.loads(body)
    except ValueError:
        return body[::-1]
    return json.dumps(_swap(document, rng)).encode()


def _swap(value: Any, rng: random.Random) -> Any:
    """The document with some of its values replaced by hostile ones."""
    if isinstance(value, dict):
        return {k: (rng.choice(HOSTILE_VALUES) if rng.random() < 0.15 else _swap(v, rng)) for k, v in value.items()}
    if isinstance(value, list):
        return [rng.choice(HOSTILE_VALUES) if rng.random() < 0.15 else _swap(v, rng) for v in value]
    return value


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(POLLED)), index=st.integers(0, len(FIXTURE_FILES) - 1), seed=st.integers())
def test_polled_connectors_on_mutated_fixtures(kind: str, index: int, seed: int) -> None:
    body = mutate(FIXTURE_FILES[index].read_bytes(), seed)
    try:
        result = POLLED[kind].parse(body, url="https://example.test/x", fetched_at=datetime.now(UTC))
    except SourceError as exc:
        assert str(exc) and exc.category in ("parse", "layout_changed")
        return
    assert result.items_seen >= len(result.drafts)
    for draft in result.drafts:
        assert draft.external_id and draft.title


WEBHOOK_FIXTURES = sorted(p for p in FIXTURES.rglob("*.json") if p.parent.name in (
    "statuspage-webhook", "azure-service-health", "aws-health", "standard-webhooks"))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(kind=st.sampled_from(sorted(WEBHOOKS)), index=st.integers(0, len(WEBHOOK_FIXTURES) - 1), seed=st.integers())
def test_webhook_connectors_on_mutated_payloads(kind: str, index: int, seed: int) -> None:
    body = mutate(WEBHOOK_FIXTURES[index].read_bytes(), seed)
    hook = WebhookConfig(name="hook", kind=kind, provider="provider", secret_env="X")
    try:
        drafts = WEBHOOKS[kind].parse({"x-delivery-id": "1", "webhook-id": "1"}, body, settings=hook)
    except SourceError as exc:
        assert str(exc)
        return
    for draft in drafts:
        assert draft.external_id and draft.title


def event(title: str, summary: str, url: str, replacement: str, model: str) -> Event:
    return Event(id=7, provider="openai", kind="deprecation", external_id=model or "m", source="s", title=title,
                 summary=summary, url=url, status="deprecated", severity="warning", deadline="2026-12-24",
                 replacement=replacement, content_hash="h", provenance={"page": {"deadline": "2026-12-24"}},
                 extra={}, models=[], components=[], regions=[], updates=[])


def impact(service: str) -> Impact:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return Impact(id=3, event_id=7, use_key="k", service=service or "s", owner="team <x>", platform="openai",
                  model="gpt-<4>", rule="exact", reason="r", state="acknowledged", state_by="ana <b>",
                  plan="move | now", target_date="2026-12-20", related=[], created_at=now, updated_at=now)


def slack_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload["text"]]
    for block in payload.get("blocks") or []:
        if "text" in block and block["text"]["type"] == "mrkdwn":  # plain_text is shown as written
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
    return texts


def own_markup_only(text: str) -> bool:
    """Angle brackets in Slack text only as our own links and mentions."""
    rest = text
    while "<" in rest:
        start = rest.index("<")
        end = rest.find(">", start)
        if end < 0:
            return False
        inner = rest[start + 1:end]
        if not (inner.startswith(("https://", "http://", "!subteam^", "@")) or inner in ("!here", "!channel")):
            return False
        rest = rest[end + 1:]
    return ">" not in rest


@settings(max_examples=150, deadline=None, derandomize=True)
@given(title=PROVIDER_TEXT, summary=PROVIDER_TEXT, url=PROVIDER_TEXT, replacement=PROVIDER_TEXT, model=PROVIDER_TEXT,
       service=PROVIDER_TEXT)
def test_slack_messages_carry_no_provider_markup(title: str, summary: str, url: str, replacement: str, model: str,
                                                 service: str) -> None:
    item = messages.Item(impact(service), event(title, summary, url, replacement, model),
                         Step("d7", 7, "critical", True, "7 days left"))
    links = messages.Links("https://watcher.example.com")
    for payload in (messages.reminders([item], key="k", mention="<!subteam^S1>", links=links, today=date(2026, 12, 1)),
                    messages.incident(item.event, [item.impact], key="k", mention=None, links=links)):
        for text in slack_texts(payload):
            assert own_markup_only(text), text
        for block in payload["blocks"]:
            for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
                if "url" in element:
                    assert element["url"].startswith(("https://", "http://"))
                if element.get("type") == "button":
                    assert len(element["text"]["text"]) <= 75
            if "text" in block:
                assert len(block["text"]["text"]) <= (150 if block["type"] == "header" else 3000)
        assert all("<" + url not in t for t in slack_texts(payload) if url and not url.startswith("http"))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(title=PROVIDER_TEXT, comment=PROVIDER_TEXT, public=st.sampled_from(["https://w.example", "javascript:x()"]))
def test_digest_templates_escape_provider_text(title: str, comment: str, public: str) -> None:
    config = Config(server=ServerConfig(public_url=public))
    facts = digest.Facts(
        generated="2026-12-01 09:00 UTC",
        deadlines=[{"team": "t", "deadline": "2026-12-24", "days_left": 23, "days": "23 days left",
                    "platform": "openai", "model": title, "replacement": title, "services": title,
                    "human": comment, "link": None, "label": comment}],
        new_events=[{"first_seen": "2026-12-01", "provider": "openai", "kind": "incident", "title": title,
                     "services_by_owner": {"t": [title]}, "link": None}],
        incidents=[], unacknowledged=[{"owner": "t", "service": title, "reason": title, "event": title}],
        blind_spots=[{"name": title, "health": "broken", "last_error": title}],
        silences=[], dashboard=None if not public.startswith("http") else public, services_by_team={"t": {title}})
    del config
    _, text, html = digest_view.render(digest_view.view(facts))
    parsed = Links()
    parsed.feed(html)
    assert "script" not in parsed.tags
    assert all(href.startswith(("https://", "http://")) for href in parsed.hrefs)
    assert all("\r" not in line for line in text.splitlines())


@settings(max_examples=100, deadline=None, derandomize=True)
@given(title=PROVIDER_TEXT, url=PROVIDER_TEXT, replacement=PROVIDER_TEXT, model=PROVIDER_TEXT, owner=PROVIDER_TEXT)
def test_calendar_events_always_read_back(title: str, url: str, replacement: str, model: str, owner: str) -> None:
    item = event(title, "", url, replacement, model)
    assert claims.confirmed(item)
    config = Config(server=ServerConfig(public_url="https://watcher.example.com"))
    vevent = calendar_module._vevent(item, [{"service": title, "owner": owner, "state": "open"}], [], config,
                                     datetime(2026, 12, 1, tzinfo=UTC))
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + vevent + b"END:VCALENDAR\r\n"
    [parsed] = IcsCalendarStream.calendar_from_ics(body.decode()).events
    assert parsed.dtstart == date(2026, 12, 24) and parsed.dtend == date(2026, 12, 24) + timedelta(days=1)
    assert parsed.url is None or str(parsed.url).startswith(("https://", "http://"))
