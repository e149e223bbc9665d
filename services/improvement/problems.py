"""The improvement service's problem types (RFC 9457 ``type`` URIs) and the one way it says
"not found": another organisation's object answers exactly like one that does not exist."""

from __future__ import annotations

from typing import TypeVar

from shared.errors import NotFound

PROBLEM_BASE = "https://enjoying-work.example/problems/improvement/"

T = TypeVar("T")


def present(row: T | None, detail: str, code: str) -> T:
    """The row, or 404 problem+json with ``detail``."""
    if row is None:
        raise NotFound(detail, type=PROBLEM_BASE + code)
    return row
