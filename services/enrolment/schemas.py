"""Request and response models of the enrolment API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_In):
    lines: list[str] = Field(min_length=1, max_length=6)
    postcode: str | None = Field(default=None, max_length=10)


class OrganisationCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    ods_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{3,5}$")
    nation: Literal["england", "scotland", "wales", "northern_ireland"]
    invoicing_address: AddressIn
    payables_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{4}$")


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    ods_code: str | None
    nation: str
    payables_code: str | None


class CohortCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    eoi_deadline: datetime
    start_date: date
    minimum_teams: int = Field(default=35, ge=1)
    lead_in_months: int = Field(default=2, ge=0, le=12)
    coaching_months: int = Field(default=10, ge=1, le=24)
    fee_per_team: Decimal = Field(default=Decimal("4300.00"), gt=0, decimal_places=2)
    multi_team_discount: Decimal = Field(default=Decimal("0.10"), ge=0, lt=1)
    vat_rate: Decimal = Field(default=Decimal("0.20"), ge=0, lt=1)


class CohortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    eoi_deadline: datetime
    start_date: date
    minimum_teams: int
    status: str


class ContactIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    job_title: str = Field(min_length=1, max_length=200)


class EoiSubmit(_In):
    organisation_id: uuid.UUID
    team_name: str = Field(min_length=1, max_length=200)
    setting: Literal["clinical", "non_clinical"]
    project_lead: ContactIn
    senior_sponsor: ContactIn
    purchase_order: str | None = Field(default=None, max_length=100)


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cohort_id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    setting: str
    status: str
    purchase_order: str | None
    confirmed_at: datetime | None
