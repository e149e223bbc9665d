"""The collaborative's report for a cohort (JSON, PDF, its charts as SVG or PNG) and every team's
period values as CSV: the programme team's (coordinators)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from services.measurement import export, report, report_pdf, schemas
from services.measurement.api.charts import PICTURE_RESPONSES, picture_answer
from services.measurement.api.readers import AskedReport, MeasureKeyPath
from services.measurement.charts import Picture
from shared.db import ReadSession
from shared.errors import problem_responses

router = APIRouter(
    prefix="/cohorts/{cohort_id}", tags=["report"], responses=problem_responses(403, 404, 422)
)


@router.get(
    "/report",
    response_model=schemas.ReportOut,
    summary="The collaborative's report: per measure the change from baseline, team verdicts "
    "and data submission",
)
async def cohort_report(cohort_id: uuid.UUID, session: ReadSession, asked: AskedReport) -> Response:
    found = await report.cohort_report(session, reading=asked, cohort_id=cohort_id)
    body = schemas.ReportOut.of(found).model_dump_json(by_alias=True)
    return Response(body, media_type="application/json")


@router.get(
    "/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report as PDF"}},
    summary="The collaborative's report as a PDF",
)
async def cohort_report_pdf(
    cohort_id: uuid.UUID, session: ReadSession, asked: AskedReport
) -> Response:
    document, name = await report_pdf.cohort_report_pdf(session, reading=asked, cohort_id=cohort_id)
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get(
    "/report/{measure_key}/{view}.{picture}",
    response_class=Response,
    responses=PICTURE_RESPONSES,
    summary="The report's pictures of a measure, as SVG or PNG: `collaborative`, the aggregate "
    "chart (parts at the baseline's end); `teams`, every team's chart on one page",
)
async def report_picture(
    cohort_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    view: report.View,
    picture: Picture,
    session: ReadSession,
    asked: AskedReport,
) -> Response:
    body = await report.report_picture(
        session, reading=asked, cohort_id=cohort_id, measure_key=measure_key, view=view,
        picture=picture,
    )  # fmt: skip
    return picture_answer(body, picture)


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "A row per team, measure and period"}
    },
    summary="Every team's period values of every planned measure, as CSV",
)
async def cohort_export(cohort_id: uuid.UUID, session: ReadSession, asked: AskedReport) -> Response:
    text = await export.cohort_export(session, reading=asked, cohort_id=cohort_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="cohort-{cohort_id}-period-values.csv"'
        },
    )
