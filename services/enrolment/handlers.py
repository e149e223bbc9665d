"""What the enrolment service does with incoming events: none yet (it is the origin)."""

from __future__ import annotations

from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {}
