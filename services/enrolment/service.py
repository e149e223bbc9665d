"""Enrolment use cases. Functions take the session explicitly and never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import schemas
from services.enrolment.models import Cohort, Organisation, Team
from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound
from shared.events.enrolment import Address, CohortTerms, Contact, OrganisationRef, TeamConfirmed
from shared.outbox import record_event


async def create_organisation(
    session: AsyncSession, *, data: schemas.OrganisationCreate
) -> Organisation:
    if data.ods_code is not None:
        taken = await session.scalar(
            select(Organisation.id).where(Organisation.ods_code == data.ods_code)
        )
        if taken is not None:
            raise Conflict(f"an organisation with ODS code {data.ods_code} is already registered")
    organisation = Organisation(
        name=data.name,
        ods_code=data.ods_code,
        nation=data.nation,
        invoicing_address=data.invoicing_address.model_dump(),
        payables_code=data.payables_code,
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def open_cohort(session: AsyncSession, *, data: schemas.CohortCreate) -> Cohort:
    cohort = Cohort(**data.model_dump(), status="open")
    session.add(cohort)
    await session.flush()
    return cohort


async def submit_eoi(
    session: AsyncSession, *, cohort_id: uuid.UUID, data: schemas.EoiSubmit, user: Principal
) -> Team:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    if user.role is Role.team_lead and user.organisation_id != data.organisation_id:
        raise NotFound("no such organisation")
    if await session.get(Organisation, data.organisation_id) is None:
        raise NotFound("no such organisation")
    team = Team(
        cohort_id=cohort_id,
        organisation_id=data.organisation_id,
        name=data.team_name,
        setting=data.setting,
        project_lead=data.project_lead.model_dump(),
        senior_sponsor=data.senior_sponsor.model_dump(),
        purchase_order=data.purchase_order,
        status="submitted",
        submitted_at=datetime.now(UTC),
    )
    session.add(team)
    await session.flush()
    return team


async def get_team(session: AsyncSession, *, team_id: uuid.UUID, user: Principal) -> Team:
    team = await session.get(Team, team_id)
    if team is None or (
        user.role is Role.team_lead and team.organisation_id != user.organisation_id
    ):
        raise NotFound("no such team")
    return team


async def confirm_team(session: AsyncSession, *, team_id: uuid.UUID) -> Team:
    """Confirm one team and record ``enrolment.team.confirmed`` in the same transaction."""
    team = await session.get(Team, team_id, with_for_update=True)
    if team is None:
        raise NotFound("no such team")
    if team.status == "confirmed":
        return team  # confirming twice confirms once and records one event
    if team.status not in ("submitted", "accepted"):
        raise Conflict(f"a {team.status} team cannot be confirmed")
    cohort = await session.get(Cohort, team.cohort_id)
    organisation = await session.get(Organisation, team.organisation_id)
    assert cohort is not None and organisation is not None
    team.status = "confirmed"
    team.confirmed_at = datetime.now(UTC)
    await session.flush()
    count = await session.scalar(
        select(func.count())
        .select_from(Team)
        .where(
            Team.cohort_id == team.cohort_id,
            Team.organisation_id == team.organisation_id,
            Team.status == "confirmed",
        )
    )
    await record_event(
        session,
        TeamConfirmed(
            cohort_id=cohort.id,
            cohort_name=cohort.name,
            terms=CohortTerms(
                fee_per_team=cohort.fee_per_team,
                multi_team_discount=cohort.multi_team_discount,
                vat_rate=cohort.vat_rate,
                start_date=cohort.start_date,
                lead_in_months=cohort.lead_in_months,
                coaching_months=cohort.coaching_months,
            ),
            organisation=OrganisationRef(
                id=organisation.id,
                name=organisation.name,
                ods_code=organisation.ods_code,
                nation=organisation.nation,
                invoicing_address=Address.model_validate(organisation.invoicing_address),
                payables_code=organisation.payables_code,
            ),
            organisation_team_count=int(count or 0),
            team_id=team.id,
            team_name=team.name,
            setting=team.setting,
            project_lead=Contact.model_validate(team.project_lead),
            purchase_order=team.purchase_order,
            confirmed_at=team.confirmed_at,
        ),
        subject=str(team.id),
    )
    return team
