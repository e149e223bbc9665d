"""Prometheus metrics shared by every service (labelled by service, so tests may run several)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "ewc_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "ewc_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
EVENTS_PUBLISHED = Counter("ewc_events_published_total", "Events published", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "ewc_events_consumed_total", "Events handled by outcome", ["service", "type", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "ewc_events_dead_lettered_total", "Events moved to the dead-letter store", ["service", "type"]
)
OUTBOX_BACKLOG = Gauge("ewc_outbox_backlog", "Unpublished outbox rows", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "ewc_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
CONSUMER_LAG = Gauge(
    "ewc_consumer_pending", "Messages pending for a durable consumer", ["service", "consumer"]
)
CONSUMER_ACK_PENDING = Gauge(
    "ewc_consumer_ack_pending",
    "Messages a durable consumer's replicas fetched and have not acknowledged yet",
    ["service", "consumer"],
)
EVENTS_REDELIVERED = Counter(
    "ewc_events_redelivered_total",
    "Events fetched again: an earlier delivery was not acknowledged in time (a replica died or "
    "stalled) or its handler failed and asked for a retry",
    ["service", "consumer"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "ewc_outbox_publish_failures_total",
    "Publish attempts that failed (the event stays in the outbox and goes again)",
    ["service", "error"],
)
NATS_CONNECTED = Gauge("ewc_nats_connected", "1 while connected to a NATS server", ["service"])
NATS_RECONNECTS = Counter(
    "ewc_nats_reconnects_total", "Reconnections to NATS after losing a server", ["service"]
)
INGESTED_ROWS = Counter(
    "ewc_ingested_rows_total",
    "Survey and measure rows accepted by ingestion",
    ["service", "outcome"],
)
