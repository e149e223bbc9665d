"""All persistence of the notifications service: the copies of other services' facts, the
messages (exactly once by their unique key), the delivery queue, preferences; and the one
readable statement of the feed: a person reads the messages sent to their own address."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.models import (
    Coach,
    Delivery,
    Message,
    Organisation,
    OverdueInvoice,
    Preference,
    ProgrammeSession,
    Team,
)
from shared.db import dialect_insert


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- copies ----------------------------------------------------------------------------------


async def team(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


async def teams(session: AsyncSession, team_ids: Sequence[uuid.UUID]) -> Sequence[Team]:
    if not team_ids:
        return []
    rows = await session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.id))
    return rows.all()


async def cohort_roster(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[Team]:
    """The cohort's teams on the programme (confirmed, not withdrawn)."""
    rows = await session.scalars(
        select(Team)
        .where(Team.cohort_id == cohort_id, Team.status == "confirmed")
        .order_by(Team.id)
    )
    return rows.all()


async def coach(session: AsyncSession, coach_id: uuid.UUID | None) -> Coach | None:
    return None if coach_id is None else await session.get(Coach, coach_id)


async def organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def programme_session(
    session: AsyncSession, session_id: uuid.UUID
) -> ProgrammeSession | None:
    return await session.get(ProgrammeSession, session_id)


async def sessions_starting(
    session: AsyncSession, *, after: datetime, before: datetime
) -> Sequence[ProgrammeSession]:
    rows = await session.scalars(
        select(ProgrammeSession)
        .where(
            ProgrammeSession.starts_at > after,
            ProgrammeSession.starts_at <= before,
            ProgrammeSession.cancelled.is_(False),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    return rows.all()


async def overdue_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> OverdueInvoice | None:
    return await session.get(OverdueInvoice, invoice_id)


async def unsettled_overdue(session: AsyncSession) -> Sequence[OverdueInvoice]:
    rows = await session.scalars(
        select(OverdueInvoice)
        .where(OverdueInvoice.settled.is_(False))
        .order_by(OverdueInvoice.invoice_id)
    )
    return rows.all()


# --- messages --------------------------------------------------------------------------------


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert a message unless its (event, recipient, kind) is already there: the new id, or
    None for a message already made (a redelivered or replayed event)."""
    insert = dialect_insert(session)
    statement = (
        insert(Message)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["event_key", "recipient", "kind"])
        .returning(Message.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def kind_enabled(session: AsyncSession, recipient: str, kind: str) -> bool:
    enabled = await session.scalar(
        select(Preference.enabled).where(Preference.recipient == recipient, Preference.kind == kind)
    )
    return enabled is not False


async def preferences(session: AsyncSession, recipient: str) -> dict[str, bool]:
    rows = await session.execute(
        select(Preference.kind, Preference.enabled).where(Preference.recipient == recipient)
    )
    return {kind: enabled for kind, enabled in rows.all()}


async def set_preference(
    session: AsyncSession, *, recipient: str, kind: str, enabled: bool, now: datetime
) -> None:
    insert = dialect_insert(session)
    statement = insert(Preference).values(
        recipient=recipient, kind=kind, enabled=enabled, changed_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["recipient", "kind"],
            set_={"enabled": enabled, "changed_at": now},
        )
    )


# --- the delivery queue ----------------------------------------------------------------------


async def due_deliveries(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[tuple[Delivery, Message]]:
    """The messages due to go, oldest first, locked (two replicas never take the same one)."""
    statement = (
        select(Delivery, Message)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Message.created_at)
        .limit(limit)
    )
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True, of=Delivery)
    rows = await session.execute(statement)
    return [(delivery, message) for delivery, message in rows.tuples().all()]


async def undeliverable(session: AsyncSession, *, limit: int) -> Sequence[tuple[Delivery, Message]]:
    rows = await session.execute(
        select(Delivery, Message)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.status == "dead")
        .order_by(Message.created_at.desc(), Message.id)
        .limit(limit)
    )
    return [(delivery, message) for delivery, message in rows.tuples().all()]


# --- the feed: the readable statement --------------------------------------------------------


def readable_messages(recipient: str) -> Select[tuple[Message]]:
    """What a person may read: the messages sent to their own address, nothing else."""
    return select(Message).where(Message.recipient == recipient)


async def feed(session: AsyncSession, recipient: str, *, limit: int) -> Sequence[Message]:
    rows = await session.scalars(
        readable_messages(recipient)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return rows.all()


async def unread_count(session: AsyncSession, recipient: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.recipient == recipient, Message.read_at.is_(None))
    )
    return int(count or 0)


async def readable_message(
    session: AsyncSession, recipient: str, message_id: uuid.UUID
) -> Message | None:
    found: Message | None = await session.scalar(
        readable_messages(recipient).where(Message.id == message_id)
    )
    return found


async def mark_all_read(session: AsyncSession, recipient: str, now: datetime) -> int:
    result = await session.execute(
        update(Message)
        .where(Message.recipient == recipient, Message.read_at.is_(None))
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- retention and erasure -------------------------------------------------------------------


async def blank_sent_bodies(session: AsyncSession, *, sent_before: datetime, now: datetime) -> int:
    """Remove the bodies of messages sent before ``sent_before`` (subject and facts stay)."""
    sent = select(Delivery.message_id).where(
        Delivery.status == "sent", Delivery.sent_at < sent_before
    )
    result = await session.execute(
        update(Message)
        .where(Message.id.in_(sent), Message.bodies_removed_at.is_(None))
        .values(body_text="", body_html="", bodies_removed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def recipients(session: AsyncSession) -> Sequence[str]:
    """Every address messages went to (an erasure names the person by a digest: addresses are
    compared in Python, the way ``shared.erasure`` does)."""
    rows = await session.scalars(select(Message.recipient).distinct())
    return rows.all()


async def messages_of(session: AsyncSession, recipient: str) -> Sequence[Message]:
    rows = await session.scalars(select(Message).where(Message.recipient == recipient))
    return rows.all()


async def message_made(session: AsyncSession, event_key: str) -> bool:
    """Whether a scheduled occasion (a reminder) already made its messages."""
    found = await session.scalar(select(Message.id).where(Message.event_key == event_key).limit(1))
    return found is not None


async def all_preferences(session: AsyncSession) -> Sequence[Preference]:
    rows = await session.scalars(select(Preference))
    return rows.all()


async def messages_mentioning(session: AsyncSession, words: Sequence[str]) -> Sequence[Message]:
    if not words:
        return []
    rows = await session.scalars(
        select(Message).where(
            or_(
                *(
                    column.contains(word)
                    for word in words
                    for column in (Message.body_text, Message.body_html, Message.subject)
                )
            )
        )
    )
    return rows.all()


async def all_rows(session: AsyncSession, model: type[Any]) -> Sequence[Any]:
    rows = await session.scalars(select(model))
    return rows.all()


async def delete(session: AsyncSession, rows: Sequence[Any]) -> None:
    for row in rows:
        await session.delete(row)


async def deliveries_of(
    session: AsyncSession, message_ids: Sequence[uuid.UUID]
) -> Sequence[Delivery]:
    if not message_ids:
        return []
    rows = await session.scalars(select(Delivery).where(Delivery.message_id.in_(message_ids)))
    return rows.all()
