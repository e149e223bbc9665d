"""Settings of the enrolment service (environment variables prefixed ``ENROLMENT_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EnrolmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENROLMENT_", extra="ignore")

    service_name: str = "enrolment"
    port: int = 8001


@lru_cache
def get_settings() -> EnrolmentSettings:
    return EnrolmentSettings()
