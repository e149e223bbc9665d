"""The event catalogue: every event type any service records, keyed by subject.

One module per producing service; this package gathers them so that a consumer can validate
any incoming event and so JSON Schema can be exported for all of them.
"""

from __future__ import annotations

from typing import Any

from shared.events import billing, enrolment, improvement, measurement, sessions
from shared.events.base import DomainEvent, Envelope


def _collect() -> dict[str, type[DomainEvent]]:
    catalogue: dict[str, type[DomainEvent]] = {}
    for module in (enrolment, billing, measurement, sessions, improvement):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, DomainEvent)
                and value is not DomainEvent
                and "subject" in vars(value)
            ):
                if value.subject in catalogue:
                    raise RuntimeError(f"two events claim subject {value.subject}")
                catalogue[value.subject] = value
    return catalogue


CATALOGUE: dict[str, type[DomainEvent]] = _collect()

# The stream each producing service publishes to; every subject begins with its service name.
STREAMS: dict[str, str] = {
    "ENROLMENT": "enrolment.>",
    "BILLING": "billing.>",
    "MEASUREMENT": "measurement.>",
    "SESSIONS": "sessions.>",
    "IMPROVEMENT": "improvement.>",
}


def stream_for(subject: str) -> str:
    prefix = subject.split(".", 1)[0]
    for stream, pattern in STREAMS.items():
        if pattern.split(".", 1)[0] == prefix:
            return stream
    raise KeyError(subject)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema for every event in the catalogue, keyed by subject."""
    return {subject: model.model_json_schema() for subject, model in sorted(CATALOGUE.items())}


__all__ = ["CATALOGUE", "STREAMS", "DomainEvent", "Envelope", "json_schemas", "stream_for"]
