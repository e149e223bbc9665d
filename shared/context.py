"""Per-request / per-event context: the correlation id that follows a flow across services."""

from __future__ import annotations

import random
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    # Random, not secret: uuid4 reads os.urandom, a system call on every request.
    return f"{random.getrandbits(128):032x}"


def current_correlation_id() -> str:
    value = correlation_id.get()
    if value is None:
        value = new_correlation_id()
        correlation_id.set(value)
    return value
