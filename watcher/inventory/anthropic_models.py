"""Anthropic's models overview page: one model's ids across platforms (Claude API id and alias,
AWS Bedrock id, Google Cloud id), in tables whose rows are the platforms. Seeds the catalog."""

from __future__ import annotations

import re

from connectors._tables import tables

ROWS = {"claude api id": "anthropic", "claude api alias": "alias", "aws bedrock id": "bedrock",
        "google cloud id": "vertex"}
# Bedrock ids on the page may carry a footnote digit ("anthropic.claude-opus-4-86"); only the ones
# that end like a Bedrock model version are certain.
_BEDROCK_VERSIONED = re.compile(r"-v\d+(?::\d+)?$")


def cross_platform_ids(page: str) -> list[dict[str, str]]:
    """One dict per model: {"anthropic": id, "alias": alias, "bedrock": id, "vertex": id} (as known)."""
    models: list[dict[str, str]] = []
    for table in tables(page):
        labelled = {row.cell(0).lower(): row for row in table.rows if row.cell(0).lower() in ROWS}
        if "claude api id" not in labelled:
            continue
        for column in range(1, len(table.header)):
            ids = {ROWS[label]: row.cell(column).replace("\\@", "@").strip() for label, row in labelled.items()}
            ids = {k: v for k, v in ids.items() if v and v != "-"}
            if ids.get("bedrock") and not _BEDROCK_VERSIONED.search(ids["bedrock"]):
                del ids["bedrock"]
            if ids.get("anthropic"):
                models.append(ids)
    return models
