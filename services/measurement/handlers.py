"""What the measurement service does with incoming events: subject → handler."""

from __future__ import annotations

from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {}
