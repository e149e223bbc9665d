"""Request and response models of the sessions API, each response built in one place.

Times are entered and shown in Europe/London: a time without an offset is UK local time, a time
with an offset is converted; answers carry the UK offset of the day (+00:00 or +01:00). Request
models live beside the use cases that take them (``programme``, ``cohorts``, ``attendance``,
``registers``, ``materials``) and are named here too. ``programme`` answers about the cohort's
programme, ``attendance`` about teams, ``calendar`` about feed tokens, ``reports`` the
attendance reports (JSON and CSV).
"""

from __future__ import annotations

from services.sessions.attendance import AttendanceRecord
from services.sessions.cohorts import CohortDefaults
from services.sessions.materials import MaterialAdd
from services.sessions.programme import SessionCreate, SessionFilters, SessionUpdate
from services.sessions.registers import RegisterMarks
from services.sessions.schemas.attendance import (
    AttendanceOut,
    DisengagementOut,
    EngagementOut,
    RegisterOut,
    RosterTeamOut,
)
from services.sessions.schemas.calendar import FeedTokenCreate, FeedTokenCreated, FeedTokenOut
from services.sessions.schemas.programme import (
    CohortOut,
    MaterialOut,
    PlaceOut,
    PlaceRegister,
    PlacesOut,
    SessionCancel,
    SessionOut,
    waiting_list,
)
from services.sessions.schemas.reports import (
    AttendanceReportOut,
    TeamReportOut,
    report_csv,
    team_report_csv,
)

__all__ = [
    "AttendanceOut",
    "AttendanceRecord",
    "AttendanceReportOut",
    "CohortDefaults",
    "CohortOut",
    "DisengagementOut",
    "EngagementOut",
    "FeedTokenCreate",
    "FeedTokenCreated",
    "FeedTokenOut",
    "MaterialAdd",
    "MaterialOut",
    "PlaceOut",
    "PlaceRegister",
    "PlacesOut",
    "RegisterMarks",
    "RegisterOut",
    "RosterTeamOut",
    "SessionCancel",
    "SessionCreate",
    "SessionFilters",
    "SessionOut",
    "SessionUpdate",
    "TeamReportOut",
    "report_csv",
    "team_report_csv",
    "waiting_list",
]
