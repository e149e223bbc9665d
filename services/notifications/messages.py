"""Making messages: one per (event, recipient, kind), rendered once, in the feed at once, and
queued for e-mail in the same transaction as the event that caused it (the consumer's inbox
transaction); the delivery worker sends it later, outside that transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.models import Delivery
from services.notifications.rendering import render, unsubscribe_url
from services.notifications.rules import Kind, is_essential
from services.notifications.settings import NotificationsSettings
from shared.erasure import ERASED_EMAIL_DOMAIN, normalise_email


@dataclass(frozen=True)
class Recipient:
    email: str | None
    name: str | None = None


@dataclass(frozen=True)
class Attachment:
    path: str  # billing's API path of the PDF, e.g. "invoices/<id>/pdf"
    name: str  # the file name, e.g. "EWC-2021-00001.pdf"


def _addressable(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    address = normalise_email(email)
    return None if address.endswith("@" + ERASED_EMAIL_DOMAIN) else address


async def notify(
    session: AsyncSession,
    *,
    settings: NotificationsSettings,
    event_key: str,
    kind: Kind,
    recipients: Iterable[Recipient],
    values: dict[str, Any],
    now: datetime,
    attachment: Attachment | None = None,
) -> int:
    """Make ``kind``'s message for each recipient (once per address) unless it exists; returns
    how many were new. A person who turned the kind off still finds it in their feed."""
    made = 0
    seen: set[str] = set()
    for recipient in recipients:
        address = _addressable(recipient.email)
        if address is None or address in seen:
            continue
        seen.add(address)
        link = unsubscribe_url(
            settings.public_url, settings.jwt_secret, recipient=address, kind=kind
        )
        rendered = render(
            kind, {**values, "name": recipient.name or "colleague"}, unsubscribe_url=link
        )
        message_id = await store.insert_message(
            session,
            {
                "event_key": event_key,
                "recipient": address,
                "recipient_name": recipient.name,
                "kind": kind.value,
                "essential": is_essential(kind),
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "attachment_path": attachment.path if attachment else None,
                "attachment_name": attachment.name if attachment else None,
                "created_at": now,
            },
        )
        if message_id is None:
            continue  # made before: this event was delivered again
        wanted = is_essential(kind) or await store.kind_enabled(session, address, kind.value)
        session.add(
            Delivery(
                message_id=message_id,
                status="pending" if wanted else "suppressed",
                attempts=0,
                next_attempt_at=now,
            )
        )
        made += 1
    await session.flush()
    return made
