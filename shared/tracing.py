"""OpenTelemetry trace context: from an HTTP request into the events it causes (the envelope's
``traceparent``, as in the CloudEvents distributed-tracing extension) and on into the consumer's
span. Spans are exported only when an OTLP endpoint is configured (off by default)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    """Install one SDK tracer provider per process (spans are recorded, exported only if asked)."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(_provider)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    return _provider


def _tracer() -> trace.Tracer:
    return trace.get_tracer("enjoying-work")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def _parent(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})


@contextmanager
def server_span(name: str, headers: Mapping[str, str]) -> Iterator[Span]:
    parent = _propagator.extract(dict(headers))
    with _tracer().start_as_current_span(name, context=parent, kind=SpanKind.SERVER) as span:
        yield span


@contextmanager
def consumer_span(name: str, traceparent: str | None, **attributes: str) -> Iterator[Span]:
    with _tracer().start_as_current_span(
        name, context=_parent(traceparent), kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span
