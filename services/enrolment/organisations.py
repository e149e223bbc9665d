"""Organisations: a coordinator registers an NHS trust or other provider (verified), changes its
details and its accounts-payable contact (a team lead may change their own organisation's
accounts-payable contact), and verifies or merges the organisations that applicants named by an
ODS code the programme did not know (created unverified). Every change of an organisation's
details records ``enrolment.organisation.updated``, so billing's documents name the current
accounts-payable contact."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import store
from services.enrolment.eoi_rules import (
    is_valid_ods_code,
    normalise_ods_code,
    team_name_key,
    trust_of_site,
)
from services.enrolment.fields import Nation, Postcode, RequestModel, Text200
from services.enrolment.models import Organisation
from services.enrolment.problems import conflict, problem, unknown_organisation
from services.enrolment.rules import LIVE_STATUSES
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, Unprocessable
from shared.events.enrolment import AccountsPayable, Address, OrganisationRef, OrganisationUpdated
from shared.outbox import record_event


def _normalised(value: object) -> object:
    return normalise_ods_code(value) if isinstance(value, str) else value


def _checked(code: str) -> str:
    if not is_valid_ods_code(code):
        raise ValueError("an ODS code is 3 to 9 letters or digits (e.g. RWK, RWK01, A81001)")
    return code


OdsCode = Annotated[
    str,
    BeforeValidator(_normalised),
    AfterValidator(_checked),
    Field(
        description="NHS ODS code: 3 to 9 letters or digits, upper case (NHS trusts 3, e.g. RWK; "
        "their sites 5, e.g. RWK01; GP practices 6, e.g. A81001). Spaces around it and lower "
        "case are forgiven.",
        examples=["RWK"],
        json_schema_extra={"pattern": "^ *[A-Za-z0-9]{3,9} *$"},
    ),
]
PayablesCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z0-9]{4}$",
        description="NHS Shared Business Services payables code (4 characters)",
    ),
]


class AddressIn(RequestModel):
    lines: list[Text200] = Field(min_length=1, max_length=8)
    postcode: Postcode | None = None


class AccountsPayableIn(RequestModel):
    """Where the organisation's invoices go."""

    email: EmailStr = Field(description="The accounts-payable mailbox")
    name: Text200 | None = Field(None, examples=["Accounts Payable"])
    postal_address: AddressIn | None = Field(
        None, description="Only when invoices are posted somewhere other than the invoicing address"
    )


class OrganisationCreate(RequestModel):
    name: Text200
    ods_code: OdsCode | None = None
    nation: Nation
    invoicing_address: AddressIn
    payables_code: PayablesCode | None = None
    accounts_payable: AccountsPayableIn | None = None


class OrganisationUpdate(RequestModel):
    """Changes to an organisation; only the fields given change (``accounts_payable: null``
    removes the contact). A team lead may give ``accounts_payable`` only."""

    name: Text200 | None = None
    ods_code: OdsCode | None = None
    nation: Nation | None = None
    invoicing_address: AddressIn | None = None
    payables_code: PayablesCode | None = None
    accounts_payable: AccountsPayableIn | None = None


class OrganisationNamed(RequestModel):
    """An organisation as an applicant names it on the form. A known ODS code finds the
    registered organisation (whose own details stand); an unknown one registers the
    organisation, unverified until a coordinator verifies or merges it."""

    ods_code: OdsCode
    name: Text200
    nation: Nation
    invoicing_address: AddressIn | None = None


class OrganisationMerge(RequestModel):
    into_organisation_id: uuid.UUID = Field(description="The verified organisation it duplicates")


_REQUIRED = ("name", "nation", "invoicing_address")


def organisation_ref(organisation: Organisation) -> OrganisationRef:
    """The organisation as events carry it."""
    payable = organisation.accounts_payable
    return OrganisationRef(
        id=organisation.id,
        name=organisation.name,
        ods_code=organisation.ods_code,
        nation=organisation.nation,
        invoicing_address=Address.model_validate(organisation.invoicing_address),
        payables_code=organisation.payables_code,
        accounts_payable=AccountsPayable.model_validate(payable) if payable else None,
    )


