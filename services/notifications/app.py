"""The notifications service's app factory
(``uvicorn --factory services.notifications.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.api import ROUTERS
from services.notifications.delivery import deliver_messages
from services.notifications.handlers import HANDLERS
from services.notifications.invoices import chase_overdue_invoices
from services.notifications.programme import remind_sessions
from services.notifications.retention import remove_old_bodies
from services.notifications.settings import NotificationsSettings, get_settings
from shared.app import PeriodicJob, create_service_app
from shared.clock import TimeSource


def jobs(settings: NotificationsSettings) -> list[PeriodicJob]:
    return [
        PeriodicJob("delivery", deliver_messages, every_seconds=settings.delivery_poll_seconds),
        PeriodicJob(
            "session-reminders", remind_sessions, every_seconds=settings.schedule_check_seconds
        ),
        PeriodicJob(
            "overdue-reminders",
            chase_overdue_invoices,
            every_seconds=settings.schedule_check_seconds,
        ),
        PeriodicJob("retention", remove_old_bodies, every_seconds=settings.retention_check_seconds),
    ]


def create_app(
    settings: NotificationsSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="Enjoying Work: Notifications",
        description=(
            "Tells people what the other services recorded: e-mail (HTML and plain text, invoices "
            "with their PDF) sent exactly once per event, recipient and kind, and an in-app feed; "
            "preferences and unsubscribe links for non-essential messages; erasure on request."
        ),
        routers=ROUTERS,
        handlers=HANDLERS,
        clock=clock,
        jobs=jobs(settings),
    )
