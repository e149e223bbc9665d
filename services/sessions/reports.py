"""Attendance reports per team, per organisation and per cohort (JSON and CSV).

Each team's line is its engagement so far: sessions held (learning sessions and learning sets
started and not cancelled, up to its withdrawal), attended, the rate, the learning sets missed
in a row, and the drop-in clinics apart. An organisation's and a cohort's totals pool their teams
(``rules/reports.py``). Reports include withdrawn teams (their line stops at the withdrawal and
says so): they are the record of who came. Whoever may read the teams reads the report, and sees
only the teams they may read (a team lead their organisation's, a coach their own).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.attendance import team_outcomes
from services.sessions.models import Attendance, Cohort, ProgrammeSession, RosterTeam
from services.sessions.rules.engagement import Engagement, engagement, held
from services.sessions.rules.reports import Totals, totals
from services.sessions.store import reports as store
from services.sessions.store.access import readable_cohort, readable_team
from services.sessions.store.rosters import coach_of
from shared.auth import Principal
from shared.errors import NotFound


@dataclass(frozen=True)
class TeamLine:
    team: RosterTeam
    cohort: Cohort
    coach_id: uuid.UUID | None
    engagement: Engagement


@dataclass(frozen=True)
class OrganisationTotals:
    organisation_id: uuid.UUID
    organisation_name: str
    totals: Totals


@dataclass(frozen=True)
class Report:
    """Lines for the teams, totals per organisation and over them all, as of ``as_of``."""

    as_of: datetime
    lines: list[TeamLine]
    organisations: list[OrganisationTotals]
    totals: Totals


@dataclass(frozen=True)
class HeldSession:
    session: ProgrammeSession
    record: Attendance | None


@dataclass(frozen=True)
class TeamReport:
    as_of: datetime
    line: TeamLine
    sessions: list[HeldSession]  # every session held on the team's programme, in time order


async def _lines(
    session: AsyncSession,
    found: Sequence[tuple[RosterTeam, uuid.UUID | None]],
    *,
    now: datetime,
) -> tuple[list[TeamLine], dict[uuid.UUID, list[HeldSession]]]:
    cohort_ids = {team.cohort_id for team, _ in found}
    cohorts = await store.cohorts(session, cohort_ids)
    programmes = await store.programmes(session, cohort_ids)
    marks = await store.marks(session, [team.team_id for team, _ in found])
    lines: list[TeamLine] = []
    sessions: dict[uuid.UUID, list[HeldSession]] = {}
    for team, coach_id in found:
        records = marks.get(team.team_id, {})
        rows = programmes.get(team.cohort_id, [])
        outcomes = team_outcomes(team, [(row, _attended(records.get(row.id))) for row in rows])
        by_id = {row.id: row for row in rows}
        sessions[team.team_id] = [
            HeldSession(by_id[o.session_id], records.get(o.session_id)) for o in held(outcomes, now)
        ]
        lines.append(TeamLine(team, cohorts[team.cohort_id], coach_id, engagement(outcomes, now)))
    return lines, sessions


def _attended(record: Attendance | None) -> bool | None:
    return None if record is None else record.attended


def _report(lines: list[TeamLine], now: datetime) -> Report:
    by_organisation: dict[uuid.UUID, list[TeamLine]] = {}
    for line in lines:
        by_organisation.setdefault(line.team.organisation_id, []).append(line)
    organisations = [
        OrganisationTotals(
            organisation_id=organisation_id,
            organisation_name=teams[-1].team.organisation_name,
            totals=totals(line.engagement for line in teams),
        )
        for organisation_id, teams in by_organisation.items()
    ]
    return Report(
        as_of=now,
        lines=lines,
        organisations=organisations,
        totals=totals(line.engagement for line in lines),
    )


async def cohort_report(
    session: AsyncSession, *, cohort_id: uuid.UUID, user: Principal, now: datetime
) -> Report:
    await readable_cohort(session, user, cohort_id)
    found = await store.report_teams(session, user, cohort_id=cohort_id)
    lines, _ = await _lines(session, [(t, a.coach_id if a else None) for t, a in found], now=now)
    return _report(lines, now)


async def organisation_report(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    cohort_id: uuid.UUID | None,
    user: Principal,
    now: datetime,
) -> Report:
    """The organisation's teams the caller may read (in one cohort, if given); none: 404."""
    found = await store.report_teams(
        session, user, cohort_id=cohort_id, organisation_id=organisation_id
    )
    if not found:
        raise NotFound("no such organisation")
    lines, _ = await _lines(session, [(t, a.coach_id if a else None) for t, a in found], now=now)
    return _report(lines, now)


async def team_report(
    session: AsyncSession, *, team_id: uuid.UUID, user: Principal, now: datetime
) -> TeamReport:
    team = await readable_team(session, user, team_id)
    coach_id = await coach_of(session, team_id)
    lines, sessions = await _lines(session, [(team, coach_id)], now=now)
    return TeamReport(as_of=now, line=lines[0], sessions=sessions[team_id])
