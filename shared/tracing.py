"""OpenTelemetry trace context: from an HTTP request into the events it causes (the envelope's
``traceparent``, as in the CloudEvents distributed-tracing extension) and on into the consumer's
span. Spans are exported only when an OTLP endpoint is configured (off by default); without one, a
request or event that does not arrive with a sampled trace gets a trace id but no recorded span,
which costs next to nothing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    """Install one SDK tracer provider per process (spans are recorded, exported only if asked)."""
    global _provider
    if _provider is None:
        # Parent-based: a trace sampled upstream is always recorded (and exported if asked).
        root = ALWAYS_ON if otlp_endpoint else ALWAYS_OFF
        _provider = TracerProvider(
            resource=Resource.create({"service.name": service}), sampler=ParentBased(root)
        )
        trace.set_tracer_provider(_provider)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    return _provider


_tracer_instance: trace.Tracer | None = None


def _tracer() -> trace.Tracer:
    # Fetched once: get_tracer builds a new tracer object on every call. (A tracer fetched before
    # configure_tracing is a proxy that follows the provider installed later.)
    global _tracer_instance
    if _tracer_instance is None:
        _tracer_instance = trace.get_tracer("enjoying-work")
    return _tracer_instance


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
    parent = _propagator.extract(headers)
    with _tracer().start_as_current_span(name, context=parent, kind=SpanKind.SERVER) as span:
        yield span


@contextmanager
def consumer_span(name: str, traceparent: str | None, **attributes: str) -> Iterator[Span]:
    with _tracer().start_as_current_span(
        name, context=_parent(traceparent), kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span
