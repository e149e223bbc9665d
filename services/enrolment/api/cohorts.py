"""Routes of cohorts: open, list, read (viability for coordinators), change the terms with a
reason and read their history, close, decide, carry forward; and the public terms that the
application form shows."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.enrolment import cohorts, decisions, schemas, terms
from services.enrolment.api.common import CHANGES, Now, Reader
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

cohort_routes = APIRouter(prefix="/cohorts", tags=["cohorts"])
open_cohort_routes = APIRouter(prefix="/open-cohorts", tags=["cohorts"])


@open_cohort_routes.get(
    "",
    summary="The cohorts taking applications now, with their terms (public)",
    description="No sign-in: the terms are the programme's public offer (fee, discount, VAT, "
    "deadline in UK time, commitments), and name no one.",
)
async def list_open_cohorts(session: Session, now: Now) -> list[schemas.CohortTermsPublic]:
    return [schemas.cohort_terms_public(v) for v in await terms.open_cohorts(session, now=now)]


@cohort_routes.get(
    "/{cohort_id}/terms",
    responses=problem_responses(404),
    summary="One cohort's terms as the application form shows them (public)",
    description="Any cohort, with its status: a link opened after the deadline says it closed.",
)
async def get_cohort_terms(
    cohort_id: uuid.UUID, session: Session, now: Now
) -> schemas.CohortTermsPublic:
    view = await terms.cohort_terms(session, cohort_id=cohort_id, now=now)
    return schemas.cohort_terms_public(view)


@cohort_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400),
    summary="Open a cohort (records enrolment.cohort.opened)",
    description="The deadline must fall before the start date (422).",
)
async def open_cohort(
    data: cohorts.CohortCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.open_cohort(session, data=data, now=now))


@cohort_routes.get("")
async def list_cohorts(session: Session, _user: Reader, now: Now) -> list[schemas.CohortOut]:
    return [schemas.cohort_out(c) for c in await cohorts.list_cohorts(session, now=now)]


@cohort_routes.get(
    "/{cohort_id}",
    responses=problem_responses(404),
    summary="A cohort (with its live viability for coordinators)",
)
async def get_cohort(
    cohort_id: uuid.UUID, session: Session, user: Reader, now: Now
) -> schemas.CohortDetail:
    report = await cohorts.get_cohort(session, cohort_id=cohort_id, user=user, now=now)
    return schemas.cohort_detail(report)


@cohort_routes.patch(
    "/{cohort_id}",
    responses=CHANGES,
    summary="Change an opened cohort's terms, with a reason (records "
    "enrolment.cohort.terms_changed)",
    description="The minimum (until go), the deadline (before it has passed; in the future and "
    "before the start date), the withdrawal credit cutoff, and the fee, discount and VAT until "
    "the cohort's teams are confirmed or invoiced (409 `cohort-invoiced`). Each change is kept "
    "in the cohort's history; the same values again change nothing.",
)
async def change_terms(
    cohort_id: uuid.UUID, data: terms.TermsChange, session: Session, user: Coordinator, now: Now
) -> schemas.CohortOut:
    view = await terms.change_terms(session, cohort_id=cohort_id, data=data, user=user, now=now)
    return schemas.cohort_out(view)


@cohort_routes.get(
    "/{cohort_id}/history",
    responses=problem_responses(404),
    summary="Every change of the cohort's terms, oldest first",
)
async def cohort_history(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator
) -> list[schemas.CohortChangeOut]:
    changes = await terms.cohort_history(session, cohort_id=cohort_id)
    return [schemas.cohort_change_out(c) for c in changes]


@cohort_routes.post(
    "/{cohort_id}/close",
    responses=CHANGES,
    summary="Close a cohort to expressions of interest (early, or once the deadline passed)",
)
async def close_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.close_cohort(session, cohort_id=cohort_id, now=now))


@cohort_routes.post(
    "/{cohort_id}/decision",
    responses=CHANGES,
    summary="Go (confirm every accepted team) or no-go (release every team)",
    description="Go needs accepted teams ≥ the minimum, or an `override_reason`. Taking the same "
    "decision again changes nothing (`changed: false`); reversing it is a 409.",
)
async def decide(
    cohort_id: uuid.UUID,
    data: schemas.DecisionRequest,
    session: Session,
    _user: Coordinator,
    now: Now,
) -> schemas.DecisionOut:
    result = await decisions.decide(
        session,
        cohort_id=cohort_id,
        decision=data.decision,
        override_reason=data.override_reason,
        reason=data.reason,
        now=now,
    )
    return schemas.decision_out(result)


@cohort_routes.post(
    "/{cohort_id}/carry-forward",
    responses=CHANGES,
    summary="Carry a cancelled cohort's expressions of interest into a later cohort",
)
async def carry_forward(
    cohort_id: uuid.UUID,
    data: schemas.CarryForwardRequest,
    session: Session,
    user: Coordinator,
    now: Now,
) -> schemas.CarryForwardOut:
    result = await decisions.carry_forward(
        session, cohort_id=cohort_id, target_cohort_id=data.target_cohort_id, user=user, now=now
    )
    return schemas.carry_forward_out(result)
