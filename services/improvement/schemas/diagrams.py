"""Driver diagrams, their versions, and change ideas on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from services.improvement.change_ideas import ChangeIdeaIn, ChangeIdeaUpdate, IdeaCopy
from services.improvement.diagrams import AimText, DiagramView, DriverIn, DriverUpdate
from services.improvement.models import Diagram, DiagramVersion
from services.improvement.schemas import Out

__all__ = ["AimText", "ChangeIdeaIn", "ChangeIdeaUpdate", "DriverIn", "DriverUpdate", "IdeaCopy"]


class IdeaNodeOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    origin_id: uuid.UUID
    outcome: str | None


class SecondaryDriverOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    component: str | None
    origin_id: uuid.UUID
    change_ideas: list[IdeaNodeOut]


class PrimaryDriverOut(SecondaryDriverOut):
    component: str | None
    secondary_drivers: list[SecondaryDriverOut]


class DiagramOut(Out):
    id: uuid.UUID
    kind: Literal["package", "team"]
    cohort_id: uuid.UUID
    team_id: uuid.UUID | None
    title: str
    version: int
    updated_at: datetime
    aim: str
    primary_drivers: list[PrimaryDriverOut]


def _heading(diagram: Diagram) -> dict[str, Any]:
    return {
        "id": diagram.id,
        "kind": "package" if diagram.team_id is None else "team",
        "cohort_id": diagram.cohort_id,
        "team_id": diagram.team_id,
    }


def diagram_out(view: DiagramView) -> DiagramOut:
    return DiagramOut.model_validate(
        {
            **_heading(view.diagram),
            "title": view.title,
            "version": view.diagram.version,
            "updated_at": view.diagram.updated_at,
            **view.document,
        }
    )


class VersionSummaryOut(Out):
    version: int
    change: str
    saved_at: datetime


class VersionOut(VersionSummaryOut):
    diagram_id: uuid.UUID
    aim: str
    primary_drivers: list[PrimaryDriverOut]


def version_summary_out(kept: DiagramVersion) -> VersionSummaryOut:
    return VersionSummaryOut.model_validate(kept)


def version_out(kept: DiagramVersion) -> VersionOut:
    return VersionOut.model_validate(
        {
            "diagram_id": kept.diagram_id,
            "version": kept.version,
            "change": kept.change,
            "saved_at": kept.saved_at,
            **kept.document,
        }
    )
