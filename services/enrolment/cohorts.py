"""Cohorts: a coordinator opens one (records ``enrolment.cohort.opened``), closes it to
expressions of interest, lists them and watches one's viability; the programme's other people
read them without it. (Changing an opened cohort's terms: ``terms``.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import rules, store
from services.enrolment.fields import ProgrammeDate, ProgrammeDateTime, RequestModel, Text200
from services.enrolment.models import Cohort
from services.enrolment.problems import refused
from services.enrolment.rules import CohortStatus, TransitionRefused
from shared.auth import Principal, Role
from shared.errors import Unprocessable
from shared.events.enrolment import CohortOpened, CohortTerms
from shared.outbox import record_event


class CohortCreate(RequestModel):
    name: Text200
    eoi_deadline: ProgrammeDateTime = Field(
        description="Expression-of-interest deadline. Without an offset it is UK wall time "
        "(Europe/London: GMT in winter, BST in summer), e.g. 2020-12-15T17:00:00. Stored in UTC.",
        examples=["2020-12-15T17:00:00"],
    )
    start_date: ProgrammeDate = Field(examples=["2021-01-04"])
    minimum_teams: int = Field(35, ge=1, le=10_000, strict=True)
    lead_in_months: int = Field(2, ge=0, le=24, strict=True)
    coaching_months: int = Field(10, ge=1, le=36, strict=True)
    fee_per_team: Decimal = Field(
        Decimal("4300.00"),
        ge=0,
        le=1_000_000,
        max_digits=12,
        decimal_places=2,
        description="GBP per team, excluding VAT",
    )
    multi_team_discount: Decimal = Field(
        Decimal("0.10"), ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )
    vat_rate: Decimal = Field(
        Decimal("0.20"), ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )
    withdrawal_credit_cutoff: ProgrammeDate | None = Field(
        None, description="Withdrawals before this date are credited in full; default start date"
    )


@dataclass(frozen=True)
class CohortView:
    """A cohort with the status it has at the time asked (an open cohort past its deadline shows
    as closed)."""

    cohort: Cohort
    status: CohortStatus

    @classmethod
    def at(cls, cohort: Cohort, now: datetime) -> CohortView:
        return cls(cohort, cohort_status(cohort, now))


@dataclass(frozen=True)
class CohortReport(CohortView):
    """A cohort with its live viability (for coordinators: it names every organisation taking
    part; ``None`` for everyone else)."""

    viability: rules.Viability | None


def cohort_status(cohort: Cohort, now: datetime) -> CohortStatus:
    return rules.effective_status(
        CohortStatus(cohort.status), deadline=cohort.eoi_deadline, now=now
    )


def terms_of(cohort: Cohort) -> CohortTerms:
    """The cohort's commercial and calendar terms, as its events (and answers) carry them."""
    return CohortTerms(
        fee_per_team=rules.money(cohort.fee_per_team),
        multi_team_discount=rules.rate(cohort.multi_team_discount),
        vat_rate=rules.rate(cohort.vat_rate),
        start_date=cohort.start_date,
        lead_in_months=cohort.lead_in_months,
        coaching_months=cohort.coaching_months,
        # The effective date, never null: withdrawals before the start are credited in full.
        withdrawal_credit_cutoff=cohort.withdrawal_credit_cutoff or cohort.start_date,
    )


def _deadline_refused(message: str) -> Unprocessable:
    return Unprocessable(
        message, errors=[{"field": "eoi_deadline", "message": message, "type": "value_error"}]
    )


def deadline_in_utc(entered: datetime) -> datetime:
    """The deadline as entered (UK wall time without an offset), in UTC; 422 when it does not
    exist (the hour skipped when the clocks go forward)."""
    try:
        return rules.uk_wall_time_to_utc(entered)
    except rules.NonexistentUkTime as exc:
        raise _deadline_refused(
            f"the deadline falls in the hour skipped when the clocks go forward: {exc}"
        ) from exc


async def open_cohort(session: AsyncSession, *, data: CohortCreate, now: datetime) -> CohortView:
    deadline = deadline_in_utc(data.eoi_deadline)
    if not rules.deadline_before_start(deadline, data.start_date):
        raise _deadline_refused(
            f"the deadline must fall before the cohort starts on {rules.long_date(data.start_date)}"
        )
    cohort = Cohort(
        **data.model_dump(exclude={"eoi_deadline"}),
        status=CohortStatus.OPEN.value,
        eoi_deadline=deadline,
        created_at=now,
    )
    await store.add(session, cohort)
    await record_event(
        session,
        CohortOpened(
            cohort_id=cohort.id,
            name=cohort.name,
            eoi_deadline=deadline,
            minimum_teams=cohort.minimum_teams,
            terms=terms_of(cohort),
        ),
        subject=str(cohort.id),
    )
    return CohortView.at(cohort, now)


async def list_cohorts(session: AsyncSession, *, now: datetime) -> list[CohortView]:
    return [CohortView.at(c, now) for c in await store.cohorts(session)]


async def get_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, now: datetime
) -> CohortReport:
    """One cohort; its viability for coordinators only (it names each organisation's teams)."""
    cohort = await store.cohort(session, cohort_id)
    if user.role is not Role.coordinator:
        return CohortReport(cohort, cohort_status(cohort, now), None)
    viability = rules.viability(
        await store.viability_facts(session, cohort.id),
        minimum_teams=cohort.minimum_teams,
        deadline=cohort.eoi_deadline,
        now=now,
    )
    return CohortReport(cohort, cohort_status(cohort, now), viability)


async def close_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime) -> CohortView:
    """Close to expressions of interest, early or once the deadline passed (closing a closed
    cohort changes nothing)."""
    cohort = await store.cohort(session, cohort_id, lock=True)
    try:
        new_status = rules.check_close(CohortStatus(cohort.status))
    except TransitionRefused as exc:
        raise refused(exc) from exc
    if cohort.status != new_status:
        cohort.status = new_status.value
        cohort.closed_at = now
    return CohortView.at(cohort, now)
