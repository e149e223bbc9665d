"""The billing service's app factory (``uvicorn --factory services.billing.app:create_app``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.billing import api, service
from services.billing.handlers import HANDLERS
from services.billing.settings import BillingSettings, get_settings
from shared.app import create_service_app
from shared.db import Database

log = logging.getLogger("services.billing")


async def check_overdue_forever(database: Database, every_seconds: float) -> None:
    """Record ``billing.invoice.overdue`` once for each invoice that falls past its due date."""
    while True:
        try:
            async with database.transaction() as session:
                session.info["service"] = "billing"
                await service.record_overdue(session, today=service.uk_date(service.now_utc()))
        except Exception as exc:  # the database may be away: try again next time
            log.warning("overdue check failed: %s: %s", type(exc).__name__, exc)
        await asyncio.sleep(every_seconds)


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        settings=settings,
        title="Enjoying Work: Billing",
        description=(
            "Pricing of confirmed teams, UK VAT invoices, credit notes, pro-formas, purchase "
            "orders and payments."
        ),
        routers=[api.router],
        handlers=HANDLERS,
    )
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform_lifespan(app):
            task = asyncio.create_task(
                check_overdue_forever(app.state.database, settings.overdue_check_seconds),
                name="billing-overdue-check",
            )
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    app.router.lifespan_context = lifespan
    return app
