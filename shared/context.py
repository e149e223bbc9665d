"""Per-request / per-event context: the correlation id that follows a flow across services."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str:
    value = correlation_id.get()
    if value is None:
        value = uuid.uuid4().hex
        correlation_id.set(value)
    return value
