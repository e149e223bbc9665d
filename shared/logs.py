"""Structured JSON logs: one line per request and per handled event, with the correlation id."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from shared.context import correlation_id

# Every shape of secret the project hands out, wherever it stands in a line (a message, a path a
# client typed or mis-encoded, a query string, an exception's text). No word boundaries: a
# token may follow a percent-encoded "=" ("%3Dewcal_...").
_SECRETS = (
    # "Bearer <anything>"
    (re.compile(r"(?i)(bearer\s+)[\w.\-~+/=%]+"), r"\1[redacted]"),
    # JWTs: a base64url JSON header ({" is eyJ), a payload and a signature
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), "[jwt redacted]"),
    # API keys ewc_<prefix>_<secret> and calendar feed tokens ewcal_<secret>, "_" maybe encoded
    (re.compile(r"(ewc|ewcal)(_|%5[fF])[\w\-%]+"), r"\1\2[redacted]"),
    # secret query parameters, whatever their value looks like
    (
        re.compile(
            r"(?i)([?&;](?:token|access_token|api_key|key|secret|password)(?:=|%3[dD]))[^&\s\"']+"
        ),
        r"\1[redacted]",
    ),
    # a password in a URL (nats://user:password@host)
    (re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), r"\1[redacted]@"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
)


# Each pattern above needs one of these in the text (the case-insensitive ones lowercased): a
# line with none of them (most access-log lines) is left as it is without running the patterns.
_NEEDLES = ("bearer", "eyj", "ewc", "=", "%3d", "://", "@")


def redact(text: str) -> str:
    """Logs never carry tokens (JWTs, feed tokens), API keys, passwords or email addresses."""
    lowered = text.lower()
    if not any(needle in lowered for needle in _NEEDLES):
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


_FIELDS = (
    "method",
    "path",
    "query",
    "status",
    "duration_ms",
    "event_type",
    "event_id",
    "outcome",
    "dead_letter_id",
    "operator",
)


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
        for key in _FIELDS:
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
