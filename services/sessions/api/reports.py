"""Attendance reports per team, per organisation and per cohort, as JSON or CSV."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import reports, schemas
from services.sessions.api.deps import Reader, ReportFormat
from shared.auth import Principal
from shared.clock import Clock
from shared.db import ReadSession
from shared.errors import problem_responses

_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The report (JSON, or CSV with format=csv)"}
}
router = APIRouter(tags=["reports"], responses={**_CSV, **problem_responses(404)})
CohortFilter = Annotated[uuid.UUID | None, Query(description="Only the teams of this cohort")]
R = TypeVar("R")


@dataclass(frozen=True)
class ReportRequest:
    """What every report route takes: who asks, when, and in which format."""

    session: AsyncSession
    user: Principal
    now: datetime
    format: str

    def answer(
        self, found: R, out: Callable[[R], BaseModel], csv: Callable[[R], str], name: str
    ) -> Response:
        if self.format == "csv":
            return Response(
                csv(found),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="attendance-{name}.csv"'},
            )
        return JSONResponse(out(found).model_dump(mode="json"))


async def _report_request(
    session: ReadSession, user: Reader, clock: Clock, format: ReportFormat = "json"
) -> ReportRequest:
    return ReportRequest(session, user, clock.now(), format)


Asked = Annotated[ReportRequest, Depends(_report_request)]
Cohortwide = schemas.AttendanceReportOut


@router.get("/cohorts/{cohort_id}/attendance-report", response_model=Cohortwide)
async def cohort_report(cohort_id: uuid.UUID, asked: Asked) -> Response:
    """Attendance of the cohort's teams, per organisation and in all."""
    found = await reports.cohort_report(
        asked.session, cohort_id=cohort_id, user=asked.user, now=asked.now
    )
    return asked.answer(found, Cohortwide.build, schemas.report_csv, f"cohort-{cohort_id}")


@router.get("/organisations/{organisation_id}/attendance-report", response_model=Cohortwide)
async def organisation_report(
    organisation_id: uuid.UUID, asked: Asked, cohort_id: CohortFilter = None
) -> Response:
    """Attendance of an organisation's teams, in every cohort or in one."""
    found = await reports.organisation_report(
        asked.session,
        organisation_id=organisation_id,
        cohort_id=cohort_id,
        user=asked.user,
        now=asked.now,
    )
    name = f"organisation-{organisation_id}"
    return asked.answer(found, Cohortwide.build, schemas.report_csv, name)


@router.get("/teams/{team_id}/attendance-report", response_model=schemas.TeamReportOut)
async def team_report(team_id: uuid.UUID, asked: Asked) -> Response:
    """A team's attendance, session by session."""
    found = await reports.team_report(
        asked.session, team_id=team_id, user=asked.user, now=asked.now
    )
    return asked.answer(
        found, schemas.TeamReportOut.build, schemas.team_report_csv, f"team-{team_id}"
    )
