"""Tables of the notifications service.

Teams, coaches, organisations' accounts-payable mailboxes, sessions and overdue invoices are this
service's own copies of what the other services announced (only the contact details messages
need); nothing here reads another service's tables. A ``message`` is one (event, recipient, kind):
its unique key is what makes a redelivered or replayed event send nothing new. Its ``delivery``
is the queue the worker drains outside the consumer's transaction. Messages are the feed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, UTCDateTime


class Base(ServiceBase):
    """The notifications service's tables (a metadata and class registry of their own)."""

    __abstract__ = True


class Team(Base):
    """A team as enrolment announced it: who leads and sponsors it, its coach, where it stands
    (``applied``, ``confirmed``, ``withdrawn``, ``released``)."""

    __tablename__ = "team"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_name: Mapped[str] = mapped_column(String(300))
    cohort_name: Mapped[str | None] = mapped_column(String(300))
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    lead_name: Mapped[str | None] = mapped_column(String(200))
    lead_email: Mapped[str | None] = mapped_column(String(320))
    sponsor_name: Mapped[str | None] = mapped_column(String(200))
    sponsor_email: Mapped[str | None] = mapped_column(String(320))
    coach_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))


class Coach(Base):
    __tablename__ = "coach"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))


class Organisation(Base):
    """An organisation's accounts-payable mailbox (where its invoices go)."""

    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    accounts_payable_email: Mapped[str | None] = mapped_column(String(320))
    accounts_payable_name: Mapped[str | None] = mapped_column(String(200))


class ProgrammeSession(Base):
    """A session of a cohort's programme, kept for its reminders."""

    __tablename__ = "programme_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[str | None] = mapped_column(String(20))
    join_url: Mapped[str | None] = mapped_column(String(1000))
    venue: Mapped[str | None] = mapped_column(String(500))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class OverdueInvoice(Base):
    """An invoice billing recorded overdue: chased on a schedule until it is settled."""

    __tablename__ = "overdue_invoice"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_on: Mapped[date] = mapped_column(Date)
    outstanding: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    recipient: Mapped[str | None] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    settled: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(Base):
    """One message to one person, also their feed item. ``event_key`` is the id of the event
    that caused it (or of the scheduled occasion: ``<event id>:reminder:2``)."""

    __tablename__ = "message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(320), index=True)  # normalised address
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    essential: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # An attachment fetched when sending: billing's API path of the PDF, and its file name.
    attachment_path: Mapped[str | None] = mapped_column(String(300))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bodies_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Exactly once per (event, recipient, kind).
    __table_args__ = (UniqueConstraint("event_key", "recipient", "kind"),)


class Delivery(Base):
    """A message's way out by e-mail: ``pending`` (due at ``next_attempt_at``), ``sent``,
    ``dead`` (refused for good, or out of attempts: for operators) or ``suppressed`` (the
    person turned the kind off; the message stays in their feed)."""

    __tablename__ = "delivery"

    message_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)


class Preference(Base):
    """A person's choice about one non-essential kind (no row: the kind is on)."""

    __tablename__ = "preference"

    recipient: Mapped[str] = mapped_column(String(320), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
