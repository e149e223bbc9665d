"""A cohort's terms after it opened: a coordinator changes the minimum, the deadline (before it
has passed), the withdrawal credit cutoff and, until the cohort's teams are confirmed or
invoiced, the fee, discount and VAT, always with a reason (kept in the cohort's history and
recorded as ``enrolment.cohort.terms_changed``). Anyone reads a cohort's terms for the
application form. Billing's ``billing.invoice.issued`` and ``billing.proforma.issued`` tell
enrolment that a cohort has been invoiced."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import rules, store
from services.enrolment.cohorts import CohortView, cohort_status, deadline_in_utc, terms_of
from services.enrolment.fields import ProgrammeDate, ProgrammeDateTime, RequestModel, Text2000
from services.enrolment.interest import note_viability
from services.enrolment.models import Cohort, CohortChange
from services.enrolment.problems import refused
from services.enrolment.rules import CHANGEABLE_TERMS, PRICE_TERMS, CohortStatus
from services.enrolment.settings import EnrolmentSettings
from shared.auth import Principal
from shared.errors import Unprocessable
from shared.events.billing import InvoiceIssued, ProformaIssued
from shared.events.enrolment import CohortTermsChanged
from shared.handlers import HandlerContext
from shared.outbox import record_event


class TermsChange(RequestModel):
    """New values for some of an opened cohort's terms, and why. Only the fields given change;
    ``withdrawal_credit_cutoff: null`` goes back to the start date."""

    reason: Text2000 = Field(description="Why the terms change (kept in the cohort's history)")
    minimum_teams: int | None = Field(None, ge=1, le=10_000, strict=True)
    eoi_deadline: ProgrammeDateTime | None = Field(
        None,
        description="Before the current deadline has passed only; in the future and before the "
        "start date. Without an offset it is UK wall time.",
    )
    withdrawal_credit_cutoff: ProgrammeDate | None = None
    fee_per_team: Decimal | None = Field(
        None, ge=0, le=1_000_000, max_digits=12, decimal_places=2, description="GBP, excl. VAT"
    )
    multi_team_discount: Decimal | None = Field(
        None, ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )
    vat_rate: Decimal | None = Field(
        None, ge=0, le=1, max_digits=6, decimal_places=4, description="fraction"
    )


def _shown(field: str, value: Any) -> Any:
    """A term as the history and the API show it."""
    if isinstance(value, datetime):
        return rules.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if field == "fee_per_team":
        return str(rules.money(value))
    if isinstance(value, Decimal):
        return str(rules.rate(value))
    return value


def _current(cohort: Cohort, field: str) -> Any:
    if field == "eoi_deadline":
        return rules.as_utc(cohort.eoi_deadline)
    if field == "withdrawal_credit_cutoff":
        return cohort.withdrawal_credit_cutoff or cohort.start_date
    return getattr(cohort, field)


def _new_values(cohort: Cohort, data: TermsChange) -> dict[str, Any]:
    given = data.model_dump(exclude_unset=True, exclude={"reason"})
    if not given:
        raise Unprocessable(
            "say which terms change",
            errors=[{"field": ",".join(CHANGEABLE_TERMS), "message": "none given"}],
        )
    emptied = [k for k, v in given.items() if v is None and k != "withdrawal_credit_cutoff"]
    if emptied:
        raise Unprocessable(
            "these terms cannot be emptied",
            errors=[{"field": k, "message": "required", "type": "missing"} for k in emptied],
        )
    if "eoi_deadline" in given:
        given["eoi_deadline"] = deadline_in_utc(given["eoi_deadline"])
    if "withdrawal_credit_cutoff" in given and given["withdrawal_credit_cutoff"] is None:
        given["withdrawal_credit_cutoff"] = cohort.start_date
    return given


async def change_terms(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    data: TermsChange,
    user: Principal,
    now: datetime,
) -> CohortView:
    """Change the terms given; the same values again change nothing and record nothing."""
    cohort = await store.cohort(session, cohort_id, lock=True)
    new = _new_values(cohort, data)
    changed = {
        field: value
        for field in CHANGEABLE_TERMS
        if field in new and (value := new[field]) != _current(cohort, field)
    }
    if not changed:
        return CohortView.at(cohort, now)
    priced = bool(changed.keys() & PRICE_TERMS) and (
        cohort.invoiced_at is not None or await store.confirmed_ever(session, cohort.id)
    )
    facts = rules.CohortFacts(
        status=cohort_status(cohort, now),
        deadline=cohort.eoi_deadline,
        start_date=cohort.start_date,
        priced=priced,
    )
    try:
        rules.check_terms_change(facts, changed, new_deadline=changed.get("eoi_deadline"), now=now)
    except rules.TransitionRefused as exc:
        raise refused(exc) from exc
    except rules.InvalidTerms as exc:
        raise Unprocessable(
            exc.message,
            errors=[{"field": exc.field, "message": exc.message, "type": "value_error"}],
        ) from exc
    history = {
        field: {"before": _shown(field, _current(cohort, field)), "after": _shown(field, value)}
        for field, value in changed.items()
    }
    for field, value in changed.items():
        setattr(cohort, field, value)
    await store.add(
        session,
        CohortChange(
            cohort_id=cohort.id,
            changed_at=now,
            changed_by=user.subject,
            reason=data.reason,
            changes=history,
        ),
    )
    if "minimum_teams" in changed and cohort.status != CohortStatus.CONFIRMED.value:
        await note_viability(session, cohort=cohort, now=now)
    await record_event(
        session,
        CohortTermsChanged(
            cohort_id=cohort.id,
            name=cohort.name,
            eoi_deadline=cohort.eoi_deadline,
            minimum_teams=cohort.minimum_teams,
            terms=terms_of(cohort),
            changed=list(changed),
            reason=data.reason,
            changed_by=user.subject,
            changed_at=now,
        ),
        subject=str(cohort.id),
    )
    return CohortView.at(cohort, now)


async def cohort_history(session: AsyncSession, *, cohort_id: uuid.UUID) -> Sequence[CohortChange]:
    """Every change of the cohort's terms, oldest first."""
    cohort = await store.cohort(session, cohort_id)
    return await store.cohort_changes(session, cohort.id)


async def open_cohorts(session: AsyncSession, *, now: datetime) -> list[CohortView]:
    """The cohorts taking expressions of interest now (their deadline ahead), by deadline."""
    return [CohortView.at(c, now) for c in await store.open_cohorts(session, now=now)]


async def cohort_terms(session: AsyncSession, *, cohort_id: uuid.UUID, now: datetime) -> CohortView:
    """One cohort's terms, whatever its status (a page opened after the deadline says so)."""
    return CohortView.at(await store.cohort(session, cohort_id), now)


async def cohort_invoiced(
    session: AsyncSession,
    *,
    event: InvoiceIssued | ProformaIssued,
    context: HandlerContext[EnrolmentSettings],
) -> None:
    """Billing issued the cohort's first (or a later) invoice or pro-forma: its price is fixed."""
    await store.mark_invoiced(session, event.cohort_id, at=context.envelope.time)