async def record_updated(
    session: AsyncSession, organisation: Organisation, *, merged_into: uuid.UUID | None = None
) -> None:
    await record_event(
        session,
        OrganisationUpdated(
            organisation=organisation_ref(organisation),
            verified=organisation.verified,
            merged_into_id=merged_into,
        ),
        subject=str(organisation.id),
    )


async def _ods_code_free(session: AsyncSession, code: str) -> None:
    taken = await store.organisation_with_ods_code(session, code)
    if taken is not None:
        raise Conflict(
            f"an organisation with ODS code {code} is already registered",
            type=problem("duplicate-ods-code"),
            organisation_id=str(taken.id),
        )


async def create_organisation(
    session: AsyncSession, *, data: OrganisationCreate, now: datetime
) -> Organisation:
    if data.ods_code is not None:
        await _ods_code_free(session, data.ods_code)
    organisation = Organisation(**data.model_dump(), verified=True, created_at=now)
    # A concurrent duplicate ODS code fails here on the unique key (409).
    await store.add(session, organisation)
    return organisation


async def update_organisation(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    data: OrganisationUpdate,
    user: Principal,
    now: datetime,
) -> Organisation:
    """Change what is given; record ``enrolment.organisation.updated`` when anything changed."""
    organisation = await _readable(session, user, organisation_id, lock=True)
    # The fields given, each in full (a nested contact keeps every key, as on registering).
    given = data.model_dump()
    changes = {k: given[k] for k in data.model_fields_set}
    if user.role is not Role.coordinator and set(changes) - {"accounts_payable"}:
        raise Forbidden("a team lead may change their organisation's accounts-payable contact only")
    emptied = [k for k in _REQUIRED if k in changes and changes[k] is None]
    if emptied:
        raise Unprocessable(
            "these fields cannot be emptied",
            errors=[{"field": k, "message": "required", "type": "missing"} for k in emptied],
        )
    if organisation.merged_into_id is not None:
        raise conflict("the organisation was merged into another one", "organisation-merged")
    changes = {k: v for k, v in changes.items() if getattr(organisation, k) != v}
    if changes.get("ods_code") is not None:
        await _ods_code_free(session, changes["ods_code"])
    if not changes:
        return organisation
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.updated_at = now
    await store.flush(session)
    await record_updated(session, organisation)
    return organisation


async def verify_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID, user: Principal, now: datetime
) -> Organisation:
    """A coordinator vouches for an organisation an applicant named (verifying twice changes
    nothing). It needs an invoicing address first: its teams will be invoiced."""
    organisation = await _readable(session, user, organisation_id, lock=True)
    if organisation.verified:
        return organisation
    if organisation.merged_into_id is not None:
        raise conflict("the organisation was merged into another one", "organisation-merged")
    if not organisation.invoicing_address.get("lines"):
        raise Unprocessable(
            "give the organisation's invoicing address (PATCH) before verifying it",
            errors=[{"field": "invoicing_address", "message": "required", "type": "missing"}],
        )
    organisation.verified = True
    organisation.updated_at = now
    await store.flush(session)
    await record_updated(session, organisation)
    return organisation


async def merge_organisation(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    into_id: uuid.UUID,
    user: Principal,
    now: datetime,
) -> Organisation:
    """Merge an unverified organisation into the verified one it duplicates: its expressions of
    interest move there, its ODS code goes with them when the target has none, and later
    applications naming it reach the target. Returns the target."""
    source = await _readable(session, user, organisation_id, lock=True)
    if into_id == source.id:
        raise Unprocessable(
            "an organisation cannot be merged into itself",
            errors=[{"field": "into_organisation_id", "message": "same organisation"}],
        )
    target = await _readable(session, user, into_id, lock=True)
    if source.merged_into_id == target.id:
        return target  # merged already
    if source.verified or source.merged_into_id is not None:
        raise conflict(
            "only an unverified organisation is merged into another", "organisation-verified"
        )
    if not target.verified:
        raise conflict("merge into a verified organisation", "organisation-unverified")
    clashes = await _clashing_teams(session, source.id, target.id)
    if clashes:
        raise Conflict(
            "both organisations put this team forward to the same cohort: withdraw one first",
            type=problem("duplicate-eoi"),
            team_ids=[str(t) for t in clashes],
        )
    await store.move_teams(session, source.id, target.id)
    source.merged_into_id = target.id
    source.updated_at = now
    code = source.ods_code
    if code is not None and target.ods_code is None:
        source.ods_code = None
        await store.flush(session)  # the code is free before the target takes it
        target.ods_code = code
        target.updated_at = now
        await record_updated(session, target)
    await store.flush(session)
    await record_updated(session, source, merged_into=target.id)
    return target


