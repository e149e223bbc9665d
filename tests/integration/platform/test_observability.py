"""What operators see: Prometheus metrics that move with a flow, a correlation id and a trace that
follow a flow from the first HTTP request into the consuming service, and the outbox backlog."""

from __future__ import annotations

import io
import json
import logging
import uuid

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from shared.logs import JsonFormatter
from shared.tracing import configure_tracing
from tests.e2e.test_walking_skeleton import confirmed_team, invoices_for
from tests.support import NatsServer, RunningService, eventually, run_service


async def metric(target: RunningService, name: str, **labels: str) -> float:
    response = await target.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    total = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def test_metrics_move_when_a_flow_runs(nats_server: NatsServer) -> None:
    async with (
        run_service("enrolment", nats_url=nats_server.url) as enrolment,
        run_service("billing", nats_url=nats_server.url) as billing,
    ):
        subject = "enrolment.team.confirmed"
        published_before = await metric(
            enrolment, "ewc_events_published_total", service="enrolment", type=subject
        )
        consumed_before = await metric(
            billing, "ewc_events_consumed_total", service="billing", type=subject, outcome="handled"
        )
        requests_before = await metric(enrolment, "ewc_http_requests_total", service="enrolment")
        team_id = await confirmed_team(enrolment)
        await eventually(lambda: invoices_for(billing, team_id))
        assert (
            await metric(enrolment, "ewc_events_published_total", service="enrolment", type=subject)
            == published_before + 1
        )
        assert (
            await metric(
                billing,
                "ewc_events_consumed_total",
                service="billing",
                type=subject,
                outcome="handled",
            )
            == consumed_before + 1
        )
        assert (
            await metric(enrolment, "ewc_http_requests_total", service="enrolment")
            > requests_before
        )
        assert (
            await metric(billing, "ewc_http_request_duration_seconds_count", service="billing") > 0
        )


async def test_correlation_id_and_trace_follow_the_flow_into_the_consumer(
    nats_server: NatsServer,
) -> None:
    exporter = InMemorySpanExporter()
    configure_tracing("tests").add_span_processor(SimpleSpanProcessor(exporter))
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter("billing"))
    inbox_log = logging.getLogger("shared.inbox")
    inbox_log.addHandler(handler)
    correlation = f"flow-{uuid.uuid4().hex}"
    trace_id = uuid.uuid4().hex
    try:
        async with (
            run_service("enrolment", nats_url=nats_server.url) as enrolment,
            run_service("billing", nats_url=nats_server.url) as billing,
        ):
            enrolment.client.headers["X-Correlation-Id"] = correlation
            enrolment.client.headers["traceparent"] = f"00-{trace_id}-{'1' * 16}-01"
            team_id = await confirmed_team(enrolment)
            await eventually(lambda: invoices_for(billing, team_id))
    finally:
        inbox_log.removeHandler(handler)
    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    handled = [
        e
        for e in entries
        if e.get("event_type") == "enrolment.team.confirmed" and e.get("outcome") == "handled"
    ]
    assert handled, entries
    assert handled[0]["correlation_id"] == correlation
    assert handled[0]["service"] == "billing"
    consumer_spans = [
        s for s in exporter.get_finished_spans() if s.name == "handle enrolment.team.confirmed"
    ]
    assert consumer_spans
    assert format(consumer_spans[-1].context.trace_id, "032x") == trace_id


async def test_outbox_backlog_metric_rises_while_nats_is_down_and_returns_to_zero(
    nats_server: NatsServer,
) -> None:
    async with run_service("enrolment", nats_url=nats_server.url) as enrolment:
        assert await metric(enrolment, "ewc_outbox_backlog", service="enrolment") == 0
        nats_server.stop()
        await eventually(lambda: _disconnected(enrolment))
        await confirmed_team(enrolment)
        assert await metric(enrolment, "ewc_outbox_backlog", service="enrolment") >= 1
        assert await metric(enrolment, "ewc_outbox_oldest_age_seconds", service="enrolment") >= 0
        nats_server.start()
        await eventually(lambda: _backlog_zero(enrolment), timeout=20)


async def _disconnected(service: RunningService) -> bool:
    return not service.app.state.bus.connected


async def _backlog_zero(service: RunningService) -> bool:
    return await metric(service, "ewc_outbox_backlog", service="enrolment") == 0
