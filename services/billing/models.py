"""Tables of the billing service."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Invoice(Base):
    __tablename__ = "invoice"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # One invoice per team: the business key behind the inbox's event-id de-duplication.
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    vat: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    gross: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
