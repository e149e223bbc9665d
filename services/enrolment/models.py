"""Tables of the enrolment service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    ods_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    nation: Mapped[str] = mapped_column(String(20))
    invoicing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    payables_code: Mapped[str | None] = mapped_column(String(4))


class Cohort(Base):
    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    eoi_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    start_date: Mapped[date] = mapped_column(Date)
    minimum_teams: Mapped[int]
    lead_in_months: Mapped[int]
    coaching_months: Mapped[int]
    fee_per_team: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    multi_team_discount: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    status: Mapped[str] = mapped_column(String(20), default="open")


class Team(Base):
    """A team put forward by an expression of interest; confirmed when the cohort goes ahead."""

    __tablename__ = "team"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(20))
    project_lead: Mapped[dict[str, Any]] = mapped_column(JSON)
    senior_sponsor: Mapped[dict[str, Any]] = mapped_column(JSON)
    purchase_order: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
