"""Response models of the billing API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    team_id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    customer_name: str
    description: str
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    status: str
    created_at: datetime
