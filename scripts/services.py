"""The services ``make run`` starts, and the port each listens on by default (each service's
settings class holds the same default; a test checks that they agree). Standard library only:
the container healthcheck reads it too."""

from __future__ import annotations

PORTS: dict[str, int] = {
    "enrolment": 8001,
    "measurement": 8002,
    "sessions": 8003,
    "billing": 8004,
    "improvement": 8005,
    "notifications": 8006,
}
