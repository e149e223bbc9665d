"""Tables of the enrolment service: organisations, cohorts, teams (one per expression of
interest) and QI coaches. Times are stored in UTC."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Organisation(Base):
    """An NHS trust or other provider, registered once and putting forward any number of teams."""

    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    ods_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    nation: Mapped[str] = mapped_column(String(20))
    invoicing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    payables_code: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Cohort(Base):
    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    eoi_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minimum_teams: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    lead_in_months: Mapped[int] = mapped_column(Integer)
    coaching_months: Mapped[int] = mapped_column(Integer)
    fee_per_team: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    multi_team_discount: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    withdrawal_credit_cutoff: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_override_reason: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Set once, the first time accepted teams reached the minimum (enrolment.cohort.viable).
    viable_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Coach(Base):
    """A QI coach; ``capacity`` is the most teams they take at once."""

    __tablename__ = "coach"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    """A team put forward by one expression of interest; confirmed when the cohort goes ahead
    (or individually, as a late joiner)."""

    __tablename__ = "team"
    __table_args__ = (
        # Carrying a cancelled cohort's EOIs forward twice creates each new EOI once.
        UniqueConstraint("cohort_id", "carried_from_team_id", name="uq_team_cohort_carried_from"),
        Index("ix_team_cohort_status", "cohort_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(20))
    service_type: Mapped[str] = mapped_column(String(200))
    project_lead: Mapped[dict[str, Any]] = mapped_column(JSON)
    senior_sponsor: Mapped[dict[str, Any]] = mapped_column(JSON)
    project_team: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    service_user_involvement: Mapped[str | None] = mapped_column(Text)
    agreed_to_take_part: Mapped[bool] = mapped_column(Boolean)
    can_meet_commitment: Mapped[bool] = mapped_column(Boolean)
    purchase_order: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    late_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    organisation_team_count: Mapped[int | None] = mapped_column(Integer)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    coach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coach.id"), index=True)
    carried_from_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    coach: Mapped[Coach | None] = relationship(lazy="joined")

    @property
    def organisation_name(self) -> str:
        return self.organisation.name

    @property
    def nation(self) -> str:
        return self.organisation.nation

    @property
    def team_name(self) -> str:
        return self.name

    @property
    def coach_name(self) -> str | None:
        return self.coach.name if self.coach is not None else None

    @property
    def awaiting_coach(self) -> bool:
        return self.status == "confirmed" and self.coach_id is None
