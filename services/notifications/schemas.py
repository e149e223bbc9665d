"""Request and response models of the notifications service; each response built here from
what a use case returned."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.notifications.feed import Feed
from services.notifications.models import Delivery, Message
from services.notifications.rules import Kind


class MessageOut(BaseModel):
    id: uuid.UUID
    kind: Kind
    essential: bool
    subject: str
    body_text: str
    created_at: datetime
    read_at: datetime | None


class FeedOut(BaseModel):
    unread: int = Field(description="How many of the person's messages are unread (all of them)")
    items: list[MessageOut] = Field(description="The newest messages first")


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        kind=Kind(message.kind),
        essential=message.essential,
        subject=message.subject,
        body_text=message.body_text,
        created_at=message.created_at,
        read_at=message.read_at,
    )


def feed_out(feed: Feed) -> FeedOut:
    return FeedOut(unread=feed.unread, items=[message_out(m) for m in feed.items])


class MarkedOut(BaseModel):
    marked: int


class PreferencesIn(BaseModel):
    """Kinds to turn on (true) or off (false); only non-essential kinds may be named."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[Kind, bool] = Field(max_length=len(Kind))


class PreferencesOut(BaseModel):
    kinds: dict[str, bool] = Field(description="Each non-essential kind: on (true) or off")


class UnsubscribedOut(BaseModel):
    kind: Kind
    unsubscribed: bool


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class ErasureOut(BaseModel):
    messages_deleted: int
    contacts_erased: int


class UndeliverableOut(BaseModel):
    message_id: uuid.UUID
    kind: Kind
    recipient: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime


def undeliverable_out(rows: Sequence[tuple[Delivery, Message]]) -> list[UndeliverableOut]:
    return [
        UndeliverableOut(
            message_id=message.id,
            kind=Kind(message.kind),
            recipient=message.recipient,
            subject=message.subject,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            created_at=message.created_at,
        )
        for delivery, message in rows
    ]
