"""Attendance reports as JSON and as CSV (one builder each)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel

from services.sessions.reports import HeldSession, Report, TeamLine, TeamReport
from services.sessions.rules.reports import Totals, to_csv
from services.sessions.rules.schedule import SessionKind
from services.sessions.schemas.attendance import EngagementFields, Mark
from services.sessions.schemas.base import LondonOut, attributes, engagement_fields, london_iso


class TotalsOut(BaseModel):
    teams: int
    teams_disengaged: int
    sessions_held: int
    sessions_attended: int
    attendance_rate: float | None
    clinics_held: int
    clinics_attended: int

    @classmethod
    def build(cls, found: Totals) -> TotalsOut:
        return cls.model_validate(attributes(found, cls))


class TeamLineOut(EngagementFields):
    team_id: uuid.UUID
    team_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    cohort_id: uuid.UUID
    cohort_name: str
    status: str
    withdrawn_on: date | None
    coach_id: uuid.UUID | None

    @classmethod
    def build(cls, line: TeamLine) -> TeamLineOut:
        return cls.model_validate(
            {
                **attributes(line.team, cls),
                **engagement_fields(line.engagement),
                "cohort_name": line.cohort.name,
                "coach_id": line.coach_id,
            }
        )


class OrganisationTotalsOut(TotalsOut):
    organisation_id: uuid.UUID
    organisation_name: str


class AttendanceReportOut(BaseModel):
    """Per team, per organisation and over them all; rates are attended over held."""

    as_of: LondonOut
    teams: list[TeamLineOut]
    organisations: list[OrganisationTotalsOut]
    totals: TotalsOut

    @classmethod
    def build(cls, report: Report) -> AttendanceReportOut:
        return cls(
            as_of=report.as_of,
            teams=[TeamLineOut.build(line) for line in report.lines],
            organisations=[
                OrganisationTotalsOut.model_validate(
                    {**attributes(o.totals, TotalsOut), **attributes(o, OrganisationTotalsOut)}
                )
                for o in report.organisations
            ],
            totals=TotalsOut.build(report.totals),
        )


class HeldSessionOut(BaseModel):
    session_id: uuid.UUID
    kind: SessionKind
    title: str
    starts_at: LondonOut
    mark: Mark
    attendees: int | None
    counted_absent_at_close: bool

    @classmethod
    def build(cls, held: HeldSession) -> HeldSessionOut:
        record = held.record
        mark = "unmarked" if record is None else "present" if record.attended else "absent"
        return cls.model_validate(
            {
                "session_id": held.session.id,
                "kind": held.session.kind,
                "title": held.session.title,
                "starts_at": held.session.starts_at,
                "mark": mark,
                "attendees": record.attendees if record else None,
                "counted_absent_at_close": bool(record and record.counted_absent_at_close),
            }
        )


class TeamReportOut(BaseModel):
    as_of: LondonOut
    team: TeamLineOut
    sessions: list[HeldSessionOut]

    @classmethod
    def build(cls, report: TeamReport) -> TeamReportOut:
        return cls(
            as_of=report.as_of,
            team=TeamLineOut.build(report.line),
            sessions=[HeldSessionOut.build(s) for s in report.sessions],
        )


# --- CSV -----------------------------------------------------------------------------------------

TOTALS = [
    "sessions_held",
    "sessions_attended",
    "attendance_rate",
    "clinics_held",
    "clinics_attended",
]
REPORT_HEADER = [
    "level",
    "cohort",
    "organisation",
    "team",
    "status",
    "withdrawn_on",
    *TOTALS,
    "missed_learning_sets_in_a_row",
    "teams",
    "teams_disengaged",
    "cohort_id",
    "organisation_id",
    "team_id",
]


def _row(**cells: Any) -> list[Any]:
    return [cells.get(name) for name in REPORT_HEADER]


def report_csv(report: Report) -> str:
    """One line per team, then one per organisation, then one over them all (``level``)."""
    out = AttendanceReportOut.build(report)
    cohorts = {t.cohort_name for t in out.teams}
    cohort = cohorts.pop() if len(cohorts) == 1 else None
    rows = [
        _row(
            level="team",
            cohort=t.cohort_name,
            organisation=t.organisation_name,
            team=t.team_name,
            status=t.status,
            withdrawn_on=t.withdrawn_on.isoformat() if t.withdrawn_on else None,
            **{name: getattr(t, name) for name in TOTALS},
            missed_learning_sets_in_a_row=t.missed_learning_sets_in_a_row,
            cohort_id=t.cohort_id,
            organisation_id=t.organisation_id,
            team_id=t.team_id,
        )
        for t in out.teams
    ]
    rows += [
        _row(
            level="organisation",
            cohort=cohort,
            organisation=o.organisation_name,
            organisation_id=o.organisation_id,
            **o.model_dump(include={*TOTALS, "teams", "teams_disengaged"}),
        )
        for o in out.organisations
    ]
    rows.append(
        _row(
            level="all",
            cohort=cohort,
            **out.totals.model_dump(include={*TOTALS, "teams", "teams_disengaged"}),
        )
    )
    return to_csv(REPORT_HEADER, rows)


TEAM_HEADER = [
    "session_id",
    "kind",
    "title",
    "starts_at",
    "mark",
    "attendees",
    "counted_absent_at_close",
]


def team_report_csv(report: TeamReport) -> str:
    """One line per session held on the team's programme."""
    rows = []
    for held in report.sessions:
        out = HeldSessionOut.build(held)
        rows.append(
            [
                out.session_id,
                out.kind,
                out.title,
                london_iso(held.session.starts_at),
                out.mark,
                out.attendees,
                out.counted_absent_at_close,
            ]
        )
    return to_csv(TEAM_HEADER, rows)
