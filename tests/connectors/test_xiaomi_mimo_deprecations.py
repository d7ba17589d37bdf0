"""`xiaomi-mimo-deprecations` on the captured MiMo deprecation page: the offline day is the deadline,
the earlier system replacement day (auto-routing and new billing) is kept and told, Beijing time is
turned into the UTC moment the status depends on.

Rows checked by hand against `xiaomi__deprecations.md`, e.g.
"| mimo-v2-flash | Beijing Time 2026.6.30 00:00 | Beijing Time 2026.6.18 00:00 | mimo-v2.5 | The default value …"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import xiaomi_mimo_deprecations as xiaomi
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

PAGE = "xiaomi-mimo-deprecations/xiaomi__deprecations.md"
BEFORE = datetime(2026, 6, 10, tzinfo=UTC)  # after the first system replacements, before the offline day


def parse(body: bytes, fetched: datetime = BEFORE) -> ParseResult:
    return xiaomi.parse(body, url="https://mimo.mi.com/docs/en-US/updates/deprecate", fetched_at=fetched)


def events(result: ParseResult) -> dict[str, EventDraft]:
    return {d.external_id: d for d in result.drafts}


def test_every_row_is_a_deprecation_on_the_offline_day() -> None:
    result = parse(fixture(PAGE))
    found = events(result)
    assert result.items_seen == 4 and sorted(found) == ["mimo-v2-flash", "mimo-v2-omni", "mimo-v2-pro", "mimo-v2-tts"]
    assert {(d.provider, d.kind, d.deadline, d.deadline_precision, d.deadline_earliest, d.status)
            for d in found.values()} == {("xiaomi", "deprecation", "2026-06-30", "day", False, "deprecated")}
    replacements = {m: (d.replacement, d.extra["replacement_models"], d.extra["system_replacement_on"])
                    for m, d in found.items()}
    assert replacements == {
        "mimo-v2-pro": ("mimo-v2.5-pro", ["mimo-v2.5-pro"], "2026-06-01"),
        "mimo-v2-omni": ("mimo-v2.5", ["mimo-v2.5"], "2026-06-01"),
        "mimo-v2-flash": ("mimo-v2.5", ["mimo-v2.5"], "2026-06-18"),
        "mimo-v2-tts": ("mimo-v2.5-tts", ["mimo-v2.5-tts"], "2026-06-27"),
    }
    # the replacement models are not deprecated
    assert not {"mimo-v2.5", "mimo-v2.5-pro", "mimo-v2.5-tts"} & set(found)


def test_beijing_time_is_kept_and_converted() -> None:
    flash = events(parse(fixture(PAGE)))["mimo-v2-flash"]
    assert flash.extra["deadline_raw"] == "Beijing Time 2026.6.30 00:00"
    assert (flash.extra["offline_time"], flash.extra["offline_zone"]) == ("00:00", "Beijing Time (UTC+8)")
    assert flash.extra["offline_at_utc"] == "2026-06-29T16:00:00Z"
    assert flash.extra["system_replacement_at_utc"] == "2026-06-17T16:00:00Z"
    assert flash.extra["replacement_impact"] == "The default value of the parameter has changed, see details below"


def test_the_summary_says_the_system_replacement_changes_model_and_billing() -> None:
    pro = events(parse(fixture(PAGE)))["mimo-v2-pro"]
    assert "2026-06-30 00:00 Beijing Time (UTC+8)" in pro.summary
    assert "from 2026-06-01 its requests are routed to mimo-v2.5-pro and billed at mimo-v2.5-pro's price" in pro.summary


@pytest.mark.parametrize(("fetched", "status"), [
    (datetime(2026, 6, 29, 15, 59, tzinfo=UTC), "deprecated"),  # 23:59 in Beijing, still answering
    (datetime(2026, 6, 29, 16, 0, tzinfo=UTC), "retired"),  # 00:00 on June 30 in Beijing
    (datetime(2026, 8, 21, tzinfo=UTC), "retired"),  # the day the page was captured
])
def test_the_offline_moment_in_beijing_decides_the_status(fetched: datetime, status: str) -> None:
    assert {d.status for d in parse(fixture(PAGE), fetched).drafts} == {status}


def test_the_legend_word_deprecation_time_is_read_as_the_offline_column() -> None:
    # Derived from the real page: its legend calls the offline moment "Deprecation Time"; a version of the
    # table that uses the legend's word in its header must give the same events.
    text = fixture(PAGE).decode().replace("| Offline Time                 |", "| Deprecation Time             |")
    assert "Offline Time" not in text.split("### Deprecated model")[1]
    assert [(d.external_id, d.deadline, d.extra["system_replacement_on"]) for d in parse(text.encode()).drafts] == \
        [(d.external_id, d.deadline, d.extra["system_replacement_on"]) for d in parse(fixture(PAGE)).drafts]


def test_a_page_without_its_table_or_with_meaningless_headers_is_a_layout_change() -> None:
    # Derived from the real page: the header row renamed to nonsense, then the table removed.
    text = fixture(PAGE).decode()
    header = next(line for line in text.splitlines() if line.startswith("| Deprecated Model"))
    with pytest.raises(LayoutChanged):
        parse(text.replace(header, "| A | B | C | D | E |").encode())
    with pytest.raises(LayoutChanged):
        parse("\n".join(line for line in text.splitlines() if not line.startswith("|")).encode())


def html_of(markdown: str) -> str:
    """The page as mimo.mi.com serves it (an HTML article): headings, paragraphs and the table rebuilt as
    HTML from the captured Markdown rendering, cell by cell."""
    out, in_table = ["<html><body><article>"], False
    for line in markdown.splitlines():
        if line.startswith("|") != in_table:
            out.append("<table>" if not in_table else "</table>")
            in_table = not in_table
        if line.startswith("###"):
            out.append(f"<h3>{line.lstrip('# ')}</h3>")
        elif line.startswith("|") and not line.startswith("| --"):
            cells = [c.strip().replace("\\", "") for c in line.strip().strip("|").split("|")]
            tag = "th" if "Deprecated Model" in line else "td"
            out.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
        elif line.strip() and not line.startswith("|"):
            out.append(f"<p>{line}</p>")
    return "\n".join([*out, "</article></body></html>"])


def test_the_html_page_gives_the_same_events() -> None:
    # Derived from the real capture (the peer converted the HTML page to Markdown; this turns it back).
    html = html_of(fixture(PAGE).decode())
    assert "<table>" in html and "<td>Beijing Time 2026.6.18 00:00</td>" in html
    fields = [(d.external_id, d.deadline, d.replacement, d.extra["system_replacement_on"], d.extra["offline_at_utc"])
              for d in parse(html.encode()).drafts]
    assert fields == [(d.external_id, d.deadline, d.replacement, d.extra["system_replacement_on"],
                       d.extra["offline_at_utc"]) for d in parse(fixture(PAGE)).drafts]
    assert len(fields) == 4
