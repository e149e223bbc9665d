"""The billing service's app factory (``uvicorn --factory services.billing.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from services.billing import api
from services.billing.handlers import HANDLERS
from services.billing.settings import BillingSettings, get_settings
from shared.app import create_service_app


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Enjoying Work: Billing",
        description="Pricing of confirmed teams, UK VAT invoices, credit notes, purchase orders and payments.",
        routers=[api.router],
        handlers=HANDLERS,
    )