async def _clashing_teams(
    session: AsyncSession, source: uuid.UUID, target: uuid.UUID
) -> list[uuid.UUID]:
    """The source's live teams that the target already put forward to the same cohort."""
    teams = await store.live_teams_of(session, [source, target], LIVE_STATUSES)
    held = {(t.cohort_id, team_name_key(t.name)) for t in teams if t.organisation_id == target}
    return [
        t.id
        for t in teams
        if t.organisation_id == source and (t.cohort_id, team_name_key(t.name)) in held
    ]


async def organisation_for_eoi(
    session: AsyncSession,
    *,
    user: Principal,
    organisation_id: uuid.UUID | None,
    named: OrganisationNamed | None,
    now: datetime,
) -> Organisation:
    """The organisation an expression of interest is for. An applicant names it by its ODS code
    (a site's code finds its registered trust; an unknown code registers it, unverified);
    coordinators and team leads name a registered one by id or ODS code (team leads: their
    own). A merged organisation's teams go to the one it was merged into."""
    if user.role is Role.applicant and named is None:
        raise Unprocessable(
            "name your organisation by its ODS code",
            errors=[{"field": "organisation", "message": "required", "type": "missing"}],
        )
    if (organisation_id is None) == (named is None):
        raise Unprocessable(
            "give the organisation's id or its ODS code (organisation), not both",
            errors=[
                {"field": "organisation_id", "message": "one of organisation_id, organisation"}
            ],
        )
    if organisation_id is not None:
        found = await store.organisation(session, user, organisation_id)
    else:
        assert named is not None
        found = await _with_code(session, named.ods_code)
        if found is not None and user.role is Role.team_lead:
            found = found if found.id == user.organisation_id else None
        if found is None and user.role is Role.applicant:
            return await _register_unverified(session, named, now=now)
    if found is None:
        raise unknown_organisation()
    if found.merged_into_id is not None:
        found = await store.organisation_by_id(session, found.merged_into_id)
    return found


async def _with_code(session: AsyncSession, code: str) -> Organisation | None:
    found = await store.organisation_with_ods_code(session, code)
    trust = trust_of_site(code)
    if found is None and trust is not None:
        # A team at one of a trust's sites belongs to the trust (which is invoiced).
        found = await store.organisation_with_ods_code(session, trust)
    return found


async def _register_unverified(
    session: AsyncSession, named: OrganisationNamed, *, now: datetime
) -> Organisation:
    address: dict[str, Any] = (
        named.invoicing_address.model_dump()
        if named.invoicing_address
        else {"lines": [], "postcode": None}
    )
    organisation = Organisation(
        name=named.name,
        ods_code=named.ods_code,
        nation=named.nation,
        invoicing_address=address,
        verified=False,
        created_at=now,
    )
    # Two applicants naming the same new code at once: the unique key makes the second a 409.
    await store.add(session, organisation)
    return organisation


async def _readable(
    session: AsyncSession, user: Principal, organisation_id: uuid.UUID, *, lock: bool = False
) -> Organisation:
    organisation = await store.organisation(session, user, organisation_id, lock=lock)
    if organisation is None:
        raise unknown_organisation()
    return organisation


async def list_organisations(
    session: AsyncSession, *, user: Principal, verified: bool | None = None
) -> Sequence[Organisation]:
    return await store.organisations(session, user, verified=verified)


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID, user: Principal
) -> Organisation:
    return await _readable(session, user, organisation_id)
