"""Connectors: one module per source kind or provider, listed explicitly by config `kind`."""

from __future__ import annotations

from connectors import aws_health_public, feed, google_cloud_status, statuspage
from watcher.connector import PolledConnector

POLLED: dict[str, PolledConnector] = {
    c.kind: c
    for c in (
        statuspage.CONNECTOR,
        feed.CONNECTOR,
        google_cloud_status.CONNECTOR,
        aws_health_public.CONNECTOR,
    )
}
