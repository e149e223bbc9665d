"""Who may call the sessions routes (the roles; which objects they may read is the store's
readable statement), and the query parameters several routes share."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from shared.auth import Principal, Role, require_roles

Reader = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
AttendanceRecorder = Annotated[Principal, require_roles(Role.coordinator, Role.coach)]
# Coordinators and coaches: they record attendance and edit a session's materials.
Editor = Annotated[Principal, require_roles(Role.coordinator, Role.coach)]
PlaceRegistrar = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
IncludeWithdrawn = Annotated[bool, Query(description="Include teams that have withdrawn")]
ReportFormat = Annotated[
    Literal["json", "csv"], Query(description="json (the default) or csv (for spreadsheets)")
]
