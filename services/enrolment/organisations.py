"""Organisations: a coordinator registers an NHS trust or other provider once; readers list and
read the organisations they may see (a team lead only their own)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from pydantic import Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import store
from services.enrolment.fields import Nation, Postcode, RequestModel, Text200
from services.enrolment.models import Organisation
from services.enrolment.problems import PROBLEM_BASE
from services.enrolment.rules import is_valid_ods_code
from shared.auth import Principal
from shared.errors import Conflict, NotFound


class AddressIn(RequestModel):
    lines: list[Text200] = Field(min_length=1, max_length=8)
    postcode: Postcode | None = None


class OrganisationCreate(RequestModel):
    name: Text200
    ods_code: str | None = Field(
        None,
        description="NHS ODS code, 3 to 5 uppercase letters or digits (e.g. RWK, RWK01)",
        json_schema_extra={"pattern": "^[A-Z0-9]{3,5}$"},
    )
    nation: Nation
    invoicing_address: AddressIn
    payables_code: str | None = Field(
        None,
        pattern=r"^[A-Z0-9]{4}$",
        description="NHS Shared Business Services payables code (4 characters)",
    )

    @field_validator("ods_code")
    @classmethod
    def _ods(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_ods_code(value):
            raise ValueError("an ODS code is 3 to 5 uppercase letters or digits")
        return value


async def create_organisation(
    session: AsyncSession, *, data: OrganisationCreate, now: datetime
) -> Organisation:
    if data.ods_code is not None:
        taken = await store.holder_of_ods_code(session, data.ods_code)
        if taken is not None:
            raise Conflict(
                f"an organisation with ODS code {data.ods_code} is already registered",
                type=PROBLEM_BASE + "duplicate-ods-code",
                organisation_id=str(taken),
            )
    organisation = Organisation(**data.model_dump(), created_at=now)
    # A concurrent duplicate ODS code fails here on the unique key (409).
    await store.add(session, organisation)
    return organisation


async def list_organisations(session: AsyncSession, *, user: Principal) -> Sequence[Organisation]:
    return await store.organisations(session, user)


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID, user: Principal
) -> Organisation:
    organisation = await store.organisation(session, user, organisation_id)
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation
