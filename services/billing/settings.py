"""Settings of the billing service (environment variables prefixed ``BILLING_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"


@lru_cache
def get_settings() -> BillingSettings:
    return BillingSettings()
