"""Attendance reports per team, per organisation and per cohort, as JSON or CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.sessions import reports, schemas
from services.sessions.api.deps import Reader, ReportFormat
from shared.clock import Clock
from shared.db import ReadSession
from shared.errors import problem_responses

_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The report (JSON, or CSV with format=csv)"}
}
router = APIRouter(tags=["reports"], responses={**_CSV, **problem_responses(404)})
CohortFilter = Annotated[uuid.UUID | None, Query(description="Only the teams of this cohort")]


def _answer(model: BaseModel, csv: str, *, wanted: str, filename: str) -> Response:
    if wanted == "csv":
        return Response(
            csv,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    return JSONResponse(model.model_dump(mode="json"))


@router.get(
    "/cohorts/{cohort_id}/attendance-report",
    response_model=schemas.AttendanceReportOut,
    summary="Attendance of the cohort's teams, per organisation and in all",
)
async def cohort_report(
    cohort_id: uuid.UUID,
    session: ReadSession,
    user: Reader,
    clock: Clock,
    format: ReportFormat = "json",
) -> Response:
    found = await reports.cohort_report(session, cohort_id=cohort_id, user=user, now=clock.now())
    return _answer(
        schemas.AttendanceReportOut.build(found),
        schemas.report_csv(found),
        wanted=format,
        filename=f"attendance-cohort-{cohort_id}",
    )


@router.get(
    "/organisations/{organisation_id}/attendance-report",
    response_model=schemas.AttendanceReportOut,
    summary="Attendance of an organisation's teams (in every cohort, or one)",
)
async def organisation_report(
    organisation_id: uuid.UUID,
    session: ReadSession,
    user: Reader,
    clock: Clock,
    cohort_id: CohortFilter = None,
    format: ReportFormat = "json",
) -> Response:
    found = await reports.organisation_report(
        session, organisation_id=organisation_id, cohort_id=cohort_id, user=user, now=clock.now()
    )
    return _answer(
        schemas.AttendanceReportOut.build(found),
        schemas.report_csv(found),
        wanted=format,
        filename=f"attendance-organisation-{organisation_id}",
    )


@router.get(
    "/teams/{team_id}/attendance-report",
    response_model=schemas.TeamReportOut,
    summary="A team's attendance, session by session",
)
async def team_report(
    team_id: uuid.UUID,
    session: ReadSession,
    user: Reader,
    clock: Clock,
    format: ReportFormat = "json",
) -> Response:
    found = await reports.team_report(session, team_id=team_id, user=user, now=clock.now())
    return _answer(
        schemas.TeamReportOut.build(found),
        schemas.team_report_csv(found),
        wanted=format,
        filename=f"attendance-team-{team_id}",
    )
