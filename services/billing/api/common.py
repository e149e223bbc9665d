"""What the billing routes share: who may call them, settings, paging and PDF answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response

from services.billing.settings import BillingSettings
from shared.app import app_settings
from shared.auth import Principal, Role, require_roles
from shared.errors import problem_responses

BillingReader = Annotated[Principal, require_roles(Role.finance, Role.coordinator, Role.team_lead)]
BillingStaff = Annotated[Principal, require_roles(Role.finance, Role.coordinator)]
Finance = Annotated[Principal, require_roles(Role.finance)]
Settings = Annotated[BillingSettings, Depends(app_settings)]

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

NOT_FOUND = problem_responses(404)
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF"},
    **NOT_FOUND,
}


def pdf(download: tuple[str, bytes]) -> Response:
    """A document download: (file name, PDF)."""
    filename, content = download
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
