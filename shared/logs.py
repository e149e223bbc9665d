"""Structured JSON logs: one line per request and per handled event, with the correlation id."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from shared.context import correlation_id

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BEARER = re.compile(r"(?i)(bearer\s+|ewc_)[\w.\-~+/=]+")


def redact(text: str) -> str:
    """Logs never carry tokens, API keys or email addresses."""
    return _EMAIL.sub("[email]", _BEARER.sub(r"\1[redacted]", text))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        cid = getattr(record, "correlation_id", None) or correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        for key in ("method", "path", "status", "duration_ms", "event_type", "event_id", "outcome"):
            value = getattr(record, key, None)
            if value is not None:
                # A path may carry whatever a client typed into it (an email, a key).
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry)


def configure_logging(service: str, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_ewc", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler._ewc = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("uvicorn.access", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
