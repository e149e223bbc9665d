"""The billing service's app factory (``uvicorn --factory services.billing.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing import api, overdue
from services.billing.handlers import HANDLERS
from services.billing.settings import BillingSettings, get_settings
from shared.app import PeriodicJob, create_service_app
from shared.clock import TimeSource
from shared.handlers import ServiceContext


async def record_overdue(
    session: AsyncSession, *, context: ServiceContext[BillingSettings]
) -> None:
    """Record ``billing.invoice.overdue`` once for each invoice that falls past its due date."""
    await overdue.record_overdue(session, now=context.clock.now())


def create_app(
    settings: BillingSettings | None = None, *, clock: TimeSource | None = None
) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="Enjoying Work: Billing",
        description=(
            "Pricing of confirmed teams, UK VAT invoices, credit notes, pro-formas, purchase "
            "orders and payments."
        ),
        routers=api.ROUTERS,
        handlers=HANDLERS,
        clock=clock,
        jobs=[
            PeriodicJob(
                "overdue-check", record_overdue, every_seconds=settings.overdue_check_seconds
            )
        ],
    )
