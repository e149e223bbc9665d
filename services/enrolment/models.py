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
    true,
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
    # ODS codes have 1 to 9 characters (trusts 3, their sites 5, GP practices 6...).
    ods_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    nation: Mapped[str] = mapped_column(String(20))
    invoicing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    payables_code: Mapped[str | None] = mapped_column(String(4))
    # Where invoices go: {"email", "name", "postal_address"} (a mailbox, and a postal address when
    # it differs from the invoicing address); carried in enrolment.team.confirmed.
    accounts_payable: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Registered by a coordinator: verified. Named by an applicant's ODS code and not known yet:
    # unverified until a coordinator verifies it or merges it into another organisation.
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    # When billing first reported an invoice or pro-forma for the cohort (its events): from then
    # on the fee and VAT are fixed.
    invoiced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortChange(Base):
    """One change of an opened cohort's terms, with its reason: the cohort's history."""

    __tablename__ = "cohort_change"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    # {field: {"before": ..., "after": ...}}, values as the API shows them (text for money and times).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


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
    # Asked since the form grew (null on expressions of interest made before).
    team_size: Mapped[int | None] = mapped_column(Integer)
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    hopes_to_improve: Mapped[str | None] = mapped_column(Text)
    will_attend_learning_sets: Mapped[bool | None] = mapped_column(Boolean)
    will_implement_change_ideas: Mapped[bool | None] = mapped_column(Boolean)
    will_collect_data: Mapped[bool | None] = mapped_column(Boolean)
    purchase_order: Mapped[str | None] = mapped_column(String(100))
    cost_centre: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    late_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    # The submitter's subject: an applicant reads their own applications by it.
    submitted_by: Mapped[str] = mapped_column(String(200), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    organisation_team_count: Mapped[int | None] = mapped_column(Integer)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # Who withdrew the team, and the coordinator who chose a date other than that day's.
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_date_chosen_by: Mapped[str | None] = mapped_column(String(200))
    coach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coach.id"), index=True)
    carried_from_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    coach: Mapped[Coach | None] = relationship(lazy="joined")

    @property
    def organisation_name(self) -> str:
        return self.organisation.name

    @property
    def organisation_verified(self) -> bool:
        return self.organisation.verified

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


class Erasure(Base):
    """A person erased on request: who asked, when, and what was pseudonymised. The person is
    named only by the digest of their e-mail address (``shared.erasure.email_digest``)."""

    __tablename__ = "erasure"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email_digest: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased: Mapped[dict[str, Any]] = mapped_column(JSON)  # counts by kind of record
