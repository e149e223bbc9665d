"""The base of every domain event and the CloudEvents-style envelope that carries it.

Events are immutable facts named in the past tense. The catalogue (this package) is the only
contract between services: a consumer validates every event it receives against it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class DomainEvent(BaseModel):
    """A fact that happened in one service. Subclasses set ``subject`` (`<service>.<aggregate>.<happened>`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: ClassVar[str]


class Envelope(BaseModel):
    """CloudEvents 1.0 attribute names, plus a correlation id that follows a flow across services."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    correlationid: str | None = None
    # W3C trace context of the change that caused the event (CloudEvents tracing extension).
    traceparent: str | None = None
    data: dict[str, Any]
