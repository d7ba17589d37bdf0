"""Prometheus metrics, on a registry of their own so that each app (and test) starts from zero. Every
sample is exposed with a `replica` label: several replicas behind one scrape job stay apart."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric


class _Labelled:
    """A collector that adds constant labels to every sample of another registry."""

    def __init__(self, registry: CollectorRegistry, labels: dict[str, str]) -> None:
        self.registry = registry
        self.labels = labels

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            family.samples = [sample._replace(labels={**sample.labels, **self.labels}) for sample in family.samples]
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("watcher_polls_total", "Polls by source and outcome",
                             ["source", "outcome"], registry=self.registry)
        self.poll_seconds = Histogram("watcher_poll_duration_seconds", "Wall time of one poll",
                                      ["source"], registry=self.registry,
                                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.events = Counter("watcher_events_total", "New events stored", ["provider", "kind"],
                              registry=self.registry)
        self.revisions = Counter("watcher_revisions_total", "Revisions of known events",
                                 ["provider", "kind"], registry=self.registry)
        self.failures = Gauge("watcher_source_consecutive_failures", "Failed polls in a row",
                              ["source"], registry=self.registry)
        self.last_success = Gauge("watcher_source_last_success_timestamp_seconds",
                                  "Unix time of the last successful poll", ["source"],
                                  registry=self.registry)
        self.deliveries = Counter("watcher_webhook_deliveries_total", "Webhook deliveries by outcome",
                                  ["webhook", "outcome"], registry=self.registry)
        self.processed = Counter("watcher_webhook_processed_total", "Stored deliveries processed, by result",
                                 ["webhook", "result"], registry=self.registry)
        self.last_delivery = Gauge("watcher_webhook_last_delivery_timestamp_seconds",
                                   "Unix time of the last accepted delivery", ["webhook"], registry=self.registry)
        self.notifications_failed = Counter("watcher_notifications_failed_total",
                                             "Notifications that failed for good (not retried)", ["channel"],
                                             registry=self.registry)
        self.outbox_taken_over = Counter(
            "watcher_outbox_taken_over_total", "Notifications sent after the replica that claimed them stopped "
            "mid-send (each may have arrived twice)", registry=self.registry)
        self.replicas = Gauge("watcher_replicas_seen", "Replicas whose heartbeat is under a minute old, by role",
                              ["role"], registry=self.registry)
        self.up = Gauge("watcher_source_up", "1 when the last poll succeeded", ["source"],
                        registry=self.registry)

    def exposition(self, replica: str) -> bytes:
        """The text format, every sample labelled with `replica`."""
        labelled = CollectorRegistry(auto_describe=False)
        labelled.register(_Labelled(self.registry, {"replica": replica}))
        return generate_latest(labelled)
