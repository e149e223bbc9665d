"""Teams, their project team and aim, readiness, plan measures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from services.improvement.models import Aim, PlanMeasure
from services.improvement.project import AimIn, MemberIn, MemberUpdate
from services.improvement.readiness import CohortReadiness, TeamReadiness
from services.improvement.rules.aims import aim_statement
from services.improvement.rules.programme import Phase
from services.improvement.rules.readiness import CHECK_KEYS, CHECK_LABELS, CheckKey
from services.improvement.schemas import Out
from services.improvement.teams import TeamView

__all__ = ["AimIn", "MemberIn", "MemberUpdate"]


class ContactOut(Out):
    name: str
    email: str
    job_title: str


class ProgrammeOut(Out):
    start_date: date
    lead_in_months: int
    coaching_months: int
    coaching_starts_on: date
    ends_on: date


class TeamOut(Out):
    id: uuid.UUID
    name: str
    cohort_id: uuid.UUID
    cohort_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    setting: str
    status: str
    withdrawn_on: date | None
    project_lead: ContactOut
    senior_sponsor: ContactOut | None
    coach_id: uuid.UUID | None
    coach_name: str | None
    programme: ProgrammeOut
    phase: Phase
    programme_month: int | None


def _contact(value: dict[str, Any] | None) -> ContactOut | None:
    return ContactOut.model_validate(value) if value else None


def team_out(view: TeamView) -> TeamOut:
    team, p = view.team, view.programme
    return TeamOut(
        id=team.id,
        name=team.name,
        cohort_id=team.cohort_id,
        cohort_name=view.cohort.name,
        organisation_id=team.organisation_id,
        organisation_name=team.organisation_name,
        setting=team.setting,
        status=team.status,
        withdrawn_on=team.withdrawn_on,
        project_lead=ContactOut.model_validate(team.project_lead),
        senior_sponsor=_contact(team.senior_sponsor),
        coach_id=view.coach.coach_id if view.coach else None,
        coach_name=view.coach.coach_name if view.coach else None,
        programme=ProgrammeOut(
            start_date=p.start_date,
            lead_in_months=p.lead_in_months,
            coaching_months=p.coaching_months,
            coaching_starts_on=p.coaching_starts_on,
            ends_on=p.ends_on,
        ),
        phase=view.phase,
        programme_month=view.programme_month,
    )


class MemberOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str | None
    role: str
    is_service_user: bool
    is_data_champion: bool
    joined_on: date
    left_on: date | None


class AimOut(Out):
    team_id: uuid.UUID
    what: str
    how_much: str
    by_when: date
    for_whom: str | None
    statement: str
    revision: int
    agreed: bool
    agreed_on: date | None
    updated_at: datetime


def aim_out(aim: Aim) -> AimOut:
    return AimOut(
        team_id=aim.team_id,
        what=aim.what,
        how_much=aim.how_much,
        by_when=aim.by_when,
        for_whom=aim.for_whom,
        statement=aim_statement(
            what=aim.what, how_much=aim.how_much, by_when=aim.by_when, for_whom=aim.for_whom
        ),
        revision=aim.revision,
        agreed=aim.agreed_on is not None,
        agreed_on=aim.agreed_on,
        updated_at=aim.updated_at,
    )


class CheckOut(Out):
    key: CheckKey
    label: str
    met: bool
    detail: str


class ReadinessOut(Out):
    team_id: uuid.UUID
    team_name: str
    ready: bool
    checks: list[CheckOut]


def readiness_out(found: TeamReadiness) -> ReadinessOut:
    return ReadinessOut(
        team_id=found.team.id,
        team_name=found.team.name,
        ready=found.readiness.ready,
        checks=[
            CheckOut(key=c.key, label=CHECK_LABELS[c.key], met=c.met, detail=c.detail)
            for c in found.readiness.checks
        ],
    )


class CheckCountOut(Out):
    key: CheckKey
    label: str
    teams_met: int


class CohortReadinessOut(Out):
    cohort_id: uuid.UUID
    cohort_name: str
    coaching_starts_on: date
    teams: int
    teams_ready: int
    checks: list[CheckCountOut]
    readiness: list[ReadinessOut]


def cohort_readiness_out(found: CohortReadiness) -> CohortReadinessOut:
    return CohortReadinessOut(
        cohort_id=found.cohort.id,
        cohort_name=found.cohort.name,
        coaching_starts_on=found.due_on,
        teams=len(found.teams),
        teams_ready=found.ready,
        checks=[
            CheckCountOut(key=key, label=CHECK_LABELS[key], teams_met=found.met(key))
            for key in CHECK_KEYS
        ],
        readiness=[readiness_out(t) for t in found.teams],
    )


class PlanMeasureOut(Out):
    measure_key: str
    name: str
    kind: str
    frequency: str


def plan_measure_out(measure: PlanMeasure) -> PlanMeasureOut:
    return PlanMeasureOut.model_validate(measure)
