"""The deadline timeline SVG (watcher.web.timeline), read back with xml.etree: one marker per use at
its date, open markers for "not before" dates, target dates, today's line between the right months,
and text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from watcher.web.timeline import SVG_NS, Row, render

NS = {"s": SVG_NS}
TODAY = date(2026, 6, 17)
ROWS = [
    Row(team="team-search", service="search", model="gpt-4o-2024-05-13", platform="openai",
        retiring="gpt-4o-2024-05-13", deadline=date(2026, 10, 1), severity="warning"),
    Row(team="team-assistant", service="chat", model="gpt-4", platform="openai", retiring="gpt-4-0613",
        deadline=date(2026, 10, 23), severity="critical", state="acknowledged", target=date(2026, 9, 15), by="ana"),
    Row(team="team-ml", service="vertex-gemini", model="gemini-2.5-pro", platform="vertex",
        retiring="gemini-2.5-pro", deadline=date(2027, 6, 17), not_before=True, severity="notice"),
    Row(team="team-<script>&", service='a"b', model="m<1>", platform="p", retiring="m<1>",
        deadline=date(2026, 5, 2), severity="info"),
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML (unescaped text)
    assert root.tag == f"{{{SVG_NS}}}svg"
    return root


def markers(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter(f"{{{SVG_NS}}}circle") if "marker" in c.get("class", "").split()]


def test_one_marker_per_use_with_its_date_in_the_tooltip() -> None:
    root = parse(render(ROWS, TODAY))
    found = markers(root)
    assert len(found) == len(ROWS)
    titles = {m.get("data-date"): m.find("s:title", NS).text for m in found}
    assert set(titles) == {r.deadline.isoformat() for r in ROWS}
    for row in ROWS:
        tip = titles[row.deadline.isoformat()]
        assert row.deadline.isoformat() in tip and f"use {row.service} ({row.model})" in tip
    assert titles["2026-10-23"].endswith("acknowledged by ana; target date 2026-09-15")
    # grouped by team: the team labels in name order, each before its uses
    teams = [t.text for t in root.iter(f"{{{SVG_NS}}}text") if t.get("class") == "team"]
    assert teams == sorted(r.team for r in ROWS)


def test_not_before_dates_are_open_markers_and_deadlines_filled_by_severity() -> None:
    found = {m.get("data-date"): m for m in markers(parse(render(ROWS, TODAY)))}
    open_marker = found["2027-06-17"]
    assert "not-before" in open_marker.get("class", "").split() and open_marker.get("fill") == "none"
    assert open_marker.find("s:title", NS).text.startswith("not before 2027-06-17")
    filled = [m for m in found.values() if m is not open_marker]
    assert all(m.get("fill") not in (None, "none") for m in filled)
    assert found["2026-10-23"].get("fill") != found["2026-10-01"].get("fill")  # critical vs warning
    assert "sev-critical" in found["2026-10-23"].get("class", "")


def test_markers_sit_at_their_dates_and_today_between_its_months() -> None:
    root = parse(render(ROWS, TODAY))
    months = {t.get("data-month"): float(t.get("x")) for t in root.iter(f"{{{SVG_NS}}}text")
              if t.get("class") == "month"}
    assert min(months) == "2026-05" and max(months) == "2027-06"  # the earliest and the latest date's months
    assert list(months) == sorted(months) and len(months) == 14
    [today] = [line for line in root.iter(f"{{{SVG_NS}}}line") if line.get("class") == "today"]
    x = float(today.get("x1"))
    assert months["2026-06"] < x < months["2026-07"]
    # the 17th of a 30-day month: 16/30 of the way through it
    assert abs((x - months["2026-06"]) / (months["2026-07"] - months["2026-06"]) - 16 / 30) < 0.01
    found = {m.get("data-date"): float(m.get("cx")) for m in markers(root)}
    assert months["2026-10"] == found["2026-10-01"] < found["2026-10-23"] < months["2026-11"]  # the 1st: at the line
    assert found["2026-05-02"] < x  # overdue: left of today
    [target] = [p for p in root.iter(f"{{{SVG_NS}}}path") if p.get("class") == "target"]
    assert "2026-09-15" in target.find("s:title", NS).text
    assert months["2026-09"] < float(target.get("d").split()[0][1:]) < months["2026-10"]


def test_text_is_escaped_and_there_is_no_style_or_script() -> None:
    svg = render(ROWS, TODAY)
    assert "<script" not in svg and "style=" not in svg
    root = parse(svg)
    labels = [t.text for t in root.iter(f"{{{SVG_NS}}}text") if t.get("class") == "team"]
    assert "team-<script>&" in labels  # read back as the text it was
    tips = [m.find("s:title", NS).text for m in markers(root)]
    assert any('use a"b (m<1>)' in tip for tip in tips)


def test_nothing_to_draw_still_draws_today() -> None:
    root = parse(render([], TODAY))
    assert markers(root) == []
    assert [line.get("data-date") for line in root.iter(f"{{{SVG_NS}}}line")
            if line.get("class") == "today"] == ["2026-06-17"]
    # months ahead of today are drawn even with nothing in them
    assert [t.get("data-month") for t in root.iter(f"{{{SVG_NS}}}text") if t.get("class") == "month"] == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
